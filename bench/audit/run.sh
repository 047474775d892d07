#!/usr/bin/env bash
# bench/audit: the audit trail at a million rows.
#   1. Builds the chain to 10k, 100k, then ROWS rows (bench/audit/gen_audit.py: the store's own
#      chain rule, bulk-inserted) and after each step times `patbot audit verify` with
#      /usr/bin/time -v (wall time, peak RSS): verification must stream in constant memory.
#   2. At ROWS rows: the SQL of SqliteAuditStore::latest() directly (query_time.py), the
#      `patbot audit` CLI with hyperfine (against an empty trail for the process's own cost), and
#      `/pat audit` through `patbot serve` with a signed request (curl once, then wrk, one
#      connection, each request also appending its row through the real append path).
#   3. `patbot audit verify` again: the bulk rows and the bot's own appended rows form one chain.
#   4. Schema migration 4 (the token-id indexes) on an existing trail of that size: a copy with
#      the three indexes dropped and version 4 unrecorded (exactly schema version 3, as migration
#      4 adds nothing else) is opened by `patbot audit`, three times; then `patbot audit verify`.
# Targets: last 20 entries < 5 ms on 1M rows (token-id filter included); verify in constant
# memory.
# Usage: bench/audit/run.sh [rows=1000000] [wrk-seconds=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh
ROWS=${1:-1000000}
SECONDS_WRK=${2:-10}
bench_need wrk:wrk hyperfine:hyperfine sqlite3:sqlite3 curl:curl python3:python3
[ -x /usr/bin/time ] || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq time >/dev/null; }
bench_build patbot fake_gitlab fake_slack
PATBOT=$BUILD_DIR/bot/patbot
DB=$bench_work/audit.db
EMPTY=$bench_work/empty.db
bench_machine

PATBOT_DB=$EMPTY "$PATBOT" audit >/dev/null   # an empty trail with patbot's schema
PATBOT_DB=$DB "$PATBOT" audit >/dev/null

verify() { # prints: rows, wall s, peak RSS MiB
  PATBOT_DB=$DB /usr/bin/time -v "$PATBOT" audit verify >"$bench_work/verify.out" 2>"$bench_work/verify.time" ||
    { cat "$bench_work/verify.out" >&2; exit 1; }
  python3 - "$bench_work/verify.out" "$bench_work/verify.time" <<'PY'
import re, sys
out, t = open(sys.argv[1]).read(), open(sys.argv[2]).read()
rows = re.search(r"(\d+) rows verified", out).group(1)
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)", t).group(1).strip().split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print(f"verify: {int(rows):>9,} rows  wall {secs:6.2f} s  peak RSS {rss/1024:6.1f} MiB")
PY
}

echo "== audit verify: wall time and peak RSS as the chain grows (3 runs each)"
for n in 10000 100000 "$ROWS"; do
  python3 bench/audit/gen_audit.py "$DB" "$n"
  for _ in 1 2 3; do verify; done
done
echo "database: $(du -h "$DB" | cut -f1) ($(stat -c %s "$DB") bytes) for $ROWS rows"

echo "== the SQL of latest() directly (Python sqlite3, statement prepared each time, details parsed)"
python3 bench/audit/query_time.py "$DB" 1000

echo "== patbot audit (CLI: process start, open, migrations check, query, print)"
hyperfine -N --warmup 3 --runs 50 --export-json "$bench_work/hf.json" \
  -n "patbot audit (empty trail)" "env PATBOT_DB=$EMPTY $PATBOT audit" \
  -n "patbot audit ($ROWS rows)" "env PATBOT_DB=$DB $PATBOT audit" >"$bench_work/hf.txt" 2>&1 || { cat "$bench_work/hf.txt"; exit 1; }
python3 - "$bench_work/hf.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']:<36} mean {r['mean']*1000:6.2f} ms ± {r['stddev']*1000:5.2f}  median {r['median']*1000:6.2f} ms  min {r['min']*1000:6.2f} ms  (runs {len(r['times'])})")
PY

echo "== /pat audit through patbot serve (signed slash command; the ack carries the 20 rows)"
bench_fake_gitlab gitlab --generate 2,1
bench_fake_slack slack
PORT=${PORT:-18091}
bench_patbot_serve "$PORT" "$DB"
URL=http://127.0.0.1:$PORT/slack/commands
python3 - "$SL/commands/bench" "$bench_work" <<'PY'
import sys, time
sys.path.insert(0, "bench/lib")
import slack_sign
body = slack_sign.body("audit", sys.argv[1])
ts = int(time.time())
open(sys.argv[2] + "/body", "w").write(body)
open(sys.argv[2] + "/sig", "w").write("%d %s\n" % (ts, slack_sign.signature(ts, body)))
PY
read -r BENCH_TS BENCH_SIG <"$bench_work/sig"
export BENCH_TS BENCH_SIG BENCH_BODY_FILE=$bench_work/body BENCH_EXPECT="latest audit entries"
for i in 1 2 3 4 5; do
  curl -s -o "$bench_work/ack.json" -w '%{http_code} %{time_total}\n' -X POST "$URL" \
    -H 'Content-Type: application/x-www-form-urlencoded' -H "X-Slack-Request-Timestamp: $BENCH_TS" \
    -H "X-Slack-Signature: $BENCH_SIG" --data-binary @"$BENCH_BODY_FILE" >"$bench_work/curl.out"
  read -r code secs <"$bench_work/curl.out"
  grep -q "20 latest audit entries" "$bench_work/ack.json" || { echo "unexpected ack (HTTP $code)" >&2; head -c 400 "$bench_work/ack.json" >&2; exit 1; }
  echo "curl #$i: HTTP $code, 20 rows, $(python3 -c "print(f'{$secs*1000:.2f}')") ms end to end"
done
wrk -t1 -c1 -d"${SECONDS_WRK}s" -s bench/lib/signed_post.lua "$URL" | grep RESULT | sed 's/^RESULT/wrk 1 connection:/'
echo "patbot serve RSS with the $ROWS-row trail: $(( $(bench_rss_kib "$PATBOT_PID") / 1024 )) MiB"
kill "$PATBOT_PID"; wait "$PATBOT_PID" 2>/dev/null || true

echo "== after the bot's own appends"
verify
echo "database: $(du -h "$DB" | cut -f1), $(sqlite3 "$DB" 'SELECT count(*) FROM audit') rows"

echo "== schema migration 4 (token-id indexes) on the existing trail, as at an upgrade (3 runs)"
V3=$bench_work/v3.db
sqlite3 "$DB" ".backup '$V3'"
for _ in 1 2 3; do
  sqlite3 "$V3" "DROP INDEX audit_old_token_id; DROP INDEX audit_new_token_id; DROP INDEX audit_token_id;
                 DELETE FROM schema_migrations WHERE version = 4;"
  PATBOT_DB=$V3 /usr/bin/time -f "%e %M" -o "$bench_work/migrate.time" "$PATBOT" audit >/dev/null
  read -r secs kib <"$bench_work/migrate.time"
  echo "patbot audit on $(sqlite3 "$V3" 'SELECT count(*) FROM audit') rows at schema 3: $secs s wall (migration 4 included), peak RSS $((kib / 1024)) MiB, now at schema $(sqlite3 "$V3" 'SELECT MAX(version) FROM schema_migrations')"
done
PATBOT_DB=$V3 "$PATBOT" audit verify | tail -1
rm -f "$V3" "$V3-wal" "$V3-shm"
