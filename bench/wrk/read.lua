-- make bench: GET one path over and over. BENCH_TOKEN, when set, is sent as
-- `Authorization: Token <key>`. Answers are counted by status in each thread and summed in
-- done(), which prints one BENCH_RESULT line of JSON for bench/run.py.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Token " .. token
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, non2xx, placed = 0, 0, 0
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  bench_report(threads, summary, latency)
end
