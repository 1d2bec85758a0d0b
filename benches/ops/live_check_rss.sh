#!/usr/bin/env bash
# The server's memory while `khaacho check` runs through it.
#   benches/ops/live_check_rss.sh BIN DATA_DIR
# Serves a copy of DATA_DIR (e.g. one holding 1 M orders from `khaacho simulate`) with BIN,
# waits 30 s for its start-up work, runs `BIN check` (which goes through the running server),
# samples the server's RSS every 0.5 s meanwhile, and prints RSS before, the peak and how long
# the check took.
set -u
bin=$(realpath "$1")
work=$(mktemp -d)
dir=$work/state
port=$((20000 + RANDOM % 20000))
cp -r "$2" "$dir"
"$bin" --data-dir "$dir" serve --listen "127.0.0.1:$port" > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $sampler $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
sleep 30
before=$(ps -o rss= -p $pid)
echo "$before" > "$work/peak"
(
  peak=$before
  while kill -0 $pid 2>/dev/null; do
    r=$(ps -o rss= -p $pid)
    if [ "${r:-0}" -gt "$peak" ]; then peak=$r; echo "$peak" > "$work/peak"; fi
    sleep 0.5
  done
) &
sampler=$!
start=$(date +%s)
"$bin" --data-dir "$dir" check | python3 -c 'import json,sys; r=json.load(sys.stdin); print("check ok:", r["ok"], r["problems"][:2])'
took=$(( $(date +%s) - start ))
sleep 1
echo "RSS before $((before / 1024)) MiB, peak during check $(( $(cat "$work/peak") / 1024 )) MiB, check took $took s"
