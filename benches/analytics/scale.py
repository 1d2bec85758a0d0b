#!/usr/bin/env python3
"""Analytics at scale, against the release binary: simulate a history (1 M orders by default),
time the full rebuild of the daily facts and the build of one day, then serve it and measure
every analytics endpoint's latency (sequential requests, p50/p99) and the server's memory.

    python3 benches/analytics/scale.py [--days 365] [--orders-per-day 2740] [--retailers 3000]
        [--seed 1] [--dir DIR] [--requests 200]

With --dir pointing at a directory that already holds a simulated database, the simulation is
skipped (so the expensive part can be reused). Prints one JSON object."""
import argparse
import datetime
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("KHAACHO_BIN") or os.path.join(ROOT, "target", "release", "khaacho")


def khaacho(data_dir, *args):
    env = dict(os.environ, KHAACHO_LOG="warn", KHAACHO_LOG_FILE="false")
    out = subprocess.run([BIN, "--data-dir", data_dir, *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"khaacho {' '.join(args)} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def call(url, token=None, body=None, method=None):
    req = urllib.request.Request(url, method=method or ("POST" if body is not None else "GET"))
    if token:
        req.add_header("authorization", f"Bearer {token}")
    data = None
    if body is not None:
        req.add_header("content-type", "application/json")
        data = json.dumps(body).encode()
    with urllib.request.urlopen(req, data, timeout=120) as r:
        return json.loads(r.read() or b"null")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--orders-per-day", type=int, default=2740)
    ap.add_argument("--retailers", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir")
    ap.add_argument("--requests", type=int, default=200)
    a = ap.parse_args()
    if not os.access(BIN, os.X_OK):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    data_dir = a.dir or tempfile.mkdtemp(prefix="khaacho-scale-")
    result = {"data_dir": data_dir}
    if not os.path.exists(os.path.join(data_dir, "khaacho.redb")):
        sim = khaacho(data_dir, "simulate", "--days", str(a.days), "--seed", str(a.seed),
                      "--retailers", str(a.retailers), "--orders-per-day", str(a.orders_per_day))
        result["simulate"] = {k: sim[k] for k in ("from", "to", "placed", "delivered", "payments", "retailers", "seconds")}
    db = os.path.join(data_dir, "khaacho.redb")
    result["db_bytes"] = os.path.getsize(db)
    yesterday = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=5, minutes=45))).date()
                 - datetime.timedelta(days=1))
    first = (yesterday - datetime.timedelta(days=a.days - 1)).isoformat()
    full = khaacho(data_dir, "analytics", "rebuild", "--from", first, "--to", yesterday.isoformat())
    one = khaacho(data_dir, "analytics", "rebuild", "--from", yesterday.isoformat(), "--to", yesterday.isoformat())
    result["rebuild_all"] = {"days": full["built"]["days"], "rows": full["built"]["rows"], "seconds": full["seconds"]}
    result["rebuild_one_day"] = {"seconds": one["seconds"], "rows": one["built"]["rows"]}

    # A throwaway admin of our own (the directory may already have users).
    phone = f"+97798{random.randint(10_000_000, 99_999_999)}"
    password = f"scale-{random.getrandbits(64):x}"
    subprocess.run([BIN, "--data-dir", data_dir, "create-user", "--role", "admin", "--phone", phone,
                    "--name", "Scale bench"], input=password + "\n", text=True, check=True,
                   capture_output=True, env=dict(os.environ, KHAACHO_LOG="warn", KHAACHO_LOG_FILE="false"))
    port = random.randint(20000, 40000)
    env = dict(os.environ, KHAACHO_LOG="warn", KHAACHO_LOG_FILE="false")
    server = subprocess.Popen([BIN, "--data-dir", data_dir, "serve", "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        api = base + "/api/v1"
        while time.time() < deadline:
            try:
                call(base + "/health")
                break
            except OSError:
                time.sleep(0.5)
        token = call(api + "/auth/login", body={"phone": phone, "password": password})["access_token"]
        # Let the start-up catch-up and rules (with the forecasts) finish before measuring.
        started = time.time()
        while True:
            recs = call(api + "/recommendations?limit=1", token)
            if recs["items"] or time.time() > deadline + 600:
                break
            time.sleep(1)
        result["startup_rules_seconds_at_most"] = round(time.time() - started, 1)
        # Products vendor 1 lists (so both forecast paths answer 200).
        products = sorted({r["product_id"] for r in call(api + "/analytics/inventory?vendor_id=1", token)})
        to = yesterday.isoformat()
        month = (yesterday - datetime.timedelta(days=29)).isoformat()
        endpoints = {
            "summary_30d_day": f"/analytics/summary?from={month}&to={to}",
            "summary_365d_month": f"/analytics/summary?from={first}&to={to}&granularity=month",
            "funnel_30d": f"/analytics/funnel?from={month}&to={to}",
            "credit": "/analytics/credit",
            "top_products_30d": f"/analytics/top?from={month}&to={to}&by=product",
            "top_categories_30d": f"/analytics/top?from={month}&to={to}&by=category",
            "vendor_league_30d": f"/analytics/vendors?from={month}&to={to}",
            "vendor_insights_12w": "/vendors/1/insights",
            "retailer_insights": "/retailers/{r}/insights",
            "reorder_due": "/analytics/reorder-due",
            "inventory": "/analytics/inventory",
            "inventory_products": "/analytics/inventory/products",
            "prices": "/analytics/prices",
            "recommendations": "/recommendations",
            "product_forecast": "/products/{p}/forecast",
            "listing_forecast": "/products/{p}/forecast?vendor_id=1",
        }
        lat = {}
        for name, path in endpoints.items():
            times = []
            for i in range(a.requests):
                p = path.replace("{r}", str(1 + (i * 7919) % a.retailers))
                p = p.replace("{p}", str(products[i % len(products)]))
                t = time.perf_counter()
                call(api + p, token)
                times.append((time.perf_counter() - t) * 1000)
            first = times[0]
            times.sort()
            lat[name] = {"first_ms": round(first, 2), "p50_ms": round(statistics.median(times), 2),
                         "p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 2)}
        result["latency"] = lat
        rss, hwm = rss_kib(server.pid)
        result["rss_mib"] = round(rss / 1024, 1)
        result["peak_rss_mib"] = round(hwm / 1024, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
