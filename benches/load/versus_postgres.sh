#!/usr/bin/env bash
# Order throughput side by side with PostgreSQL, in one run on one box.
#   benches/load/versus_postgres.sh [SECONDS] [CONNECTIONS] [DATA_DIR_TO_COPY]
#
# Khaacho: the release binary with its default configuration (logs as a user gets them:
# console and daily JSON files), on a fresh data directory with the demo data, or on a copy of
# DATA_DIR_TO_COPY (e.g. one holding 1 M simulated orders). 300 new shops with room on credit
# and a login of its own, and every listing stocked; wrk drives 3-line orders from those shops over every stocked
# product at CONNECTIONS connections. Then `khaacho check`.
# PostgreSQL: ../shared/peers/postgresql/run.sh with the same client count and duration.
# Prints both figures and the ratio. Needs wrk and Debian's postgresql.
# PROFILE=FILE records a perf profile of the server during the load; SKIP_PEER=1 skips PostgreSQL;
# BIN=PATH runs that binary instead of building (to compare two builds in one session);
# SETTLE=SECS waits that long before the load (a big copied database catches its analytics up
# at start-up); KEEP_LOG=FILE keeps the server's console log; KEEP_DATA=DIR keeps a copy of the
# data directory as the load left it (to read with `khaacho sizes --file`); WRK_THREADS=N runs
# wrk with N threads (2 unless set); SHOW_ERRORS=1 prints the first error body of each status
# (wrk then parses every answer into Lua, which costs the shared cores about 4 µs a request).
# ROUNDS=N runs the whole comparison N times (Khaacho, then PostgreSQL, then Khaacho again…) and
# ends with each round's figures and the median ratio: on this 2-core box the ratio moves by
# about ±15 % from one round to the next with the host's state (BENCHMARKS.md, thirteenth pass).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${ROUNDS:-1}" -gt 1 ]; then
  [ -z "${BIN:-}" ] && cargo build --release --quiet && export BIN=$PWD/target/release/khaacho
  summary=$(mktemp); round_out=$(mktemp)
  for round in $(seq "$ROUNDS"); do
    echo "== round $round of $ROUNDS"
    # Each round's output is printed once it ends (a `tee` to /dev/fd would reopen a file that
    # stdout is redirected to, and truncate it).
    ROUNDS=1 "$0" "$@" > "$round_out"
    cat "$round_out"
    grep -E '^Khaacho [0-9,]+ orders/s' "$round_out" >> "$summary"
  done
  echo "== every round"
  cat "$summary"
  python3 - "$summary" <<'PY'
import re, statistics, sys
rows = [re.findall(r"[0-9][0-9,.]*", line) for line in open(sys.argv[1])]
ratios = [float(r[2]) for r in rows]
ours = [float(r[0].replace(",", "")) for r in rows]
peer = [float(r[1].replace(",", "")) for r in rows]
print(f"median of {len(rows)} rounds: Khaacho {statistics.median(ours):,.0f} orders/s, "
      f"PostgreSQL {statistics.median(peer):,.0f} orders/s, ratio {statistics.median(ratios):.2f}x")
PY
  rm -f "$summary" "$round_out"
  exit 0
fi
secs=${1:-30}
conns=${2:-64}
seed_dir=${3:-}
command -v wrk >/dev/null || { echo "install wrk (apt-get install -y wrk)"; exit 1; }
if [ -n "${BIN:-}" ]; then bin=$(realpath "$BIN"); else
  cargo build --release --quiet
  bin=$PWD/target/release/khaacho
