#!/usr/bin/env bash
# bench/soak: `patbot serve` under a steady RATE signed requests/s for MINUTES minutes, valid and
# invalid mixed (bench/soak/gen_chunk.py: 70 % valid /pat help|audit|status, 15 % bad signature,
# 15 % stale timestamp), in one-minute chunks signed afresh (Slack's 5-minute window). Valid and
# invalid requests go out at the same time from two wrk processes on their own connections
# (paced by bench/soak/soak.lua), so every answer is attributable. The next chunk is generated
# while the current one runs.
# Reports: errors on valid requests (target 0), RSS every 5 s and its growth after warm-up
# (target < 5 %), `patbot audit verify` at the end (target: intact), database size.
# The expiry watcher scans the fake GitLab every minute and posts to the fake Slack meanwhile.
# Usage: bench/soak/run.sh [minutes=10] [rate=2000]
#   SOAK_CONNECTIONS (48 valid + 16 invalid), SOAK_WARMUP_S (120), SOAK_STATUS_SHARE (0.01 of the
#   valid requests) override the defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh
MINUTES=${1:-10}
RATE=${2:-2000}
VALID_RATE=$(( RATE * 7 / 10 ))
INVALID_RATE=$(( RATE - VALID_RATE ))
VALID_CONNS=${SOAK_CONNECTIONS:-48}
INVALID_CONNS=16
WARMUP=${SOAK_WARMUP_S:-120}
CHUNK=60
bench_need wrk:wrk curl:curl python3:python3 sqlite3:sqlite3
[ -x /usr/bin/time ] || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq time >/dev/null; }
bench_build patbot fake_gitlab fake_slack
bench_machine

bench_fake_gitlab gitlab --generate 20,5
bench_fake_slack slack --bot-url http://127.0.0.1:9   # mints response_urls; sends its own commands nowhere
printf '[watch]\ninterval_minutes = 1\n' >"$bench_work/policy.toml"
PORT=${PORT:-18093}
DB=$bench_work/patbot.db
bench_patbot_serve "$PORT" "$DB" PATBOT_CONFIG="$bench_work/policy.toml" PATBOT_NOTIFY_CHANNEL=C0PATBOT01 \
  SLACK_BOT_TOKEN=xoxb-fake-0000-patbot   # the fake Slack's default bot token
URL=http://127.0.0.1:$PORT/slack/commands
TOTAL=$((MINUTES * 60))
CHUNKS=$(( (TOTAL + CHUNK - 1) / CHUNK ))
gen() { python3 bench/soak/gen_chunk.py "$bench_work/chunk$1" $(( RATE * CHUNK * 11 / 10 )) "$SL"; }
gen 1
echo "patbot RSS before the load: $(( $(bench_rss_kib "$PATBOT_PID") / 1024 )) MiB"
START=$(date +%s)
( while kill -0 "$PATBOT_PID" 2>/dev/null; do   # seconds, RSS, its anonymous / file / shared parts (KiB)
    echo "$(( $(date +%s) - START )) $(awk '/^(VmRSS|RssAnon|RssFile|RssShmem):/ {printf "%s ", $2}' "/proc/$PATBOT_PID/status")"
    sleep 5
  done ) >"$bench_work/rss.txt" 2>/dev/null &
SAMPLER=$!; bench_pids+=("$SAMPLER")
echo "soak: $MINUTES min at $RATE requests/s ($VALID_RATE valid over $VALID_CONNS connections + $INVALID_RATE invalid over $INVALID_CONNS), ${CHUNK}-s chunks; warm-up ${WARMUP} s"
stream() { # chunk, stream, rate, connections, seconds
  SOAK_REQS=$bench_work/chunk$1.$2 SOAK_RATE=$3 SOAK_THREADS=1 SOAK_EXPECT=$2 \
    wrk -t1 -c"$4" -d"$5s" --timeout 5s -s bench/soak/soak.lua "$URL" >"$bench_work/wrk.$2.out" 2>&1
}
for c in $(seq 1 "$CHUNKS"); do
  secs=$(( TOTAL - (c - 1) * CHUNK )); [ "$secs" -gt "$CHUNK" ] && secs=$CHUNK
  GEN=""
  if [ "$c" -lt "$CHUNKS" ]; then gen $((c + 1)) & GEN=$!; bench_pids+=("$GEN"); fi
  stream "$c" valid "$VALID_RATE" "$VALID_CONNS" "$secs" & W1=$!
  stream "$c" invalid "$INVALID_RATE" "$INVALID_CONNS" "$secs" & W2=$!
  bench_pids+=("$W1" "$W2")
  wait "$W1" && wait "$W2" || { cat "$bench_work"/wrk.*.out >&2; exit 1; }
  for s in valid invalid; do
    grep RESULT "$bench_work/wrk.$s.out" | sed "s/^RESULT/chunk=$c t=$(( $(date +%s) - START ))/" | tee -a "$bench_work/results"
  done
  rm -f "$bench_work/chunk$c".*.[0-9]
  [ -z "$GEN" ] || wait "$GEN"
