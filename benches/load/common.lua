-- Shared by the wrk order scripts (each loads it with dofile): every thread's id, the 3-line
-- order request with its own Idempotency-Key, and the first error body of each status printed.
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

-- POST /api/v1/orders for `retailer` with `token`: a, b and c in quantities 1, 2 and 1.
function order_request(retailer, token, counter, a, b, c)
  local body = string.format(
    '{"retailer_id":%d,"lines":[{"sku":"%s","quantity":1},{"sku":"%s","quantity":2},{"sku":"%s","quantity":1}]}',
    retailer, a, b, c)
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