fi
work=$(mktemp -d)
dir=$work/state
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; [ -n "${KEEP_LOG:-}" ] && cp "$work/server.log" "$KEEP_LOG"; rm -rf "$work"' EXIT
if [ -n "$seed_dir" ]; then cp -r "$seed_dir" "$dir"; fi
phone="+97798$(printf '%08d' $((RANDOM * 1000 + RANDOM % 1000)))"
password="versus postgres $RANDOM$RANDOM"
echo "$password" | "$bin" --data-dir "$dir" create-user --role admin --phone "$phone" --name "Load test" >/dev/null
port=$((20000 + RANDOM % 20000))
"$bin" --data-dir "$dir" serve --listen "127.0.0.1:$port" > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
api="http://127.0.0.1:$port/api/v1"
token=$(curl -sf "$api/auth/login" -H 'content-type: application/json' \
  -d "{\"phone\":\"$phone\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
KHAACHO_BIN=$bin KHAACHO_DATA_DIR=$dir python3 benches/load/prepare.py "$api" "$token" 300 "$work/skus.txt" "$work/tokens.txt" > "$work/first"
first=$(cat "$work/first")
echo "== Khaacho: wrk $conns connections, $secs s, 3-line orders from 300 shops over $(wc -l < "$work/skus.txt") products"
if [ -n "${SETTLE:-}" ]; then
  echo "(letting the server's start-up work finish: ${SETTLE} s)"; sleep "$SETTLE"
fi
# The whole box's busy and stolen time (the hypervisor's share) during the load.
box_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
read -r busy_before steal_before all_before < <(box_ticks)
rss_before=$(ps -o rss= -p "$pid")
written_before=$(awk '/^write_bytes/ {print $2}' "/proc/$pid/io")
# What reached the device holding the data directory (the whole box's writes to it: the peer
# is not running yet). The server's write_bytes counts pages as they are dirtied, and the
# kernel's large pages can make that more than the device is sent.
device=$(basename "$(df --output=source "$dir" | tail -1)")
sectors() { awk -v d="$device" '$3 == d {print $10}' /proc/diskstats; }
sectors_before=$(sectors)
writer_io=$(grep -l '^khaacho-writer$' /proc/"$pid"/task/*/comm | sed 's/comm$/io/')
passed_before=$(awk '/^wchar/ {print $2}' "$writer_io")
# CPU time in clock ticks (utime + stime): the whole server, and its writer thread.
ticks() { awk '{print $14 + $15}' "$1"; }
writer_stat=${writer_io%io}stat
cpu_before=$(ticks "/proc/$pid/stat"); writer_cpu_before=$(ticks "$writer_stat")
if [ -n "${PROFILE:-}" ]; then
  perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$pid" -o "$PROFILE" -- sleep "$secs" >/dev/null 2>&1 &
fi
# The load generator shares the two cores with the server: its CPU time is printed too.
TIMEFORMAT='%U %S'
{ time (TOKENS=$work/tokens.txt FIRST_RETAILER=$first SKUS=$work/skus.txt \
  wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${secs}s" --latency -s benches/load/orders_many.lua "http://127.0.0.1:$port" | tee "$work/wrk.txt" | grep -E "RESULT|Non-2xx|^[0-9]{3} " || true) ; } 2> "$work/wrk_cpu"
rss_after=$(ps -o rss= -p "$pid")
read -r busy_after steal_after all_after < <(box_ticks)
all_ticks=$(( all_after - all_before > 0 ? all_after - all_before : 1 ))
echo "the box during the load: $(( 100 * (busy_after - busy_before) / all_ticks )) % busy, $(( 100 * (steal_after - steal_before) / all_ticks )) % stolen by the host"
written=$(( $(awk '/^write_bytes/ {print $2}' "/proc/$pid/io") - written_before ))
device_bytes=$(( ($(sectors) - ${sectors_before:-0}) * 512 ))  # printed only when the device was found
answered=$(awk '/^RESULT/ {for (i = 2; i <= NF; i++) if ($i ~ /^requests=/) {sub("requests=", "", $i); print $i}}' "$work/wrk.txt")
# What each per-request figure divides by (1 when nothing was answered).
per=$((answered > 0 ? answered : 1))
awk -v n="$per" '{printf "load generator (wrk) CPU per answered request: %.0f us\n", ($1 + $2) * 1e6 / n}' "$work/wrk_cpu"
echo "written to disk during the load: $((written / 1048576)) MiB, $((written / per)) bytes per answered request"
if [ -n "$sectors_before" ]; then
  echo "sent to the device ($device) during the load: $((device_bytes / 1048576)) MiB, $((device_bytes / per)) bytes per answered request"
fi
passed=$(( $(awk '/^wchar/ {print $2}' "$writer_io") - passed_before ))
hz=$(getconf CLK_TCK)
cpu_us=$(( ($(ticks "/proc/$pid/stat") - cpu_before) * 1000000 / hz / per ))
writer_us=$(( ($(ticks "$writer_stat") - writer_cpu_before) * 1000000 / hz / per ))
echo "server CPU per answered request: $cpu_us us ($writer_us us in the writer thread, $((cpu_us - writer_us)) us in the others)"
echo "the writer thread's write calls during the load: $((passed / 1048576)) MiB, $((passed / per)) bytes per answered request"
curl -sf "http://127.0.0.1:$port/metrics" | python3 benches/load/writer_stats.py
echo "server RSS: $((rss_before / 1024)) MiB before, $((rss_after / 1024)) MiB after"
echo "database file on disk after the load: $(du -B1M "$dir/khaacho.redb" | cut -f1) MiB"
"$bin" --data-dir "$dir" check | python3 -c 'import json,sys; r=json.load(sys.stdin); print("khaacho check ok:", r["ok"], r["problems"][:3])'
echo "database file on disk after the check: $(du -B1M "$dir/khaacho.redb" | cut -f1) MiB"
"$bin" --data-dir "$dir" sizes | python3 benches/load/sizes_report.py
ours=$(awk '/^RESULT/ {for (i = 2; i <= NF; i++) if ($i ~ /^rps=/) {sub("rps=", "", $i); print $i}}' "$work/wrk.txt")
kill $pid; wait $pid 2>/dev/null || true
[ -n "${KEEP_DATA:-}" ] && cp -r --sparse=always "$dir" "$KEEP_DATA"

[ -n "${SKIP_PEER:-}" ] && exit 0
echo "== PostgreSQL: the same order transaction, $conns clients, $secs s"
# Printed through this script's own stderr: `tee /dev/stderr` would reopen it and, when the
# output goes to a file, truncate everything printed above.
# The peer listens on port 55432, which is also in the range the kernel hands wrk's
# connections: one of them left in TIME_WAIT there keeps PostgreSQL from starting. Such a
# socket is gone within a minute, so a peer that could not start is tried once more after one.
peer_out=$(bash ../shared/peers/postgresql/run.sh "$conns" "$secs") || {
  printf '%s\n' "$peer_out" >&2
  echo "the PostgreSQL peer failed; trying again in 60 s" >&2
  sleep 60
  peer_out=$(bash ../shared/peers/postgresql/run.sh "$conns" "$secs") || {
    printf '%s\n' "$peer_out" >&2
    echo "the PostgreSQL peer failed" >&2
    exit 1
  }
}
printf '%s\n' "$peer_out" >&2
peer=$(echo "$peer_out" | awk '/^tps/ {print $3}')
python3 -c "import sys; k, p = float('$ours'), float('$peer'); print(f'Khaacho {k:,.0f} orders/s, PostgreSQL {p:,.0f} orders/s: {k / p:.2f}x')"
