#!/usr/bin/env bash
# bench/ack: signed `/pat status` acks per second, latency and memory — patbot serve against the
# Slack Bolt peer (../shared/peers/bolt), same machine, same run, same request body.
# Each `/pat status` also queues its real work; so that the figures compare acks with acks (Bolt
# does nothing after its ack), that work is kept waiting: the fake GitLab answers every call in
# 2 s, and the expiry watcher's start-up scan is made to fail (the fake refuses patbot's token
# until it has), so no command can answer from the watcher's snapshot. ACK_WITH_SNAPSHOT=1 lets
# the scan succeed instead: then every ack is followed by a full status render and its post to
# the fake Slack on the same cores (patbot's throughput with its real work, not an ack figure).
# Usage: bench/ack/run.sh [seconds=20] [connections=16]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20}
CONNS=${2:-16}
BOLT_DIR=$(cd "${BOLT_DIR:-../shared/peers/bolt}" && pwd)   # the Bolt peer, next to the project root
BUILD_DIR=${BUILD_DIR:-build-release}
need=()
for c in wrk:wrk node:nodejs npm:npm python3:python3 curl:curl openssl:openssl; do
  command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}")
done
[ ${#need[@]} -eq 0 ] || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq "${need[@]}" >/dev/null; }
[ -f "$BUILD_DIR/build.ninja" ] || BUILD_DIR=$BUILD_DIR scripts/setup.sh runtime >/dev/null
cmake --build "$BUILD_DIR" --target fake_gitlab fake_slack >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
SECRET=8f742231b10e8888abcd99yyyzzz85a5   # Slack's documented example secret; bench only

start() { # name, port-file, command... ; waits for the port file
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 did not come up" >&2; exit 1; }
rss() { ps -o rss= -p "$1" | tr -d ' '; }

start gitlab "$BUILD_DIR/tests/fakes/fake_gitlab" --port 0 --generate 20,5 --latency-ms 2000 --port-file "$work/gl.port"
start slack env FAKE_SLACK_SIGNING_SECRET=$SECRET "$BUILD_DIR/tests/fakes/fake_slack" --port 0 --port-file "$work/sl.port"
for _ in $(seq 1 100); do [ -s "$work/gl.port" ] && [ -s "$work/sl.port" ] && break; sleep 0.1; done
GL=http://127.0.0.1:$(cat "$work/gl.port"); SL=http://127.0.0.1:$(cat "$work/sl.port")
ADMIN=$(curl -s "$GL/_fake/state" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(next(t["value"] for t in s["tokens"] if any(u["id"]==t["user_id"] and u.get("admin") for u in s["users"])))')
fake_post() { curl -sf -o /dev/null -X POST "$GL$1" -H 'Content-Type: application/json' --data-binary @"$2"; }
echo '{"latency_ms": 2000}' >"$work/faults.json"
if [ "${ACK_WITH_SNAPSHOT:-0}" != 1 ]; then   # refuse patbot's token until the watcher's scan has failed
  (umask 077; curl -s "$GL/_fake/state" >"$work/seed.json")   # token values: stay in the work directory
  python3 bench/lib/refusing_seed.py "$work/seed.json" "$work/refusing.json"
  fake_post /_fake/reset "$work/refusing.json"
  fake_post /_fake/faults "$work/faults.json"
fi

PORT=18080
SLACK_SIGNING_SECRET=$SECRET GITLAB_URL=$GL GITLAB_TOKEN=$ADMIN SLACK_API_URL=$SL/api PATBOT_DB=$work/patbot.db \
  PATBOT_LISTEN=127.0.0.1:$PORT PATBOT_LOG_LEVEL=$([ "${ACK_WITH_SNAPSHOT:-0}" = 1 ] && echo info || echo warn) "$BUILD_DIR/bot/patbot" serve >"$work/patbot.log" 2>&1 &
PATBOT_PID=$!; pids+=($PATBOT_PID)
wait_log() { for _ in $(seq 1 600); do grep -qs "$1" "$work/patbot.log" && return 0; sleep 0.1; done; echo "patbot did not log \"$1\"" >&2; exit 1; }
if [ "${ACK_WITH_SNAPSHOT:-0}" != 1 ]; then
  wait_log "watcher: scan failed"
  fake_post /_fake/reset "$work/seed.json"
  fake_post /_fake/faults "$work/faults.json"
else
  wait_log "watcher: scan complete"
fi

cp -r "$BOLT_DIR" "$work/bolt"; chmod -R u+w "$work/bolt"
(cd "$work/bolt" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1)
SLACK_SIGNING_SECRET=$SECRET PORT=13000 node "$work/bolt/app.js" >"$work/bolt.log" 2>&1 &
BOLT_PID=$!; pids+=($BOLT_PID)
wait_port "http://127.0.0.1:$PORT/healthz"; wait_port "http://127.0.0.1:13000/"
sleep 2

# The same body for both: Bolt's fixture with the response_url pointed at the fake Slack.
sed "s#response_url=[^&]*#response_url=$(python3 -c "import urllib.parse;print(urllib.parse.quote('$SL/commands/bench',safe=''))")#" \
  "$BOLT_DIR/fixtures/slash_pat.body" | sed 's/text=[^&]*/text=status/' | tr -d '\n' > "$work/body"
export BENCH_BODY_FILE=$work/body BENCH_TS=$(date +%s)
export BENCH_SIG="v0=$(printf 'v0:%s:%s' "$BENCH_TS" "$(cat "$work/body")" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)"

for target in patbot bolt; do
  if [ $target = patbot ]; then url=http://127.0.0.1:$PORT/slack/commands; pid=$PATBOT_PID; else url=http://127.0.0.1:13000/slack/events; pid=$BOLT_PID; fi
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H 'Content-Type: application/x-www-form-urlencoded' \
    -H "X-Slack-Request-Timestamp: $BENCH_TS" -H "X-Slack-Signature: $BENCH_SIG" --data-binary @"$work/body")
  [ "$code" = 200 ] || { echo "$target answered $code to a signed request" >&2; exit 1; }
  idle=$(rss $pid)
  result=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" -s bench/lib/signed_post.lua "$url" | grep RESULT)
  loaded=$(rss $pid)
  echo "$target $result idle_rss_kib=$idle loaded_rss_kib=$loaded" | tee -a "$work/results"
done

python3 - "$work/results" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    parts = line.split()
    r[parts[0]] = {k: float(v) for k, v in (p.split("=") for p in parts[2:])}
p, b = r["patbot"], r["bolt"]
print(f"ratios: requests/s patbot/bolt = {p['rps']/b['rps']:.1f}x (target >= 10x); "
      f"p99 patbot/bolt = {p['p99_ms']/b['p99_ms']:.3f} (target <= 0.2); "
      f"idle RSS patbot/bolt = {p['idle_rss_kib']/b['idle_rss_kib']:.3f} (target <= 0.25)")
PY
echo "mode: $([ "${ACK_WITH_SNAPSHOT:-0}" = 1 ] && echo "status answered from the watcher's snapshot (real work after each ack)" || echo "acks only (status work waits on GitLab's 2 s)"); build: $BUILD_DIR"
echo "machine: $(nproc) cores, $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed "s/^ *//"), $(uname -r); load:$(uptime | sed "s/.*load average://"); load generator and servers share the cores"
