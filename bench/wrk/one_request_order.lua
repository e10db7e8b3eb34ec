-- make bench: the one-request order. Each thread has one connection and its own customer, and
-- sends POST /api/orders with three lines in `items` (a kiosk, an app or a till ordering in
-- one request): the dish with options, with one choice picked, and two other counted dishes.
-- BENCH_TOKENS_FILE holds one customer token per line, BENCH_ITEMS the counted dish ids and
-- BENCH_OPTION "<dish id>:<choice id>". Every 201 is an order placed.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do
  table.insert(tokens, line)
end
local items = {}
local option_dish, option_choice = string.match(os.getenv("BENCH_OPTION"), "(%d+):(%d+)")
for id in string.gmatch(os.getenv("BENCH_ITEMS"), "%d+") do
  if id ~= option_dish then
    table.insert(items, id)
  end
end

local started = 0

function setup(thread)
  started = started + 1
  if started > #tokens then
    error("one_request_order.lua: more threads than customer tokens in BENCH_TOKENS_FILE")
  end
  thread:set("id", started)
  thread:set("token", tokens[started])
  table.insert(threads, thread)
end

function init(args)
  ok, non2xx, placed, step = 0, 0, 0, 0
  auth_headers = { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" }
end

function request()
  step = step + 1
  -- Consecutive orders take consecutive pairs of dishes, so the three lines differ.
  local first = items[(id * 101 + 2 * step) % #items + 1]
  local second = items[(id * 101 + 2 * step + 1) % #items + 1]
  local body = '{"items": ['
    .. '{"menuitem_id": ' .. option_dish .. ', "quantity": 1, "choices": [' .. option_choice .. ']}, '
    .. '{"menuitem_id": ' .. first .. ', "quantity": 1}, '
    .. '{"menuitem_id": ' .. second .. ', "quantity": 2}]}'
  return wrk.format("POST", "/api/orders", auth_headers, body)
end

function response(status, headers, body)
  count(status)
  if status == 201 then
    placed = placed + 1
  end
end
