#!/usr/bin/env python3
"""Generate short shop-style queries from the converted catalog: brand + one or two
distinctive words of the name + an optional pack size, in shop order or shuffled, and
(for a share of them) one slip: a real human misspelling from the Mitton corpora when
the word has one, else a keyboard slip (adjacent key, swapped neighbours, dropped or
doubled letter).

Each query is kept only when its clean words (and size, if given) pick out exactly one
product of the catalog, so the gold answer is well defined.

usage: gen_short.py --seed 1 --n 2000 [--slip-rate 0.6] [--min-slip-len 5] > out.tsv
"""
import argparse
import csv
import os
import random
import re
import sys
from collections import defaultdict

DATA = os.environ.get("KHAACHO_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data"))
HERE = os.path.dirname(os.path.abspath(__file__))
STOP = {"and", "of", "with", "for", "the", "in", "to", "a", "an", "on", "by", "no", "from"}
KEYS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def neighbours():
    pos = {}
    for r, row in enumerate(KEYS):
        for c, ch in enumerate(row):
            pos[ch] = (r, c)
    near = defaultdict(list)
    for a, (ra, ca) in pos.items():
        for b, (rb, cb) in pos.items():
            if a != b and abs(ra - rb) <= 1 and abs(ca - cb) <= 1:
                near[a].append(b)
    return near


NEAR = neighbours()


def words(text):
    return re.findall(r"[a-z]+|\d+(?:\.\d+)?", text.lower())


def keyboard_slip(w, rnd):
    kinds = ["sub", "swap", "drop", "double"]
    for _ in range(10):
        kind = rnd.choice(kinds)
        i = rnd.randrange(len(w))
        if kind == "sub" and w[i] in NEAR:
            return w[:i] + rnd.choice(NEAR[w[i]]) + w[i + 1:]
        if kind == "swap" and i + 1 < len(w) and w[i] != w[i + 1]:
            return w[:i] + w[i + 1] + w[i] + w[i + 2:]
        if kind == "drop" and len(w) > 3:
            return w[:i] + w[i + 1:]
        if kind == "double":
            return w[:i] + w[i] + w[i:]
    return w


def load_misspellings():
    out = defaultdict(list)
    path = f"{DATA}/misspellings/misspellings_mitton_all.tsv"
    for r in csv.DictReader(open(path, newline=""), delimiter="\t"):
        wrong, right = r["misspelling"].lower(), r["correct"].lower()
        if wrong.isalpha() and right.isalpha() and wrong != right:
            out[right].append(wrong)
    return out


def size_text(size, unit, rnd):
    if not size:
        return ""
    v = float(size)
    if unit == "g" and v >= 1000 and rnd.random() < 0.5:
        v, unit = v / 1000, "kg"
    if unit == "ml" and v >= 1000 and rnd.random() < 0.5:
        v, unit = v / 1000, "l"
    num = str(int(v)) if v == int(v) else str(v)
    spelled = {"g": ["g", "gm", "gms", "gram"], "kg": ["kg", "kgs", "kilo"],
               "ml": ["ml"], "l": ["l", "ltr", "litre"], "pcs": ["pcs", "pc"]}[unit]
    sep = rnd.choice(["", " "])
    return f"{num}{sep}{rnd.choice(spelled)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", default=f"{HERE}/out/catalog_sa.csv")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--slip-rate", type=float, default=0.6)
    ap.add_argument("--min-slip-len", type=int, default=5)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    miss = load_misspellings()
    rows = list(csv.DictReader(open(args.catalog, newline="")))
    known_brands = sorted({r["brand"].lower() for r in rows if r["brand"]}, key=len, reverse=True)
    prods = []
    for r in rows:
        brand = r["brand"].lower()
        name = r["name"].lower()
        if not brand:  # brand written inside the name (zepto rows)
            brand = next((b for b in known_brands if name.startswith(b + " ")), "")
            name = name[len(brand):] if brand else name
        toks = set(words(brand + " " + name))
        prods.append((r, brand, words(brand), words(name), toks))
    df = defaultdict(int)
    index = defaultdict(set)
    for i, (_, _, _, _, toks) in enumerate(prods):
        for t in toks:
            df[t] += 1
            index[t].add(i)
    order = list(range(len(prods)))
    rnd.shuffle(order)
    out = []
    for i in order:
        if len(out) >= args.n:
            break
        q = make_query(i, prods, df, index, miss, rnd, args)
        if q:
            out.append((q, prods[i][0]["sku"]))
    print("query\texpected_sku")
    for q, s in out:
        print(f"{q}\t{s}")


def make_query(i, prods, df, index, miss, rnd, args):
    r, brand, bw, nw, _ = prods[i]
    if not brand:
        return None
    cands = [w for w in dict.fromkeys(nw) if w.isalpha() and len(w) >= 3
             and w not in STOP and w not in bw]
    if not cands:
        return None
    cands.sort(key=lambda w: (df[w], rnd.random()))
    k = 1 if rnd.random() < 0.4 or len(cands) == 1 else 2
    pool = cands[: max(k, 3)]
    chosen = rnd.sample(pool, k)
    with_size = bool(r["pack_size"]) and rnd.random() < 0.5
    if not unique(i, bw + chosen, with_size, prods, index):
        return None
    chosen = sorted(chosen, key=nw.index)
    if rnd.random() < 0.3:
        rnd.shuffle(chosen)
    parts = bw + chosen
    if rnd.random() < args.slip_rate:
        parts = slip(parts, miss, rnd, args.min_slip_len)
    if with_size:
        parts.append(size_text(r["pack_size"], r["unit"], rnd))
    return " ".join(parts)


def unique(i, ws, with_size, prods, index):
    sets = [index[w] for w in ws]
    common = set.intersection(*sets) if sets else set()
    if with_size:
        me = prods[i][0]
        common = {j for j in common
                  if (prods[j][0]["pack_size"], prods[j][0]["unit"]) == (me["pack_size"], me["unit"])}
    return common == {i}


def slip(parts, miss, rnd, min_len):
    slots = [j for j, w in enumerate(parts) if len(w) >= min_len and w.isalpha()]
    if not slots:
        return parts
    j = rnd.choice(slots)
    w = parts[j]
    real = [m for m in miss.get(w, []) if m != w]
    new = rnd.choice(real) if real and rnd.random() < 0.5 else keyboard_slip(w, rnd)
    return parts[:j] + [new] + parts[j + 1:]


if __name__ == "__main__":
    main()
