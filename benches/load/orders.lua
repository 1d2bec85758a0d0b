-- wrk script: POST /api/v1/orders with 3-line orders, a bearer token and a unique
-- Idempotency-Key per request. TOKEN and RETAILERS come from the environment.
local token = os.getenv("TOKEN")
local retailers = tonumber(os.getenv("RETAILERS") or "15")
local skus = { "RICE-1KG", "SUGAR-1KG", "DAL-MASOOR-1KG", "OIL-SOYA-1L", "SALT-AAYO-1KG" }
local counter = 0
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

function init(args)
  math.randomseed(os.time() + (id or 0))
end

function request()
  counter = counter + 1
  local r = (counter % retailers) + 1
  local a = (counter % #skus) + 1
  local b = ((counter + 1) % #skus) + 1
  local c = ((counter + 2) % #skus) + 1
  return order_request(r, token, counter, skus[a], skus[b], skus[c])
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors %d\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%s %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
