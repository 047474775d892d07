#!/usr/bin/env bash
# bench/socket: Socket Mode acks — `patbot serve` with SLACK_APP_TOKEN against the Slack Bolt peer
# in Socket Mode (bench/socket/bolt_socket_app.js next to a copy of ../shared/peers/bolt), same
# machine, same run, same burst. The fake Slack (FAKE_SLACK_APP_TOKEN) hands out ws:// URLs from
# apps.connections.open and, on POST /_fake/socket/burst, sends ENVELOPES `/pat help`
# slash_commands envelopes over one connection with at most IN_FLIGHT unacked, timing each
# envelope until its ack; the ack carries the answer (`/pat help` has no GitLab work, so an ack is
# all either side does; patbot also commits the command's audit row before it acks).
#
# patbot: idle RSS with its default two connections; the burst with PATBOT_SOCKET_CONNECTIONS=1
# (the issue asks for acks over one connection), after the expiry watcher's start-up scan of a
# small fake GitLab world has finished (so it does not run during the burst). Bolt 5.1.0 opens
# one connection (one SocketModeClient per App; no option for more), so its idle RSS is with one.
# Figures: acks/s, ack latency (from the frame's write to its ack, the fake's clock), CPU time
# of the process during the measured burst per envelope, RSS idle / after the burst / peak.
# Each side gets a warm-up burst first (WARMUP envelopes, default 500; 0 for none: Node's JIT
# is slower cold), then the measured burst. Bolt's offline-ness is checked: the fake's
# /_fake/calls must hold only apps.connections.open from it, and its sockets must all be loopback
# (BOLT_STRACE=1 also runs it under strace -e connect and fails on a non-loopback connect).
# Usage: bench/socket/run.sh [envelopes=5000] [in_flight=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh
ENVELOPES=${1:-5000}
IN_FLIGHT=${2:-32}
WARMUP=${WARMUP:-500}
SETTLE=${SETTLE:-5}
SIDES=${SIDES:-patbot bolt}   # SIDES=bolt or SIDES=patbot runs one side only (no ratios)
bench_need curl:curl python3:python3 node:nodejs npm:npm ss:iproute2
[ "${BOLT_STRACE:-0}" = 1 ] && bench_need strace:strace
if [[ " $SIDES " == *" patbot "* ]]; then bench_build patbot fake_gitlab fake_slack; else bench_build fake_slack; fi
bench_machine
umask 077
APP_TOKEN="xapp-1-A0BENCH-$(date +%s)-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"   # the fake's; never printed
export APP_TOKEN

FAKE_SLACK_APP_TOKEN=$APP_TOKEN bench_fake_slack slack
echo "fake Slack: $SL (Socket Mode on)"
if [[ " $SIDES " == *" patbot "* ]]; then
  bench_fake_gitlab gitlab --generate 5,2     # small world: the watcher's start-up scan is short
  echo "fake GitLab: $GL (--generate 5,2: 5 service accounts x 2 tokens)"
fi

json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }
connections() { curl -sf "$SL/_fake/socket/settings" | json_get "d['open_connections']"; }
connections_are() { [ "$(connections)" = "$1" ]; }
burst() { # count in_flight -> the fake's JSON answer (after every envelope was acked)
  curl -sf --max-time 900 -X POST "$SL/_fake/socket/burst" -H 'Content-Type: application/json' \
    --data-binary "{\"count\": $1, \"in_flight\": $2, \"text\": \"help\", \"user_id\": \"U2CERLKJA\", \"channel_id\": \"C0BENCH01\", \"timeout_ms\": 900000}"
}
metric() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {print $2; exit}'; }
scanned() { v=$(metric patbot_last_successful_scan_timestamp_seconds); [ -n "$v" ] && python3 -c "import sys; sys.exit(0 if float('$v') > 0 else 1)"; }
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ]; }

