-- wrk script: POST /api/v1/orders, 3-line orders from many retailers over many products.
-- Each shop orders for itself with its own token. FIRST_RETAILER, TOKENS (a file, shop i's token
-- on line i) and SKUS (a file, one SKU per line) come from the environment. Each request gets
-- its own Idempotency-Key.
local first = tonumber(os.getenv("FIRST_RETAILER") or "1")
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local retailers = #tokens
local skus = {}
for line in io.lines(os.getenv("SKUS")) do
  if #line > 0 then skus[#skus + 1] = line end
end
local counter = 0
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end

-- Three different products.
local function three()
  local a = math.random(#skus)
  local b = a
  while b == a do b = math.random(#skus) end
  local c = a
  while c == a or c == b do c = math.random(#skus) end
  return skus[a], skus[b], skus[c]
end

function request()
  counter = counter + 1
  local i = math.random(retailers)
  local r = first + i - 1
  local a, b, c = three()
  return order_request(r, tokens[i], counter, a, b, c)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  -- Only answered orders count: rps is 2xx answers per second.
  io.write(string.format("RESULT requests=%d errors=%d seconds=%.2f rps=%.1f p50=%.2f p99=%.2f\n",
    summary.requests, errors, summary.duration / 1e6, (summary.requests - errors) / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
