-- wrk script for bench/run.py: cycles through prepared requests (each with its own method,
-- path, cookie and body) read from a Lua data file given after `--`, counts the responses by
-- status, and prints one line "BENCH_JSON {...}" with the figures when the run is done.
--
--   wrk -t1 -c32 -d10s -s bench/wrk/rotate.lua http://127.0.0.1:8000 -- requests.lua

local prepared = {}
local next_index = 0
statuses = {}  -- global, so done() can copy it out of each thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local data = dofile(args[1])
  for i, r in ipairs(data) do
    prepared[i] = wrk.format(r.method, r.path, r.headers, r.body)
  end
  -- Threads start at different places so they do not send the same request together.
  next_index = (tonumber(args[2] or "0") or 0) % #prepared
end

function request()
  next_index = next_index % #prepared + 1
  return prepared[next_index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(items)
  local parts = {}
  for key, value in pairs(items) do
    table.insert(parts, string.format('"%s":%s', tostring(key), tostring(value)))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local counted = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      counted[status] = (counted[status] or 0) + count
    end
  end
  local percentiles = {
    mean = string.format("%.1f", latency.mean), max = latency.max,
    p50 = latency:percentile(50), p90 = latency:percentile(90),
    p95 = latency:percentile(95), p99 = latency:percentile(99),
  }
  io.write("BENCH_JSON " .. json_object({
    requests = summary.requests, duration_us = summary.duration, bytes = summary.bytes,
    errors = json_object(summary.errors), latency_us = json_object(percentiles),
    statuses = json_object(counted),
  }) .. "\n")
end
