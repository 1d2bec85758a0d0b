#!/usr/bin/env python3
"""Convert the measurement data in ../shared/data to the catalog import format and the
match-eval query format.

Writes (default out dir: benches/eval/out, git-ignored):
  catalog_sa.csv        sku,name,brand,category,pack_size,unit,aliases  (17,386 rows)
  full_names.tsv        query<TAB>expected_sku   (the 5,000 real-misspelling queries)
  full_names_equiv.tsv  same queries; expected lists every SKU that no text can tell from
                        the gold one (separated by '|'): an identical display name, or the
                        same words (brand included, any order) and the same pack size.
  full_names_dev.tsv / full_names_test.tsv   a fixed 50/50 split of full_names_equiv.tsv:
                        tune on dev, report test, so thresholds are not fitted to the test.

The SKU of catalog row `id` is `SA-<id>`.
"""
import argparse
import csv
import os
import random
import re

DATA = os.environ.get("KHAACHO_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data"))

UNIT_MAP = {
    "gm": "g", "g": "g", "gms": "g", "kg": "kg", "ml": "ml", "l": "l", "litre": "l",
    "u": "pcs", "unit": "pcs", "pcs": "pcs", "pc": "pcs", "bags": "pcs", "bag": "pcs",
    "tablets": "pcs", "wipes": "pcs", "sachets": "pcs", "pellets": "pcs",
}


def parse_pack(pack: str):
    """'500 gm' -> ('500', 'g'); '2x200 gm' -> ('400', 'g'); anything else -> ('', '')."""
    s = pack.strip().lower()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)\s*([a-z]+)", s)
    if m and m.group(3) in UNIT_MAP:
        total = float(m.group(1)) * float(m.group(2))
        return (fmt(total), UNIT_MAP[m.group(3)])
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]+)", s)
    if m and m.group(2) in UNIT_MAP:
        return (m.group(1), UNIT_MAP[m.group(2)])
    return ("", "")


def fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def key(name: str) -> str:
    return " ".join(name.lower().split())


def words_key(brand, name, size, unit):
    """Same words (brand folded into the name, any order and punctuation) and same pack size:
    two listings of one product that no text can tell apart."""
    toks = re.findall(r"[a-z0-9]+", f"{brand} {name}".lower().replace("'", ""))
    grams = {"kg": 1000, "l": 1000}.get(unit, 1)
    norm = fmt(float(size) * grams) + {"kg": "g", "l": "ml"}.get(unit, unit) if size else ""
    return (tuple(sorted(set(toks))), norm)


def by_words_of(sku, by_words, rows_by_sku):
    r = rows_by_sku[sku]
    return by_words.get(words_key(r["brand"], r["name"], r["pack_size"], r["unit"]), [])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = list(csv.DictReader(open(f"{DATA}/catalog/products_south_asia.csv", newline="")))
    by_display = {}
    by_words = {}
    sku_words = {}
    with open(f"{args.out}/catalog_sa.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "brand", "category", "pack_size", "unit", "aliases"])
        for r in rows:
            size, unit = parse_pack(r["pack_size"]) if r["pack_size"] else ("", "")
            if not size and r["weight_g"]:
                size, unit = fmt(float(r["weight_g"])), "g"
            sku = f"SA-{r['id']}"
            name = r["product_name"].strip() or r["display_name"]  # one row has no name
            if r["pack_size"] and not size:
                name = f"{name} {r['pack_size']}"  # "Size 7", "Pack of 2": part of the name
            w.writerow([sku, name, r["brand"], r["category"], size, unit, ""])
            by_display.setdefault(key(r["display_name"]), []).append(sku)
            by_words.setdefault(words_key(r["brand"], name, size, unit), []).append(sku)
    rows_by_sku = {}
    with open(f"{args.out}/catalog_sa.csv", newline="") as f:
        for r in csv.DictReader(f):
            rows_by_sku[r["sku"]] = r
    queries = list(csv.DictReader(
        open(f"{DATA}/misspellings/product_queries_with_real_misspellings.tsv", newline=""),
        delimiter="\t"))
    strict, equiv = [], []
    for q in queries:
        gold = f"SA-{q['product_id']}"
        same = by_display.get(key(q["display_name"]), [gold])
        same = same + [s for s in by_words_of(gold, by_words, rows_by_sku) if s not in same]
        others = [s for s in same if s != gold]
        strict.append((q["query"], gold))
        equiv.append((q["query"], "|".join([gold] + others)))
    write_tsv(f"{args.out}/full_names.tsv", strict)
    write_tsv(f"{args.out}/full_names_equiv.tsv", equiv)
    rnd = random.Random(20261125)
    idx = list(range(len(equiv)))
    rnd.shuffle(idx)
    half = len(idx) // 2
    write_tsv(f"{args.out}/full_names_dev.tsv", [equiv[i] for i in sorted(idx[:half])])
    write_tsv(f"{args.out}/full_names_test.tsv", [equiv[i] for i in sorted(idx[half:])])
    print(f"catalog {len(rows)} rows, {len(queries)} queries, "
          f"{sum(1 for _, e in equiv if '|' in e)} with indistinguishable twins")


def write_tsv(path, pairs):
    with open(path, "w", newline="") as f:
        f.write("query\texpected_sku\n")
        for q, e in pairs:
            f.write(f"{q.replace(chr(9), ' ')}\t{e}\n")


if __name__ == "__main__":
    main()
