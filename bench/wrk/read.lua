-- make bench: GET one path over and over. BENCH_TOKEN, when set, is sent as
-- `Authorization: Token <key>`. Counting and the report come from report.lua.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Token " .. token
end
