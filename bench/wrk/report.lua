-- make bench: shared by read.lua and write_mix.lua. Each thread counts its answers (ok,
-- non2xx, and for the write mix placed); done() sums them with wrk's summary and prints one
-- BENCH_RESULT line of JSON for bench/run.py. Scripts that need more set-up or counting
-- define their own setup() or response() and call these.
threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, non2xx, placed = 0, 0, 0
end

function count(status)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    non2xx = non2xx + 1
  end
end

function response(status, headers, body)
  count(status)
end

function done(summary, latency, requests)
  local ok, non2xx, placed = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok")
    non2xx = non2xx + thread:get("non2xx")
    placed = placed + thread:get("placed")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"ok": %d, "non2xx": %d, "orders_placed": %d, "socket_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    ok, non2xx, placed, e.connect + e.read + e.write, e.timeout))
end
