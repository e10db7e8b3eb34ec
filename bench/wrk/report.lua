-- make bench: shared by read.lua and write_mix.lua. Prints one BENCH_RESULT line of JSON
-- for bench/run.py from wrk's summary and the counters each thread keeps (ok, non2xx, placed).
function bench_report(threads, summary, latency)
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
