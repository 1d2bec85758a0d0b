#!/usr/bin/env bash
# Load benchmark: order creation through the REST API with durable commits.
#   benches/load/orders.sh [SECONDS] [CONNECTIONS]
# Builds the release binary, starts it on a fresh data directory (demo data), lifts the demo
# retailers' credit limits and the staples' stock so the run measures throughput rather than
# refusals, drives 3-line orders with wrk (pinned to CPU 1) and finally runs `khaacho check`.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
conns=${2:-64}
command -v wrk >/dev/null || { echo "install wrk (apt-get install -y wrk)"; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/khaacho
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
KHAACHO_LOG=warn KHAACHO_LOG_FILE=false ${SERVER_PIN:-} "$bin" --data-dir "$dir" serve --listen "127.0.0.1:$port" > "$dir/out.txt" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
pw=$(awk '/password:/ {print $2}' "$dir/out.txt")
api="http://127.0.0.1:$port/api/v1"
token=$(curl -sf "$api/auth/login" -H 'content-type: application/json' \
  -d "{\"phone\":\"+9779800000000\",\"password\":\"$pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth=(-H "authorization: Bearer $token" -H 'content-type: application/json')
# The printed first password must be changed before anything else.
curl -sf -X POST "$api/auth/password" "${auth[@]}" -d "{\"current_password\":\"$pw\",\"new_password\":\"$pw-load-test\"}" >/dev/null
for r in $(seq 1 15); do
  curl -sf -X PATCH "$api/retailers/$r" "${auth[@]}" -d '{"credit_limit_paisa": 10000000000000, "reason": "load test"}' >/dev/null
done
for sku in RICE-1KG SUGAR-1KG DAL-MASOOR-1KG OIL-SOYA-1L SALT-AAYO-1KG; do
  pid_=$(curl -sf "$api/products?q=$sku&limit=1" "${auth[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  for l in $(curl -sf "$api/listings?product_id=$pid_" "${auth[@]}" | python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(sys.stdin)["items"]))'); do
    curl -sf -X PATCH "$api/listings/$l" "${auth[@]}" -d '{"stock": 100000000}' >/dev/null
  done
done
if [ -n "${PROFILE:-}" ]; then
  perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$pid" -o "$PROFILE" -- sleep "$secs" >/dev/null 2>&1 &
fi
echo "== wrk: $conns connections, $secs s, 3-line orders"
TOKEN=$token RETAILERS=15 ${WRK_PIN:-taskset -c 1} wrk -t"${WRK_THREADS:-1}" -c"$conns" -d"${secs}s" --latency -s benches/load/orders.lua "http://127.0.0.1:$port"
orders=$(curl -sf "$api/orders?limit=1" "${auth[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
echo "orders in the database: $orders"
curl -sf "http://127.0.0.1:$port/metrics" | python3 benches/load/writer_stats.py

"$bin" --data-dir "$dir" check | python3 -c 'import json,sys; r=json.load(sys.stdin); print("check ok:", r["ok"], r["problems"][:3])'
