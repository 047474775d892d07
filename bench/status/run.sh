#!/usr/bin/env bash
# bench/status: `/pat status` end to end over 3,000 service-account tokens (fake GitLab
# --generate 500,6, LATENCY ms per call), through `patbot serve`: a signed slash command sent by
# the fake Slack, timed until the final message of the answer reaches the fake Slack
# (bench/status/drive.py), against the lower bound GitLab calls x latency / GITLAB_CONCURRENCY.
# The inventory is fetched fresh: the expiry watcher's start-up scan is made to fail (the fake
# refuses patbot's token until the scan has failed), so /pat status cannot answer from the
# watcher's snapshot.
# Usage: bench/status/run.sh [latency-ms=20] [concurrency=8] [runs=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=bench/lib/common.sh
. bench/lib/common.sh
LAT=${1:-20}
CONC=${2:-8}
RUNS=${3:-3}
bench_need curl:curl python3:python3
bench_build patbot fake_gitlab fake_slack
bench_machine

bench_fake_gitlab gitlab --generate 500,6 --latency-ms "$LAT"
umask 077
curl -s "$GL/_fake/state" >"$bench_work/seed.json"   # token values: stays in the work directory
python3 bench/lib/refusing_seed.py "$bench_work/seed.json" "$bench_work/refusing.json"
fake_post() { curl -sf -o /dev/null -X POST "$GL$1" -H 'Content-Type: application/json' --data-binary @"$2"; }
echo "{\"latency_ms\": $LAT}" >"$bench_work/faults.json"
fake_post /_fake/reset "$bench_work/refusing.json"
fake_post /_fake/faults "$bench_work/faults.json"

PORT=${PORT:-18092}
bench_fake_slack slack --bot-url "http://127.0.0.1:$PORT"
PATBOT_LOG_LEVEL=warn bench_patbot_serve "$PORT" "$bench_work/patbot.db" GITLAB_CONCURRENCY="$CONC" \
  SLACK_BOT_TOKEN=xoxb-fake-0000-patbot   # the fake Slack's default bot token
for _ in $(seq 1 600); do grep -q "watcher: scan failed" "$bench_work/patbot.log" && break; sleep 0.1; done
grep -q "watcher: scan failed" "$bench_work/patbot.log" || { echo "the watcher's start-up scan did not fail" >&2; exit 1; }
fake_post /_fake/reset "$bench_work/seed.json"
fake_post /_fake/faults "$bench_work/faults.json"
echo "fake GitLab: $(python3 -c "import json;s=json.load(open('$bench_work/seed.json'));print(len(s['service_accounts']),'service accounts,',sum(1 for t in s['tokens'] if t['user_id'] in {a['id'] for a in s['service_accounts']}),'service-account tokens')"), ${LAT} ms per call; GITLAB_CONCURRENCY=$CONC"

echo "== /pat status"
python3 bench/status/drive.py "$SL" "$GL" "$bench_work/patbot.db" "$LAT" "$CONC" "$RUNS" status
echo "== /pat status --expiring 30"
python3 bench/status/drive.py "$SL" "$GL" "$bench_work/patbot.db" "$LAT" "$CONC" "$RUNS" status --expiring 30
echo "patbot RSS after: $(( $(bench_rss_kib "$PATBOT_PID") / 1024 )) MiB; load:$(uptime | sed 's/.*load average://')"
