#!/usr/bin/env python3
"""Writes the three benchmark sets as long CSVs (unique_id,ds,y) for `khaacho forecast-eval`
and for statsforecast, from the shared data folder (never shipped with the product):

    python3 benches/forecast/data.py [--shared ../shared/data/timeseries] [--out /tmp/khaacho-forecast]

- carparts.csv: Hyndman's car-parts, the 2,509 series with all 51 months present;
- m5_foods8.csv: the 8 M5 FOODS daily series (1,969 days);
- m5_spot10.csv: the 10 M5 daily series (1,913 days).
"""
import argparse
import csv
import datetime
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def carparts(src, out):
    with open(os.path.join(src, "carparts_monthly_2674series.csv")) as f, open(out, "w", newline="") as o:
        rows = csv.reader(f)
        header = next(rows)
        dates = []
        for h in header[1:]:
            mon, yy = h.split("-")
            dates.append(datetime.date(1900 + int(yy) if int(yy) > 50 else 2000 + int(yy), MONTHS.index(mon) + 1, 1))
        w = csv.writer(o)
        w.writerow(["unique_id", "ds", "y"])
        kept = 0
        for r in rows:
            values = r[1:]
            if any(v.strip() in ("", "NA") for v in values):
                continue
            kept += 1
            for d, v in zip(dates, values):
                w.writerow([r[0], d.isoformat(), v])
    return kept


def long(src_name, id_col, ds_col, y_col):
    """A long CSV already: the three columns renamed to unique_id, ds, y."""
    def write(src, out):
        with open(os.path.join(src, src_name)) as f, open(out, "w", newline="") as o:
            w = csv.writer(o)
            w.writerow(["unique_id", "ds", "y"])
            ids = set()
            for r in csv.DictReader(f):
                ids.add(r[id_col])
                w.writerow([r[id_col], r[ds_col], r[y_col]])
        return len(ids)
    return write


m5_foods = long("m5_nixtla_8series_daily_exog.csv", "unique_id", "ds", "y")
m5_spot = long("m5_spot_10series_long.csv", "id", "date", "sales")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data", "timeseries"))
    ap.add_argument("--out", default="/tmp/khaacho-forecast")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name, fn in [("carparts", carparts), ("m5_foods8", m5_foods), ("m5_spot10", m5_spot)]:
        n = fn(a.shared, os.path.join(a.out, f"{name}.csv"))
        print(f"{name}: {n} series")


if __name__ == "__main__":
    main()
