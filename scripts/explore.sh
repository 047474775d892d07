#!/usr/bin/env bash
# The rotation exploration (issue 12): every fault at every GitLab call of a rotation, against the
# real patbot binary and the fake GitLab and Slack. Builds what it needs, then runs all schedules,
# or some:
#   scripts/explore.sh                      all schedules
#   scripts/explore.sh --only ID [--only ID]   replay these (ids as printed)
#   scripts/explore.sh --filter SUBSTRING   the ids containing it
#   scripts/explore.sh --sample | --list | --jobs N
# Ends with "N schedules, M violations", the first failing id and the time taken; exits 1 on a
# violation. BUILD_DIR (default build-explore) names the build directory; JOBS the parallel build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-explore}
if [[ ! -f "$BUILD_DIR/build.ninja" && ! -f "$BUILD_DIR/Makefile" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPATBOT_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-2}" --target patbot fake_gitlab fake_slack explore_rotations >/dev/null
started=$(date +%s)
set +e
PATBOT_BUILD_DIR="$PWD/$BUILD_DIR" PATBOT_SOURCE_DIR="$PWD" "$BUILD_DIR/tests/e2e/explore_rotations" "$@"
code=$?
set -e
echo "wall time: $(( $(date +%s) - started )) s (scripts/explore.sh $*)"
exit $code
