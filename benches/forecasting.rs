//! Criterion benchmarks for demand forecasting on synthetic daily series (a fixed-seed
//! generator, so every run sees the same series):
//! - `forecast/365_days_intermittent`: one series' 28-day forecast with intervals, the method
//!   chosen by its backtest (12 windows × 10 candidates), as the nightly job and
//!   `GET /api/v1/products/{id}/forecast` make it; the contract's "well under 1 ms";
//! - `forecast/365_days_daily_seller`: the same for a product sold every day with a weekly
//!   pattern;
//! - `method/imapa_365` and `method/ets_365`: one method's forecast, the cheapest intermittent
//!   one and the costliest.

use criterion::{Criterion, criterion_group, criterion_main};
use khaacho::forecast::{Method, Setup, forecast};
use std::hint::black_box;

/// The same allocator as the server binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn series(seed: u64, p_sale: f64, weekly: bool) -> Vec<f64> {
    let mut s = seed;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % 10_000) as f64 / 10_000.0
    };
    (0..365)
        .map(|d| {
            let boost: f64 = if weekly && d % 7 >= 5 { 1.6 } else { 1.0 };
            if next() < p_sale * boost.min(1.0 / p_sale) {
                (1.0 + next() * 6.0 * boost).floor()
            } else {
                0.0
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let sparse = series(7, 0.25, false);
    let daily = series(11, 0.95, true);
    let mut g = c.benchmark_group("forecast");
    g.bench_function("365_days_intermittent", |b| {
        b.iter(|| forecast(black_box(&sparse), &Setup::DAILY))
    });
    g.bench_function("365_days_daily_seller", |b| {
        b.iter(|| forecast(black_box(&daily), &Setup::DAILY))
    });
    g.finish();
    let mut g = c.benchmark_group("method");
    g.bench_function("imapa_365", |b| {
        b.iter(|| Method::Imapa.point(black_box(&sparse), 28, 7))
    });
    g.bench_function("ets_365", |b| {
        b.iter(|| Method::Ets.point(black_box(&daily), 28, 7))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