PORT=${PORT:-18094}
# patbot serve in Socket Mode: SLACK_APP_TOKEN, no signing secret; /healthz, /readyz, /metrics on PORT.
patbot_socket() { # db, connections
  env -u SLACK_SIGNING_SECRET SLACK_APP_TOKEN="$APP_TOKEN" PATBOT_SOCKET_CONNECTIONS="$2" SLACK_BOT_TOKEN=xoxb-fake-0000-patbot \
    GITLAB_URL="$GL" GITLAB_TOKEN="$GL_ADMIN" SLACK_API_URL="$SL/api" PATBOT_DB="$1" PATBOT_LISTEN="127.0.0.1:$PORT" \
    PATBOT_LOG_LEVEL="${PATBOT_LOG_LEVEL:-warn}" "$BUILD_DIR/bot/patbot" serve >>"$bench_work/patbot.log" 2>&1 &
  PATBOT_PID=$!
  bench_pids+=("$PATBOT_PID")
  bench_wait_url "http://127.0.0.1:$PORT/healthz"
  bench_wait_for 60 connections_are "$2" || { echo "the fake never showed $2 open connection(s) from patbot" >&2; tail -5 "$bench_work/patbot.log" >&2; exit 1; }
  bench_wait_for 60 ready || { echo "patbot's /readyz never answered 200" >&2; tail -5 "$bench_work/patbot.log" >&2; exit 1; }
  bench_wait_for 60 scanned || { echo "the watcher's start-up scan did not finish" >&2; exit 1; }
  sleep "$SETTLE"
}

results=$bench_work/results
run_burst() { # name pid
  local w m
  if [ "$WARMUP" -gt 0 ]; then
    w=$(burst "$WARMUP" "$IN_FLIGHT") || { echo "$1: warm-up burst failed" >&2; exit 1; }
    echo "$1 warm-up: $w"
  fi
  local cpu0; cpu0=$(bench_cpu_ms "$2")
  m=$(burst "$ENVELOPES" "$IN_FLIGHT") || { echo "$1: burst failed" >&2; exit 1; }
  echo "$1 cpu_ms $(( $(bench_cpu_ms "$2") - cpu0 ))" >>"$results"
  echo "$1 burst: $m"
  echo "$1 burst $m" >>"$results"
  echo "$1 rss_after $(bench_rss_kib "$2")" >>"$results"
  echo "$1 rss_peak $(bench_peak_rss_kib "$2")" >>"$results"
}

if [[ " $SIDES " == *" patbot "* ]]; then
  echo "== patbot: idle, two connections (default)"
  patbot_socket "$bench_work/patbot-idle.db" 2
  echo "patbot idle_rss_2 $(bench_rss_kib "$PATBOT_PID")" >>"$results"
  bench_stop "$PATBOT_PID"
  bench_wait_for 30 connections_are 0 || { echo "patbot's connections did not close" >&2; exit 1; }

  echo "== patbot: PATBOT_SOCKET_CONNECTIONS=1, warm-up $WARMUP, burst $ENVELOPES envelopes, $IN_FLIGHT in flight"
  patbot_socket "$bench_work/patbot.db" 1
  echo "patbot idle_rss_1 $(bench_rss_kib "$PATBOT_PID")" >>"$results"
  # One `/pat help` through the socket first: checks the answer, and its ack payload is what the
  # Bolt peer will ack with (the same bytes).
  curl -sf -X POST "$SL/_fake/slash" -H 'Content-Type: application/json' \
    --data-binary '{"text": "help", "user_id": "U2CERLKJA", "channel_id": "C0BENCH01", "command": "/pat"}' >"$bench_work/help-report.json"
  python3 - "$bench_work/help-report.json" "$bench_work/ack-payload.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if r.get("status") != 200 or not r.get("body"):
    sys.exit(f"patbot did not ack `/pat help` with a payload: status {r.get('status')}, error {r.get('error')}")
payload = json.loads(r["body"])
if "GitLab service-account tokens" not in json.dumps(payload):
    sys.exit("patbot's ack payload is not the help message")
open(sys.argv[2], "w").write(json.dumps(payload, separators=(",", ":"), ensure_ascii=False))
print(f"patbot's `/pat help` ack payload: {len(r['body'].encode())} bytes")
PY
  run_burst patbot "$PATBOT_PID"
  echo "patbot load $(cut -d' ' -f1 /proc/loadavg)" >>"$results"
  bench_stop "$PATBOT_PID"
  bench_wait_for 30 connections_are 0 || { echo "patbot's connections did not close" >&2; exit 1; }
  curl -sf -o /dev/null -X POST "$SL/_fake/reset" -H 'Content-Type: application/json' --data-binary '{}'
