-- Shared by the wrk order scripts (each loads it with dofile): every thread's id, the 3-line
-- order request with its own Idempotency-Key, and (with SHOW_ERRORS=1) the first error body of
-- each status printed.
--
-- The client shares the two cores with the server, so it is kept light: each request is one
-- string.format of the raw HTTP request (what wrk.format would build from a table of headers,
-- in five formats and a concat), and wrk parses answers into Lua only when SHOW_ERRORS asks for
-- the bodies. Errors are counted either way (wrk's summary counts every status of 400 and up).
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

local template = "POST /api/v1/orders HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
  .. "Authorization: Bearer %s\r\nIdempotency-Key: wrk-%d-%d-%d\r\nContent-Length: %d\r\n\r\n%s"
local body_template =
  '{"retailer_id":%d,"lines":[{"sku":"%s","quantity":1},{"sku":"%s","quantity":2},{"sku":"%s","quantity":1}]}'

-- POST /api/v1/orders for `retailer` with `token`: a, b and c in quantities 1, 2 and 1.
function order_request(retailer, token, counter, a, b, c)
  local body = string.format(body_template, retailer, a, b, c)
  return string.format(template, wrk.headers["Host"], token, id or 0, counter,
    math.random(1, 1000000000), #body, body)
end

if os.getenv("SHOW_ERRORS") then
  local statuses = {}
  function response(status, headers, body)
    if status >= 400 and (statuses[status] or 0) < 1 then io.write(status .. " " .. body .. "\n") end
    statuses[status] = (statuses[status] or 0) + 1
  end
end
