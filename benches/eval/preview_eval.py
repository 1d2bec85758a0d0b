#!/usr/bin/env python3
"""Scores order messages through a running server's POST /api/v1/orders/preview.

usage: benches/eval/preview_eval.py --url http://127.0.0.1:3000 --phone P --password W
           [--retailer-id 2] FILE.tsv [FILE.tsv ...]

FILE.tsv: `message<TAB>expected`, lines starting with # are comments, \\n in a message is a
line break. expected: outcomes per order line joined by " ; ", in any order:
  SKU*N            priced as SKU, N packs
  ask:A|B|...      a question offering exactly these SKUs
  none             not added (not in the catalog, or cannot be ordered as written)
Each expected line is scored right, asked (a question or not-added where a line was wanted, or
the wrong question), or wrong (priced with other goods or another count), the same way
tests/preview_corpus.rs scores the corpora in process. Prints one JSON object per file.
"""
import argparse
import json
import sys
import urllib.request


def call(url, path, body, token=None):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def wants(cell):
    out = []
    for w in cell.split(" ; "):
        w = w.strip()
        if w == "none":
            out.append(("none", None))
        elif w.startswith("ask:"):
            out.append(("ask", frozenset(w[4:].split("|"))))
        else:
            sku, n = w.rsplit("*", 1)
            out.append(("priced", (sku, int(n))))
    return out


def score(preview, expected):
    priced = [(l["sku"], l["quantity"]) for l in preview["lines"]]
    asked = [frozenset(o["sku"] for o in q["options"]) for q in preview["questions"]]
    not_added = len(preview["not_added"])
    right = ask = wrong = 0
    open_ = []
    for kind, want in expected:
        hit = False
        if kind == "priced" and want in priced:
            priced.remove(want)
            hit = True
        elif kind == "ask" and want in asked:
            asked.remove(want)
            hit = True
        elif kind == "none" and not_added > 0:
            not_added -= 1
            hit = True
        if hit:
            right += 1
        else:
            open_.append((kind, want))
    for _ in open_:
        if priced:
            priced.pop(0)
            wrong += 1
        else:
            ask += 1
    wrong += len(priced)
    return right, ask, wrong


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:3000")
    ap.add_argument("--phone", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--retailer-id", type=int, default=2)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    token = call(a.url, "/api/v1/auth/login", {"phone": a.phone, "password": a.password})[
        "access_token"
    ]
    for path in a.files:
        right = ask = wrong = lines = messages = 0
        for raw in open(path, encoding="utf-8"):
            raw = raw.rstrip("\n")
            if not raw.strip() or raw.startswith("#"):
                continue
            msg, cell = raw.split("\t", 1)
            msg = msg.replace("\\n", "\n")
            exp = wants(cell)
            p = call(a.url, "/api/v1/orders/preview", {"retailer_id": a.retailer_id, "text": msg}, token)
            r, q, w = score(p, exp)
            if a.verbose and (q or w):
                print(f"{path}: {msg!r}: asked {q}, wrong {w}", file=sys.stderr)
            right, ask, wrong = right + r, ask + q, wrong + w
            lines += len(exp)
            messages += 1
        pct = lambda n: round(100.0 * n / max(lines, 1), 1)
        print(json.dumps({"file": path, "messages": messages, "lines": lines,
                          "right_pct": pct(right), "asked_pct": pct(ask), "wrong_pct": pct(wrong)}))


if __name__ == "__main__":
    main()
