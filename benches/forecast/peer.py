#!/usr/bin/env python3
"""The forecasting peer, side by side: statsforecast 2.1.1 and `khaacho forecast-eval` on the
same series, the same rolling-origin windows and the same error measures, in one run.

    pip install statsforecast==2.1.1
    python3 benches/forecast/data.py            # writes the long CSVs to /tmp/khaacho-forecast
    python3 benches/forecast/peer.py [--dir /tmp/khaacho-forecast] [--bin target/release/khaacho]

Measures (means over series and windows, as forecast-eval prints them): MAE; MASE scaled by
the in-sample naive (lag 1); RMSSE scaled by the in-sample one-step naive from the series'
first sale on (M5), windows whose scale is zero left out. Prints one JSON object and a table.
"""
import argparse
import json
import os
import subprocess
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SETS = [
    # name, h, season, windows, drop leading zeros
    ("carparts", 6, 12, 2, False),
    ("m5_foods8", 28, 7, 3, True),
    ("m5_spot10", 28, 7, 3, True),
]


def models(season):
    from statsforecast.models import (ADIDA, IMAPA, TSB, AutoETS, CrostonClassic, CrostonOptimized,
                                      CrostonSBA, Naive, SeasonalNaive, SimpleExponentialSmoothing,
                                      SimpleExponentialSmoothingOptimized, WindowAverage)
    return [
        Naive(), SeasonalNaive(season_length=season), WindowAverage(window_size=season if season > 1 else 7),
        SimpleExponentialSmoothing(alpha=0.1, alias="SES"), SimpleExponentialSmoothingOptimized(alias="SESOpt"),
        CrostonClassic(), CrostonSBA(), CrostonOptimized(), TSB(alpha_d=0.1, alpha_p=0.1),
        ADIDA(), IMAPA(), AutoETS(season_length=season),
    ]


def scales(train):
    mase = np.mean(np.abs(np.diff(train))) if len(train) > 1 else 0.0
    nz = np.nonzero(train)[0]
    base = train[nz[0]:] if len(nz) else train[:0]
    rmsse = np.mean(np.diff(base) ** 2) if len(base) > 1 else 0.0
    return mase, rmsse


def peer(path, h, season, windows, drop):
    from statsforecast import StatsForecast
    df = pd.read_csv(path, dtype={"unique_id": str})
    df["ds"] = pd.to_datetime(df["ds"])
    df["y"] = df["y"].astype(float)
    df = df.sort_values(["unique_id", "ds"])
    if drop:
        first = df[df.y > 0].groupby("unique_id").ds.min().rename("first")
        df = df.join(first, on="unique_id")
        df = df[df.ds >= df["first"]].drop(columns="first")
    freq = "MS" if season == 12 else "D"
    sf = StatsForecast(models=models(season), freq=freq, n_jobs=1)
    started = time.time()
    cv = sf.cross_validation(df=df, h=h, n_windows=windows, step_size=h)
    seconds = time.time() - started
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    cv["Zero"] = 0.0
    names = [c for c in cv.columns if c not in ("unique_id", "ds", "cutoff", "y")]
    series = {k: g.y.values for k, g in df.groupby("unique_id")}
    dates = {k: g.ds.values for k, g in df.groupby("unique_id")}
    sums = {n: {"mae": [], "mase": [], "rmsse": []} for n in names}
    per_series = {}
    for (uid, cutoff), g in cv.groupby(["unique_id", "cutoff"]):
        y = series[uid]
        train = y[: np.searchsorted(dates[uid], np.datetime64(cutoff), side="right")]
        sm, sr = scales(train)
        for n in names:
            e = g.y.values - g[n].values
            mae = np.mean(np.abs(e))
            sums[n]["mae"].append(mae)
            if sm > 0:
                sums[n]["mase"].append(mae / sm)
            if sr > 0:
                r = np.sqrt(np.mean(e ** 2) / sr)
                sums[n]["rmsse"].append(r)
                per_series.setdefault(uid, {}).setdefault(n, []).append(r)
    out = {n: {k: (float(np.mean(v)) if v else None) for k, v in m.items()} for n, m in sums.items()}
    # The bound for any per-series choice among these models: each series given, in hindsight,
    # the model with the smallest RMSSE over its own evaluation windows.
    hindsight = [min(np.mean(v) for v in m.values()) for m in per_series.values()]
    return {"methods": out, "seconds": seconds, "hindsight_best_rmsse": float(np.mean(hindsight))}


def ours(binary, path, h, season, windows, drop):
    cmd = [binary, "forecast-eval", "--series", path, "--h", str(h), "--season", str(season),
           "--windows", str(windows), "--step", str(h)]
    if drop:
        cmd.append("--drop-leading-zeros")
    started = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    report["wall_seconds"] = time.time() - started
    return report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/khaacho-forecast")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "khaacho"))
    ap.add_argument("--skip-peer", action="store_true")
    a = ap.parse_args()
    result = {}
    for name, h, season, windows, drop in SETS:
        path = os.path.join(a.dir, f"{name}.csv")
        entry = {"khaacho": ours(a.bin, path, h, season, windows, drop)}
        if not a.skip_peer:
            entry["statsforecast"] = peer(path, h, season, windows, drop)
        result[name] = entry
    print(json.dumps(result, indent=1))
    for name, entry in result.items():
        k = entry["khaacho"]
        print(f"\n{name}: khaacho choice RMSSE {k['choice']['rmsse']:.3f} ({k['seconds']:.2f} s)")
        if "statsforecast" in entry:
            p = entry["statsforecast"]
            best = min((v["rmsse"], n) for n, v in p["methods"].items() if v["rmsse"] is not None)
            print(f"  statsforecast best {best[1]} {best[0]:.3f}, zero {p['methods']['Zero']['rmsse']:.3f} ({p['seconds']:.1f} s)")
            print(f"  best model per series in hindsight {p['hindsight_best_rmsse']:.3f}")


if __name__ == "__main__":
    main()