fi

if [[ " $SIDES " == *" bolt "* ]]; then
  echo "== Bolt (Socket Mode): warm-up $WARMUP, burst $ENVELOPES envelopes, $IN_FLIGHT in flight"
  bench_bolt_peer
  cp bench/socket/bolt_socket_app.js "$BOLT_WORK/"
  bolt_cmd=(node "$BOLT_WORK/bolt_socket_app.js")
  [ "${BOLT_STRACE:-0}" = 1 ] && bolt_cmd=(strace -f -qq -e trace=connect -o "$bench_work/bolt.strace" "${bolt_cmd[@]}")
  # The same ack payload as patbot's (when patbot ran first); else the app's own copy of the help.
  payload_file=$bench_work/ack-payload.json; [ -s "$payload_file" ] || payload_file=
  FAKE_API_URL=$SL/api SLACK_APP_TOKEN=$APP_TOKEN ACK_PAYLOAD_FILE=$payload_file "${bolt_cmd[@]}" >"$bench_work/bolt.log" 2>&1 &
  BOLT_LAUNCHER=$!
  bench_pids+=("$BOLT_LAUNCHER")
  bench_wait_for 60 grep -q "bolt-socket-peer connected" "$bench_work/bolt.log" || { echo "the Bolt peer did not connect" >&2; cat "$bench_work/bolt.log" >&2; exit 1; }
  BOLT_PID=$(sed -n 's/.*connected (pid \([0-9]*\).*/\1/p' "$bench_work/bolt.log")   # node itself, also under strace
  [ "$BOLT_PID" = "$BOLT_LAUNCHER" ] || bench_pids+=("$BOLT_PID")
  bench_wait_for 30 connections_are 1 || { echo "the fake does not show the Bolt peer's connection" >&2; exit 1; }
  sleep "$SETTLE"
  echo "bolt idle_rss_1 $(bench_rss_kib "$BOLT_PID")" >>"$results"
  run_burst bolt "$BOLT_PID"
  echo "bolt load $(cut -d' ' -f1 /proc/loadavg)" >>"$results"
  echo "bolt connections $(connections)" >>"$results"
  # Offline: every call the fake saw since the reset is Bolt's, and must be apps.connections.open;
  # every socket it holds must be loopback.
  curl -sf "$SL/_fake/calls" >"$bench_work/bolt-calls.json"
  python3 - "$bench_work/bolt-calls.json" <<'PY'
import json, sys
calls = json.load(open(sys.argv[1]))
calls = calls.get("calls", calls) if isinstance(calls, dict) else calls
methods = sorted({c.get("method", "?") if isinstance(c, dict) else str(c) for c in calls})
print(f"Bolt's Web API calls (fake Slack): {len(calls)}: {', '.join(methods) or 'none'}")
if any(m != "apps.connections.open" for m in methods):
    sys.exit("the Bolt peer called something other than apps.connections.open")
PY
  remote=$(ss -tnpH 2>/dev/null | awk -v p="pid=$BOLT_PID," 'index($0, p) {print $5}' | sort -u)
  echo "Bolt's TCP peers: $(echo "$remote" | tr '\n' ' ')"
  if echo "$remote" | grep -qv '^127\.0\.0\.1:'; then echo "the Bolt peer holds a non-loopback socket" >&2; exit 1; fi
  if [ "${BOLT_STRACE:-0}" = 1 ]; then
    bench_stop "$BOLT_PID"; bench_stop "$BOLT_LAUNCHER"
    echo "Bolt's connect() calls (strace): $(grep -c 'connect(' "$bench_work/bolt.strace" || true), non-loopback: $(grep 'connect(' "$bench_work/bolt.strace" | grep -v 'AF_UNIX' | grep -vc '127\.0\.0\.1' || true)"
    if grep 'connect(' "$bench_work/bolt.strace" | grep -v AF_UNIX | grep -qv '127\.0\.0\.1'; then echo "the Bolt peer connected outside loopback" >&2; exit 1; fi
  fi
  echo "Bolt: $(sed -n 's/.*(pid [0-9]*, \(ack payload [0-9]* bytes\)).*/\1/p' "$bench_work/bolt.log"); @slack/bolt $(cd "$BOLT_WORK" && node -p "require('@slack/bolt/package.json').version"), @slack/socket-mode $(cd "$BOLT_WORK" && node -p "require('@slack/socket-mode/package.json').version"), node $(node --version)"