done
sleep 2   # the last status replies
curl -s "http://127.0.0.1:$PORT/metrics" >"$bench_work/metrics.txt" || true
RSS_END=$(bench_rss_kib "$PATBOT_PID")
kill "$PATBOT_PID"; wait "$PATBOT_PID" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true

sqlite3 "$DB" "SELECT action || ' ' || outcome || ' ' || count(*) FROM audit GROUP BY action, outcome ORDER BY count(*) DESC" >"$bench_work/actions.txt"
PATBOT_DB=$DB /usr/bin/time -v "$BUILD_DIR/bot/patbot" audit verify >"$bench_work/verify.out" 2>"$bench_work/verify.time" || true
DBSIZE=$(du -cb "$DB"* | tail -1 | cut -f1)

python3 - "$bench_work" "$WARMUP" "$RSS_END" "$DBSIZE" <<'PY'
import re, sys
work, warmup, rss_end, dbsize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
tot = {"valid": {}, "invalid": {}}
for line in open(work + "/results"):
    fields = dict(p.split("=") for p in line.split())
    t = tot[fields.pop("stream")]
    for k in ("chunk", "t", "rps", "p50_ms", "p99_ms", "max_ms"):
        fields.pop(k)
    for k, v in fields.items():
        t[k] = t.get(k, 0) + float(v)
for name, t in tot.items():
    sock = int(t["connect"] + t["read"] + t["write"] + t["timeout"])
    t["socket"] = sock
    print(f"{name}: answered {int(t['requests']):,} of {int(t['sent']):,} sent ({t['requests']/t['seconds']:.0f}/s); "
          f"as expected {int(t['expected']):,}, unexpected {int(t['unexpected'])} (200: {int(t['s200']):,}, 401: "
          f"{int(t['s401']):,}, other: {int(t['other'])}); socket errors {sock}; requests left in flight when a "
          f"chunk's wrk stopped: {int(t['sent'] - t['requests'])}")
v, i = tot["valid"], tot["invalid"]
print(f"total: {int(v['requests'] + i['requests']):,} requests answered in {v['seconds']:.0f} s "
      f"= {(v['requests'] + i['requests'])/v['seconds']:.0f}/s")
print(f"ERRORS ON VALID REQUESTS: {int(v['unexpected'] + v['socket'])} (target 0); invalid requests not refused "
      f"with 401: {int(i['unexpected'] + i['socket'])}")
parts = [list(map(int, l.split())) for l in open(work + "/rss.txt") if len(l.split()) == 5]
samples = [(p[0], p[1]) for p in parts]
if samples:
    per_min = {}
    for t, r in samples:
        per_min.setdefault(t // 60, []).append(r)
    print("RSS by minute (MiB, min-max of the 5-s samples): " + "; ".join(
        f"{m}: {min(v)/1024:.1f}-{max(v)/1024:.1f}" for m, v in sorted(per_min.items())))
    after = [r for t, r in samples if t >= warmup]
    first = [r for t, r in samples if warmup <= t < warmup + 60]
    if first:
        base = sum(first) / len(first)
        tail = [r for t, r in samples if t >= samples[-1][0] - 60]
        end = sum(tail) / len(tail)
        print(f"RSS: mean of the minute after warm-up ({warmup}-{warmup+60} s) {base/1024:.1f} MiB; mean of the last "
              f"minute {end/1024:.1f} MiB; growth {100*(end-base)/base:+.1f} % (target < 5 %); max after warm-up "
              f"{max(after)/1024:.1f} MiB ({100*(max(after)-base)/base:+.1f} %); at stop {rss_end/1024:.1f} MiB")
        def part(rows, i):
            return sum(r[i] for r in rows) / len(rows) / 1024
        rows0 = [p for p in parts if warmup <= p[0] < warmup + 60]
        rows1 = [p for p in parts if p[0] >= parts[-1][0] - 60]
        print("  of which anonymous (heap) %.1f -> %.1f MiB, file-backed %.1f -> %.1f MiB, shared (SQLite -shm) %.1f -> %.1f MiB"
              % (part(rows0, 2), part(rows1, 2), part(rows0, 3), part(rows1, 3), part(rows0, 4), part(rows1, 4)))
v = open(work + "/verify.out").read().strip()
t = open(work + "/verify.time").read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)", t).group(1).strip()
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print(f"patbot audit verify: {v} (wall {wall}, peak RSS {peak/1024:.1f} MiB)")
print(f"database: {dbsize/1e6:.0f} MB (db + wal + shm)")
PY
echo "audit rows by action and outcome:"; sed 's/^/  /' "$bench_work/actions.txt"
grep -E '^patbot_(commands_total|slack_rejected_total)' "$bench_work/metrics.txt" | sed 's/^/  /' || true
echo "load at the end:$(uptime | sed 's/.*load average://')"
