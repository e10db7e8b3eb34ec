-- make bench: the write mix. Each thread has one connection and its own customer, and cycles
-- through three POST /api/cart/menu-items (three different dishes) and one POST /api/orders.
-- BENCH_TOKENS_FILE holds one customer token per line, BENCH_ITEMS the dish ids to add. The
-- 201 answers to POST /api/orders are counted as orders placed.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do
  table.insert(tokens, line)
end
local items = {}
for id in string.gmatch(os.getenv("BENCH_ITEMS"), "%d+") do
  table.insert(items, id)
end

local started = 0

function setup(thread)
  started = started + 1
  if started > #tokens then
    error("write_mix.lua: more threads than customer tokens in BENCH_TOKENS_FILE")
  end
  thread:set("id", started)
  thread:set("token", tokens[started])
  table.insert(threads, thread)
end

function init(args)
  ok, non2xx, placed, step, pending = 0, 0, 0, 0, nil
  auth_headers = { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" }
end

function request()
  step = step + 1
  if step % 4 == 0 then
    pending = "order"
    return wrk.format("POST", "/api/orders", auth_headers, "")
  end
  pending = "cart"
  -- Consecutive steps take consecutive dishes, so the three lines of an order differ.
  local item = items[(id * 101 + step) % #items + 1]
  return wrk.format(
    "POST", "/api/cart/menu-items", auth_headers, '{"menuitem_id": ' .. item .. ', "quantity": 1}')
end

function response(status, headers, body)
  count(status)
  if pending == "order" and status == 201 then
    placed = placed + 1
  end
end
