#!/usr/bin/env bash
# Quick start, first command: install what is missing, build patbot, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-release} scripts/setup.sh runtime
exec "${BUILD_DIR:-build-release}/bot/patbot" demo "$@"
