#!/usr/bin/env bash
# bench/scan: `patbot scan` over 500 service accounts x 6 tokens with 20 ms injected latency per
# GitLab call, against the lower bound (requests / concurrency x latency) and GITLAB_CONCURRENCY=1.
# Usage: bench/scan/run.sh [concurrency=8]
set -euo pipefail
cd "$(dirname "$0")/../.."
CONC=${1:-8}
BUILD_DIR=${BUILD_DIR:-build-release}
for p in python3 curl; do dpkg -s "$p" >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq "$p" >/dev/null; }; done
[ -f "$BUILD_DIR/build.ninja" ] || BUILD_DIR=$BUILD_DIR scripts/setup.sh runtime >/dev/null
cmake --build "$BUILD_DIR" --target fake_gitlab >/dev/null
work=$(mktemp -d)
"$BUILD_DIR/tests/fakes/fake_gitlab" --port 0 --generate 500,6 --latency-ms 20 --port-file "$work/port" >"$work/gl.log" 2>&1 &
GL_PID=$!
trap 'kill $GL_PID 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
GL=http://127.0.0.1:$(cat "$work/port")
ADMIN=$(curl -s "$GL/_fake/state" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(next(t["value"] for t in s["tokens"] if any(u["id"]==t["user_id"] and u.get("admin") for u in s["users"])))')

run() { # concurrency -> prints "seconds requests"
  local start end
  start=$(date +%s.%N)
  GITLAB_URL=$GL GITLAB_TOKEN=$ADMIN GITLAB_CONCURRENCY=$1 "$BUILD_DIR/bot/patbot" scan --json > "$work/out.json" || true
  end=$(date +%s.%N)
  echo "$(python3 -c "print($end - $start)") $(python3 -c 'import json;print(json.load(open("'"$work/out.json"'"))["gitlab_requests"])')"
}
read -r t_conc req <<<"$(run "$CONC")"
read -r t_one _ <<<"$(run 1)"
python3 - "$t_conc" "$t_one" "$req" "$CONC" <<'PY'
import sys
t, t1, req, c = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bound = req / c * 0.020
print(f"scan: {req} GitLab requests, 20 ms each; concurrency {c}: {t:.2f} s; lower bound {bound:.2f} s; "
      f"ratio {t/bound:.2f} (target <= 1.3); concurrency 1: {t1:.2f} s ({t1/t:.1f}x slower)")
PY
