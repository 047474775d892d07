#!/usr/bin/env bash
# Quick start, second command: install what is missing, build everything, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=${BUILD_DIR:-build}
scripts/setup.sh test
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 300