fi

python3 - "$results" "$ENVELOPES" "$IN_FLIGHT" "$WARMUP" <<'PY'
import json, sys
r = {}
for line in open(sys.argv[1]):
    who, key, val = line.rstrip("\n").split(" ", 2)
    r.setdefault(who, {})[key] = json.loads(val) if key == "burst" else float(val)
n, w, warm = sys.argv[2:5]
sides = [s for s in ("patbot", "bolt") if s in r]
label = {"patbot": "patbot", "bolt": "Bolt"}
for who in sides:
    b = r[who]["burst"]
    if b.get("timed_out") or b.get("acked") != b.get("sent") or b.get("sent") != int(n):
        sys.exit(f"{who}: {b.get('acked')} of {b.get('sent')} envelopes acked (of {n}), timed out: {b.get('timed_out')}")
mib = lambda k: k / 1024
burst = lambda k: lambda d: d["burst"][k]
rows = [
    ("envelopes acked/s", burst("acks_per_s"), "{:,.0f}", "{:.2f}x"),
    ("ack p50 (ms)", burst("p50_ms"), "{:.2f}", "{:.2f}"),
    ("ack p90 (ms)", burst("p90_ms"), "{:.2f}", "{:.2f}"),
    ("ack p99 (ms)", burst("p99_ms"), "{:.2f}", "{:.2f}"),
    ("ack max (ms)", burst("max_ms"), "{:.2f}", "{:.2f}"),
    ("CPU per envelope (µs, user + system)", lambda d: d["cpu_ms"] * 1000 / int(n), "{:.0f}", "{:.2f}"),
    ("idle RSS (MiB), patbot 2 conns, Bolt 1", lambda d: mib(d.get("idle_rss_2", d["idle_rss_1"])), "{:.1f}", "{:.3f}"),
    ("idle RSS (MiB), 1 connection", lambda d: mib(d["idle_rss_1"]), "{:.1f}", "{:.3f}"),
    ("RSS after the burst (MiB)", lambda d: mib(d["rss_after"]), "{:.1f}", "{:.3f}"),
    ("peak RSS since start, VmHWM (MiB)", lambda d: mib(d["rss_peak"]), "{:.1f}", "{:.3f}"),
]
print(f"\n{n} `/pat help` envelopes over one connection, at most {w} unacked, after a {warm}-envelope warm-up")
both = len(sides) == 2
print(f"{'':44}" + "".join(f" {label[s]:>10}" for s in sides) + (f" {'patbot/Bolt':>12}" if both else ""))
for name, get, fmt, rfmt in rows:
    vals = [get(r[s]) for s in sides]
    ratio = f" {rfmt.format(vals[0] / vals[1]) if vals[1] else '-':>12}" if both else ""
    print(f"{name:44}" + "".join(f" {fmt.format(v):>10}" for v in vals) + ratio)
print("burst elapsed: " + ", ".join(f"{s} {r[s]['burst']['elapsed_ms']:.0f} ms" for s in sides)
      + "; load (1 min) at the end of each burst: " + ", ".join(f"{s} {r[s]['load']:.2f}" for s in sides))
PY
conn_note=()
[[ " $SIDES " == *" patbot "* ]] && conn_note+=("patbot 2 (default) for the first idle figure, 1 (PATBOT_SOCKET_CONNECTIONS=1) for the rest")
[[ " $SIDES " == *" bolt "* ]] && conn_note+=("Bolt $(awk '$1=="bolt" && $2=="connections" {print $3}' "$results") (one SocketModeClient per App)")
note=$(printf '%s; ' "${conn_note[@]}")
echo "connections: ${note%; }; build: $BUILD_DIR"
bench_machine
