-- Counts answers by status class across wrk's threads and prints the figures the report needs.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, limited, server_errors, other = 0, 0, 0, 0
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 429 then
    limited = limited + 1
  elseif status >= 500 then
    server_errors = server_errors + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("ok")
    b = b + t:get("limited")
    c = c + t:get("server_errors")
    d = d + t:get("other")
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.1f rps=%.1f\n", summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("RESULT status_2xx=%d status_429=%d status_5xx=%d status_other=%d\n", a, b, c, d))
  io.write(string.format("RESULT latency_p50_ms=%.1f latency_p90_ms=%.1f latency_p99_ms=%.1f latency_max_ms=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("RESULT socket_errors connect=%d read=%d write=%d timeout=%d\n", e.connect, e.read, e.write, e.timeout))
end
