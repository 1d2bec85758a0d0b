#!/usr/bin/env python3
"""Readies a running Khaacho for an order load test, through its API:
    prepare.py API_URL TOKEN SHOPS SKUS_FILE TOKENS_FILE
creates SHOPS new retailers with room on credit, each with its own login (the shops order for
themselves, each within the default per-token request limit, as real shops would), stocks every
active listing, writes the SKUs of the products that have a stocked listing to SKUS_FILE and the
shops' access tokens to TOKENS_FILE (one per line, in shop order) and prints the first new
retailer's id (the new ones are consecutive)."""
import json
import os
import random
import subprocess
import sys
import urllib.request

api, token, shops, skus_file, tokens_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]


def call(method, path, body=None, auth=True):
    headers = {"content-type": "application/json"}
    if auth:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(api + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers=headers)
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return json.loads(text) if text else None


def every(path):
    cursor = None
    while True:
        page = call("GET", f"{path}{'&' if '?' in path else '?'}limit=1000" + (f"&cursor={cursor}" if cursor else ""))
        yield from page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return


base = random.randrange(10_000_000, 89_000_000)
ids = []
for i in range(shops):
    r = call("POST", "/retailers", {"name": f"Load Shop {i + 1}", "owner_name": "Load Test", "phone": f"+97798{base + i:08d}",
                                    "district": "Kathmandu", "province": "Bagmati", "credit_limit_paisa": 10_000_000_000,
                                    "language": "en"})
    ids.append(r["id"])
assert ids == list(range(ids[0], ids[0] + shops)), "new shops are not consecutive"
password = f"load test {random.randrange(10**9)}"
tokens = []
for i in range(shops):
    shop_phone = f"+97798{base + i:08d}"
    if i % 50 == 49:
        # Logins from one address are limited (60 a minute): the owner's reset between batches.
        subprocess.run([os.environ["KHAACHO_BIN"], "--data-dir", os.environ["KHAACHO_DATA_DIR"], "reset-logins"],
                       check=True, capture_output=True)
    call("POST", "/users", {"phone": shop_phone, "name": f"Load Shop {i + 1}", "role": "retailer", "password": password})
    login = call("POST", "/auth/login", {"phone": shop_phone, "password": password}, auth=False)
    tokens.append(login["access_token"])
with open(tokens_file, "w") as f:
    f.write("\n".join(tokens) + "\n")

products = {p["id"]: p for p in every("/products") if p.get("active", True)}
stocked = set()
for listing in every("/listings"):
    if listing.get("active", True) and listing["product_id"] in products:
        call("PATCH", f"/listings/{listing['id']}", {"stock": 100_000_000})
        stocked.add(listing["product_id"])
with open(skus_file, "w") as f:
    f.write("\n".join(sorted(products[p]["sku"] for p in stocked)) + "\n")
print(ids[0])
