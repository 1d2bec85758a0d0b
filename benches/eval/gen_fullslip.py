#!/usr/bin/env python3
"""Full-name queries with keyboard slips instead of the corpus misspellings: brand + name +
pack size as a catalog would display them, with one word of four or more letters slipped
(adjacent key, swapped neighbours, dropped or doubled letter). Expected lists the product and
its indistinguishable twins (same words and pack size), like full_names_equiv.tsv.

usage: gen_fullslip.py --seed 5 --n 2000 > out/fullslip.tsv
"""
import argparse
import csv
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert import words_key  # noqa: E402
from gen_short import keyboard_slip  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", default=f"{HERE}/out/catalog_sa.csv")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    rows = list(csv.DictReader(open(args.catalog, newline="")))
    twins = {}
    for r in rows:
        twins.setdefault(words_key(r["brand"], r["name"], r["pack_size"], r["unit"]), []).append(r["sku"])
    print("query\texpected_sku")
    for r in rnd.sample(rows, args.n):
        name = r["name"]
        if r["brand"] and not name.lower().startswith(r["brand"].lower()):
            name = f"{r['brand']} {name}"
        if r["pack_size"]:
            name = f"{name} {r['pack_size']} {r['unit']}"
        words = name.split(" ")
        slots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        if slots:
            i = rnd.choice(slots)
            words[i] = keyboard_slip(words[i].lower(), rnd)
        same = twins[words_key(r["brand"], r["name"], r["pack_size"], r["unit"])]
        expected = [r["sku"]] + [s for s in same if s != r["sku"]]
        print(f"{' '.join(words)}\t{'|'.join(expected)}")


if __name__ == "__main__":
    main()
