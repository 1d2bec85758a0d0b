#!/usr/bin/env bash
# Regenerates every evaluation set from ../shared/data and runs match-eval on each.
# usage: benches/eval/run_all.sh [EVAL_COMMAND]
#   EVAL_COMMAND defaults to target/release/match_eval (build it with
#   `nice -n 10 cargo build --release --bin match_eval`); in the main repository pass
#   "target/release/khaacho match-eval".
set -euo pipefail
cd "$(dirname "$0")/../.."
EVAL=${1:-target/release/match_eval}
OUT=benches/eval/out
mkdir -p "$OUT"
python3 benches/eval/convert.py --out "$OUT"
python3 benches/eval/gen_short.py --seed 1 --n 2000 > "$OUT/short_dev.tsv"
python3 benches/eval/gen_short.py --seed 2 --n 2000 > "$OUT/short_test.tsv"
python3 benches/eval/gen_short.py --seed 3 --n 2000 --min-slip-len 1 > "$OUT/short_anyslip.tsv"
python3 benches/eval/gen_fullslip.py --seed 5 --n 2000 > "$OUT/fullslip.tsv"
python3 benches/eval/gen_nepali.py --out "$OUT"
for set in full_names full_names_equiv full_names_test short_dev short_test short_anyslip fullslip; do
  printf '%-18s ' "$set"
  $EVAL --catalog "$OUT/catalog_sa.csv" --queries "$OUT/$set.tsv"
done
printf '%-18s ' nepali
$EVAL --catalog "$OUT/nepali_catalog.csv" --queries "$OUT/nepali_queries.tsv"
