#!/usr/bin/env python3
"""Generates tests/fixtures/forecast_statsforecast.json once: statsforecast 2.1.1's forecasts
of a few synthetic series (seeded, so the file is reproducible), which the unit tests in
src/forecast compare with ours.

    pip install statsforecast==2.1.1 && python3 benches/forecast/fixtures.py
"""
import json
import os

import numpy as np
import statsforecast
from statsforecast.models import (ADIDA, IMAPA, TSB, AutoETS, CrostonClassic, CrostonOptimized,
                                  CrostonSBA, Naive, SeasonalNaive, SimpleExponentialSmoothing,
                                  SimpleExponentialSmoothingOptimized, WindowAverage)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def series():
    rng = np.random.default_rng(2026)
    days = 140
    week = np.array([1.0, 0.8, 0.9, 1.0, 1.2, 1.6, 1.5])
    yield "intermittent_daily", 7, (rng.random(120) < 0.3) * (rng.poisson(3, 120) + 1)
    yield "weekly_daily", 7, rng.poisson(6 * np.tile(week, days // 7))
    yield "sparse_daily", 7, (rng.random(90) < 0.06) * (rng.poisson(8, 90) + 1)
    yield "lumpy_monthly", 12, (rng.random(48) < 0.4) * rng.poisson(5, 48)


def models(season):
    return {
        "naive": Naive(),
        "seasonal_naive": SeasonalNaive(season_length=season),
        "window_average": WindowAverage(window_size=season),
        "ses": SimpleExponentialSmoothing(alpha=0.1),
        "ses_optimized": SimpleExponentialSmoothingOptimized(),
        "croston": CrostonClassic(),
        "croston_sba": CrostonSBA(),
        "croston_optimized": CrostonOptimized(),
        "tsb": TSB(alpha_d=0.1, alpha_p=0.1),
        "adida": ADIDA(),
        "imapa": IMAPA(),
        "ets": AutoETS(season_length=season, model="ANA"),
    }


def main():
    out = {"generated_by": f"statsforecast {statsforecast.__version__}", "series": []}
    h = 14
    for name, season, y in series():
        y = np.asarray(y, dtype=np.float64)
        fc = {k: [float(v) for v in m.forecast(y=y, h=h)["mean"]] for k, m in models(season).items()}
        out["series"].append({"name": name, "season": season, "h": h, "y": y.tolist(), "forecasts": fc})
    path = os.path.join(ROOT, "tests", "fixtures", "forecast_statsforecast.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(path)


if __name__ == "__main__":
    main()
