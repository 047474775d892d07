-- wrk script for the soak: each thread sends the requests of its own file (SOAK_REQS.<thread>,
-- written by gen_chunk.py) in order, paced to SOAK_RATE requests/s over all threads (an open
-- schedule: each request has a slot 1/rate apart; a late one goes at once, at most 100 ms of
-- backlog is caught up). SOAK_EXPECT says what every answer must be: "valid" — a 200 ack with
-- blocks that is not patbot's busy or audit-failure reply; "invalid" — a 401. Prints one RESULT
-- line with what was sent and what came back.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
  int clock_gettime(int clk, soak_timespec *tp);
]]
local tsbuf = ffi.new("soak_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, tsbuf)   -- CLOCK_MONOTONIC
  return tonumber(tsbuf.tv_sec) * 1000 + tonumber(tsbuf.tv_nsec) / 1e6
end

local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs = {}
local nthreads = tonumber(os.getenv("SOAK_THREADS"))
local interval                            -- ms between this thread's requests
function init(args)
  interval = 1000 * nthreads / tonumber(os.getenv("SOAK_RATE"))
  local path = os.getenv("SOAK_REQS") .. "." .. tid
  for line in io.lines(path) do
    local _, ts, sig, body = line:match("^(%w+)\t(%d+)\t([^\t]+)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("POST", nil, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Slack-Request-Timestamp"] = ts,
      ["X-Slack-Signature"] = sig,
    }, body)
  end
end

local next_slot = nil
function delay()
  local now = now_ms()
  if next_slot == nil or next_slot < now - 100 then next_slot = now end
  local d = next_slot - now
  next_slot = next_slot + interval
  if d < 0 then return 0 end
  return math.floor(d)
end

local i = 0
sent, wrapped = 0, 0
function request()
  i = i + 1
  if i > #reqs then i = 1; wrapped = wrapped + 1 end   -- only if the chunk ran long
  sent = sent + 1
  return reqs[i]
end

local want_valid = os.getenv("SOAK_EXPECT") == "valid"
expected, unexpected, s200, s401, other = 0, 0, 0, 0, 0
function response(status, headers, body)
  local good
  if status == 200 then
    s200 = s200 + 1
    good = want_valid and string.find(body, "blocks", 1, true) ~= nil
        and not string.find(body, "cannot write its audit trail", 1, true)
        and not string.find(body, "patbot is busy", 1, true)
  elseif status == 401 then
    s401 = s401 + 1
    good = not want_valid
  else
    other = other + 1
    good = false
  end
  if good then expected = expected + 1 else unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local t = { sent = 0, expected = 0, unexpected = 0, s200 = 0, s401 = 0, other = 0, wrapped = 0 }
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT stream=%s requests=%d seconds=%.1f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f sent=%d " ..
    "expected=%d unexpected=%d s200=%d s401=%d other=%d connect=%d read=%d write=%d timeout=%d wrapped=%d\n",
    os.getenv("SOAK_EXPECT"), summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    t.sent, t.expected, t.unexpected, t.s200, t.s401, t.other, e.connect, e.read, e.write, e.timeout, t.wrapped))
end
