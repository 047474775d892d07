#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS_PER_TARGET=15] [BUILD_DIR=build-fuzz]
#
# Configures BUILD_DIR with clang and -DPATBOT_FUZZ=ON, builds every libFuzzer target of
# tests/fuzz/, runs each for SECONDS_PER_TARGET seconds on a fresh copy of its seed corpus
# (tests/fuzz/corpus/<name>/ plus tests/fuzz/regressions/<name>/), prints executions and
# executions per second, and exits 1 when any target crashed, naming the target and the
# reproducer. Work files go to BUILD_DIR/fuzz-run/<name>/ (corpus/, artifacts/, log).
# A relative BUILD_DIR is taken from the current directory.
# Environment: FUZZ_TARGETS="slack_form http_url" runs only those; BUILD_JOBS (default 2).
#
# Long runs (hours), e.g. overnight, one target after the other, an hour each:
#   scripts/fuzz.sh 3600 /work/build-fuzz
# or one target on several cores, keeping what it learns in its own corpus directory:
#   mkdir -p /tmp/gitlab_json && /work/build-fuzz/tests/fuzz/gitlab_json_fuzz -fork=2 \
#     -max_total_time=14400 -max_len=8192 -timeout=10 -artifact_prefix=/tmp/gitlab_json/ \
#     /tmp/gitlab_json tests/fuzz/corpus/gitlab_json
# Worth keeping new inputs in the seed corpus (small, distinct coverage only):
#   <fuzzer> -merge=1 tests/fuzz/corpus/<name> BUILD_DIR/fuzz-run/<name>/corpus
#
# A crash becomes a regression test:
#   1. reproduce: BUILD_DIR/tests/fuzz/<name>_fuzz <reproducer path>
#   2. fix the code, then copy the reproducer to tests/fuzz/regressions/<name>/ under a name that
#      says what it caught (e.g. tests/fuzz/regressions/gitlab_json/date-year-overflow);
#   3. ctest --test-dir BUILD_DIR -R 'Fuzz\.<name>\.' runs every file there once (the
#      Fuzz.<name>.regressions entry; Fuzz.<name>.seeds runs the seed corpus).
set -euo pipefail

SECONDS_PER_TARGET=${1:-15}
BUILD_DIR=${2:-build-fuzz}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(mkdir -p "$BUILD_DIR" && cd "$BUILD_DIR" && pwd)

ALL_TARGETS="slack_form slack_interaction command_text slack_signature gitlab_json pagination policy_toml http_url socket_frame"
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}

max_len() {
  case "$1" in
    pagination) echo 32768 ;;
    gitlab_json) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# clang and its libFuzzer runtime (libclang-rt-14-dev is only a Recommends of clang-14), from apt.
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  echo "fuzz.sh: installing clang libclang-rt-14-dev" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq || true
  $sudo_cmd apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPATBOT_FUZZ=ON -DPATBOT_BUILD_TESTS=OFF >/dev/null
build_targets=()
for t in $TARGETS; do build_targets+=("${t}_fuzz"); done
cmake --build "$BUILD_DIR" -j"${BUILD_JOBS:-2}" --target "${build_targets[@]}"

failed=()
printf '%-18s %8s %12s %10s %8s\n' target seconds executions "exec/s" corpus
for t in $TARGETS; do
  fuzzer="$BUILD_DIR/tests/fuzz/${t}_fuzz"
  work="$BUILD_DIR/fuzz-run/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "$ROOT/tests/fuzz/corpus/$t/." "$work/corpus/"
  if [ -d "$ROOT/tests/fuzz/regressions/$t" ]; then
    cp -R "$ROOT/tests/fuzz/regressions/$t/." "$work/corpus/"
  fi
  rc=0
  "$fuzzer" -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$t")" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  printf '%-18s %8s %12s %10s %8s\n' "$t" "$SECONDS_PER_TARGET" "${execs:-?}" "${rate:-?}" \
    "$(find "$work/corpus" -type f | wc -l)"
  reproducers=$(find "$work/artifacts" -type f | sort)
  if [ "$rc" -ne 0 ] || [ -n "$reproducers" ]; then
    failed+=("$t")
    echo "CRASH in $t (exit $rc); log: $work/log" >&2
    grep -m1 -E 'ERROR: |fuzz property violated|runtime error' "$work/log" >&2 || true
    for r in $reproducers; do echo "  reproducer: $r" >&2; done
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${#failed[@]} target(s) crashed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no crashes in ${SECONDS_PER_TARGET}s per target"
