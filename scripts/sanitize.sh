#!/usr/bin/env bash
# scripts/sanitize.sh asan|tsan [BUILD_DIR]
#
# asan: configures BUILD_DIR (default build-asan) with -DPATBOT_SANITIZE=ON (AddressSanitizer,
#       LeakSanitizer, UndefinedBehaviorSanitizer; UB aborts), builds everything and runs the
#       whole ctest suite.
# tsan: configures BUILD_DIR (default build-tsan) with -DPATBOT_TSAN=ON, builds only the
#       concurrency-heavy test executables (TSAN_TESTS below) and runs each of them.
#
# Both are clang Debug builds (-O0 -g, assertions on). clang because its UBSan lives inside the
# ASan runtime and so honours log_path (with g++, UBSan reports of a child would be lost with its
# stderr); -O0 because with ASan it compiles about 4x faster than -O2, and the suite waits on
# sockets, timers and child processes more than it computes.
# Every process of a run writes its sanitizer reports to BUILD_DIR/sanitizer-reports/ (the
# tests, and through tests/e2e/child_process.cpp the patbot binaries and fakes they start), so
# a report from a child that the test stopped with SIGTERM is not lost with its stderr. Any
# report fails the run, even when the test that started the process passed, and is printed.
# Suppressions (tests/sanitizers/*.supp) cover third-party code only; each entry says why.
#
# Exits non-zero on a build failure, a failed test or any report. The packages, clang and its
# sanitizer runtimes included, come from `scripts/setup.sh test`. A relative BUILD_DIR is taken
# from the current directory. Environment: BUILD_JOBS and TEST_JOBS (default: nproc).
set -euo pipefail

MODE=${1:-}
case "$MODE" in
  asan | tsan) ;;
  *) echo "usage: $0 asan|tsan [BUILD_DIR]" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${2:-$ROOT/build-$MODE}
BUILD_DIR=$(mkdir -p "$BUILD_DIR" && cd "$BUILD_DIR" && pwd)
BUILD_JOBS=${BUILD_JOBS:-$(nproc)}
TEST_JOBS=${TEST_JOBS:-$(nproc)}
SUPP=$ROOT/tests/sanitizers
REPORTS=$BUILD_DIR/sanitizer-reports

# The test executables that run under ThreadSanitizer: the executor (command service), the HTTP
# server and client with its deadline timer, the WebSocket client (its I/O thread against
# concurrent read, send and close) and both clients through a proxy, the rotation engine and its lock (the journal),
# the watcher's background thread, the outbox and inventory cache posted to and read from several
# threads, SQLite shared by several threads, the GitLab concurrency
# limit and the fake GitLab that serialises concurrent calls.
TSAN_TESTS=(
  tests/bot/bot_command_service_test
  tests/http/http_deadline_timer_test
  tests/http/http_server_test
  tests/http/http_server_beast_test
  tests/http/http_websocket_client_test
  tests/http/http_proxy_tunnel_test
  tests/handlers/handlers_rotation_engine_test
  tests/handlers/handlers_expiry_watcher_test
  tests/handlers/handlers_outbox_inventory_test
  tests/storage/storage_audit_store_test
  tests/storage/storage_database_test
  tests/storage/storage_rotation_test
  tests/gitlab/gitlab_rest_gitlab_api_test
  tests/fakes/fakes_gitlab_test
)

rm -rf "$REPORTS"
mkdir -p "$REPORTS"
# Set before the build as well: gtest_discover_tests runs every test executable once to list it.
if [ "$MODE" = asan ]; then
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:strict_string_checks=1:log_path=$REPORTS/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$REPORTS/asan"   # same files: one runtime
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  cmake_option=-DPATBOT_SANITIZE=ON
else
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp:print_suppressions=0:log_path=$REPORTS/tsan"
  cmake_option=-DPATBOT_TSAN=ON
fi

# Prints every report and fails when there is any.
check_reports() {
  local found=0
  for f in "$REPORTS"/*; do
    [ -f "$f" ] || continue
    found=1
    echo "=== sanitizer report $f" >&2
    cat "$f" >&2
  done
  if [ "$found" -ne 0 ]; then
    echo "sanitize.sh: $MODE reports above (files in $REPORTS)" >&2
    return 1
  fi
  echo "sanitize.sh: no $MODE reports"
}

cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DPATBOT_BUILD_TESTS=ON "$cmake_option" >/dev/null

status=0
if [ "$MODE" = asan ]; then
  cmake --build "$BUILD_DIR" -j "$BUILD_JOBS"
  ctest --test-dir "$BUILD_DIR" -j "$TEST_JOBS" --timeout 600 --output-on-failure || status=1
else
  targets=()
  for t in "${TSAN_TESTS[@]}"; do targets+=("$(basename "$t")"); done
  cmake --build "$BUILD_DIR" -j "$BUILD_JOBS" --target "${targets[@]}"
  # The build tree (fakes, test data) is where the tests look, as under ctest.
  export PATBOT_BUILD_DIR=$BUILD_DIR
  for t in "${TSAN_TESTS[@]}"; do
    log=$BUILD_DIR/tsan-$(basename "$t").log
    echo "tsan: $t"
    if ! timeout 900 "$BUILD_DIR/$t" --gtest_brief=1 >"$log" 2>&1; then
      echo "sanitize.sh: $t failed:" >&2
      cat "$log" >&2
      status=1
    fi
  done
fi
check_reports || status=1
exit "$status"
