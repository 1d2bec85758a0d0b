#!/usr/bin/env bash
# The API document tells the truth: schemathesis (pip) against the release binary on a fresh
# data directory, every operation, every check, with an admin token (logout and the password
# change are excluded: they would end the run's own session).
#   benches/api/schemathesis.sh [MAX_EXAMPLES]
# Exit status is schemathesis's: 0 when no check failed and no server error was seen.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${1:-50}
command -v schemathesis >/dev/null || pip install -q schemathesis
[ -x target/release/khaacho ] || cargo build --release --quiet
bin=$PWD/target/release/khaacho
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; cp "$dir/out.txt" "${SERVER_LOG:-/tmp/schemathesis-server.log}" 2>/dev/null; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
KHAACHO_LOG=warn,khaacho=warn KHAACHO_LOG_FILE=false KHAACHO_REQUESTS_PER_MINUTE_PER_TOKEN=0 \
  "$bin" --data-dir "$dir" serve --listen "127.0.0.1:$port" > "$dir/out.txt" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
pw=$(awk '/password:/ {print $2}' "$dir/out.txt")
api="http://127.0.0.1:$port/api/v1"
token=$(curl -sf "$api/auth/login" -H 'content-type: application/json' \
  -d "{\"phone\":\"+9779800000000\",\"password\":\"$pw\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -sf -X POST "$api/auth/password" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d "{\"current_password\":\"$pw\",\"new_password\":\"$pw-schemathesis\"}" >/dev/null
schemathesis run "$api/openapi.json" \
  --checks all \
  --max-examples "$examples" \
  --header "Authorization: Bearer $token" \
  --exclude-path /api/v1/auth/logout \
  --exclude-path /api/v1/auth/password \
  --seed 1 \
  --no-color \
  "${@:2}"
