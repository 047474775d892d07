-- wrk script: POSTs one pre-signed slash command (BENCH_BODY_FILE, BENCH_TS, BENCH_SIG; the
-- signature stays valid for Slack's 300 s window) and prints one RESULT line: requests/s,
-- latency percentiles and every answer that was not a 200 whose body contains BENCH_EXPECT.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Slack-Request-Timestamp"] = os.getenv("BENCH_TS")
wrk.headers["X-Slack-Signature"] = os.getenv("BENCH_SIG")

local threads = {}
function setup(thread) table.insert(threads, thread) end

local expect = os.getenv("BENCH_EXPECT") or ""
bad = 0
function response(status, headers, body)
  if status ~= 200 or (expect ~= "" and not string.find(body, expect, 1, true)) then bad = bad + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("bad") end
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d unexpected=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, bad,
    e.connect + e.read + e.write + e.timeout))
end
