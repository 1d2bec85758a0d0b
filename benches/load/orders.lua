-- wrk script: POST /api/v1/orders with 3-line orders, a bearer token and a unique
-- Idempotency-Key per request. TOKEN and RETAILERS come from the environment.
local token = os.getenv("TOKEN")
local retailers = tonumber(os.getenv("RETAILERS") or "15")
local skus = { "RICE-1KG", "SUGAR-1KG", "DAL-MASOOR-1KG", "OIL-SOYA-1L", "SALT-AAYO-1KG" }
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + (id or 0))
end

function request()
  counter = counter + 1
  local r = (counter % retailers) + 1
  local a = (counter % #skus) + 1
  local b = ((counter + 1) % #skus) + 1
  local c = ((counter + 2) % #skus) + 1
  local body = string.format(
    '{"retailer_id":%d,"lines":[{"sku":"%s","quantity":1},{"sku":"%s","quantity":2},{"sku":"%s","quantity":1}]}',
    r, skus[a], skus[b], skus[c])
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("wrk-%d-%d-%d", id or 0, counter, math.random(1, 1000000000)),
  }
  return wrk.format("POST", "/api/v1/orders", headers, body)
end

local statuses = {}
function response(status, headers, body)
  if status >= 400 and (statuses[status] or 0) < 1 then io.write(status .. " " .. body .. "\n") end
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors %d\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%s %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
