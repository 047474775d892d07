#!/usr/bin/env bash
# Installs the Debian 12 packages patbot needs (only those missing), then configures and builds.
# Usage: scripts/setup.sh [runtime|test]   (default: test, which also builds the test suite)
# Environment: BUILD_DIR (default ./build), PATBOT_SANITIZE=ON for an ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-test}

packages=(build-essential cmake ninja-build ccache pkg-config openssl ca-certificates
  libcpprest-dev libssl-dev libboost-dev libboost-system-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev)
if [ "$what" = test ]; then
  packages+=(libgtest-dev libgmock-dev googletest sqlite3 curl prometheus nginx systemd python3-yaml)
  # scripts/sanitize.sh builds with clang: its UBSan reports honour log_path inside the ASan
  # runtime (g++'s separate libubsan writes them to stderr only). The runtimes are in libclang-rt.
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq || true
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir=${BUILD_DIR:-build}
tests=ON
[ "$what" = runtime ] && tests=OFF
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPATBOT_BUILD_TESTS=$tests -DPATBOT_SANITIZE="${PATBOT_SANITIZE:-OFF}" >/dev/null
jobs=$(nproc)
if [ "$what" = runtime ]; then
  cmake --build "$build_dir" --target patbot -j "$jobs"
else
  cmake --build "$build_dir" -j "$jobs"
fi
