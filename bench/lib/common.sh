# shellcheck shell=bash
# Shared helpers for bench/*/run.sh: tools, build, fakes, patbot serve, signing, machine facts.
# Source it from the repository root: `cd "$(dirname "$0")/../.." && . bench/lib/common.sh`.
# Every process started here is killed by its own pid on exit; the work directory is removed
# unless KEEP_WORK=1.
BUILD_DIR=${BUILD_DIR:-build-release}
BENCH_SECRET=8f742231b10e8888abcd99yyyzzz85a5   # Slack's documented example secret; bench only
export BENCH_SECRET
bench_pids=()
bench_work=$(mktemp -d)
bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${KEEP_WORK:-}" ]; then echo "work directory kept: $bench_work" >&2; else rm -rf "$bench_work"; fi
}
trap bench_cleanup EXIT

# bench_need cmd:package ... — installs (apt) the packages whose command is missing.
bench_need() {
  local need=() c
  for c in "$@"; do command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}"); done
  [ ${#need[@]} -eq 0 ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
}

# bench_build target... — configures build-release if needed, then builds the targets, niced.
bench_build() {
  [ -f "$BUILD_DIR/build.ninja" ] || BUILD_DIR=$BUILD_DIR nice -n 10 scripts/setup.sh runtime >/dev/null
  nice -n 10 cmake --build "$BUILD_DIR" --target "$@" >/dev/null
}

bench_wait_file() { local _; for _ in $(seq 1 300); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "$1 never appeared" >&2; return 1; }
bench_wait_url() { local _; for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "$1 did not come up" >&2; return 1; }
bench_rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }

# bench_fake_gitlab NAME ARGS... — starts a fake GitLab; sets GL (its base URL) and GL_ADMIN
# (the admin token's value, for GITLAB_TOKEN; never printed).
bench_fake_gitlab() {
  local name=$1; shift
  "$BUILD_DIR/tests/fakes/fake_gitlab" --port 0 --port-file "$bench_work/$name.port" "$@" >"$bench_work/$name.log" 2>&1 &
  bench_pids+=("$!")
  bench_wait_file "$bench_work/$name.port"
  GL=http://127.0.0.1:$(cat "$bench_work/$name.port")
  GL_ADMIN=$(curl -s "$GL/_fake/state" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(next(t["value"] for t in s["tokens"] if any(u["id"]==t["user_id"] and u.get("admin") for u in s["users"])))')
}

# bench_fake_slack NAME [--bot-url URL] — starts a fake Slack; sets SL (its base URL).
bench_fake_slack() {
  local name=$1; shift
  FAKE_SLACK_SIGNING_SECRET=$BENCH_SECRET "$BUILD_DIR/tests/fakes/fake_slack" --port 0 --port-file "$bench_work/$name.port" "$@" \
    >"$bench_work/$name.log" 2>&1 &
  bench_pids+=("$!")
  bench_wait_file "$bench_work/$name.port"
  SL=http://127.0.0.1:$(cat "$bench_work/$name.port")
}

# bench_patbot_serve PORT DB [ENV=VALUE...] — starts `patbot serve` against $GL and $SL; sets
# PATBOT_PID and waits for /healthz.
bench_patbot_serve() {
  local port=$1 db=$2; shift 2
  env SLACK_SIGNING_SECRET=$BENCH_SECRET GITLAB_URL=$GL GITLAB_TOKEN=$GL_ADMIN SLACK_API_URL=$SL/api PATBOT_DB=$db \
    PATBOT_LISTEN=127.0.0.1:$port PATBOT_LOG_LEVEL=${PATBOT_LOG_LEVEL:-error} "$@" \
    "$BUILD_DIR/bot/patbot" serve >>"$bench_work/patbot.log" 2>&1 &
  PATBOT_PID=$!
  bench_pids+=("$PATBOT_PID")
  bench_wait_url "http://127.0.0.1:$port/healthz"
}

# Machine facts for the record.
bench_machine() {
  local commit=${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')}
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $commit"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -r); load:$(uptime | sed 's/.*load average://')"
}

# bench_wait_for SECONDS CMD... — runs CMD every 0.1 s until it succeeds; fails after SECONDS.
bench_wait_for() {
  local secs=$1 _; shift
  for _ in $(seq 1 $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# bench_peak_rss_kib PID — the process's peak RSS so far (VmHWM), in KiB.
bench_peak_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# bench_stop PID — kills one process started here and waits for it (it stays in bench_pids,
# where killing it again at exit is harmless).
bench_stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# bench_bolt_peer — copies the Bolt peer (BOLT_DIR, default ../shared/peers/bolt; read-only) into
# the work directory and installs its locked dependencies there (npm ci, from the npm registry);
# sets BOLT_WORK. node_modules never lands in the repository or in shared/.
bench_bolt_peer() {
  local src
  src=$(cd "${BOLT_DIR:-../shared/peers/bolt}" && pwd)
  BOLT_WORK=$bench_work/bolt
  cp -r "$src" "$BOLT_WORK"
  chmod -R u+w "$BOLT_WORK"
  (cd "$BOLT_WORK" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) || { echo "npm ci failed in the Bolt peer's copy" >&2; return 1; }
}

# bench_cpu_ms PID — CPU time (user + system, all threads) the process has used so far, in ms.
bench_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }
