//! The forecasting methods against statsforecast 2.1.1's output on the same series
//! (`tests/fixtures/forecast_statsforecast.json`, written once by
//! `benches/forecast/fixtures.py`), the backtest's windows never seeing the future, and the
//! per-series choice being deterministic.

use khaacho::forecast::{self, Method, Setup, Windows};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixtures {
    series: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    name: String,
    season: usize,
    h: usize,
    y: Vec<f64>,
    forecasts: std::collections::BTreeMap<String, Vec<f64>>,
}

fn fixtures() -> Fixtures {
    serde_json::from_str(include_str!("fixtures/forecast_statsforecast.json")).unwrap()
}

/// The methods that follow statsforecast's definitions step for step agree to 1e-6 (relative
/// to the series' mean). Our ETS(A,N,A) starts its states from the first season where
/// statsforecast also searches them: on the smooth weekly series the forecasts agree to 10 %
/// of the series' mean; on intermittent series, where both seasonal fits chase noise, the
/// level over the horizon agrees to 25 %; on the sparse one (three sales) it is not compared.
#[test]
fn every_method_matches_statsforecast() {
    let mut failures = Vec::new();
    for s in fixtures().series {
        let scale = (s.y.iter().sum::<f64>() / s.y.len() as f64).max(1e-9);
        for (name, expected) in &s.forecasts {
            let method: Method = name.parse().unwrap();
            let ours = method.point(&s.y, s.h, s.season);
            let mean_diff = ours
                .iter()
                .zip(expected)
                .map(|(a, b)| (a - b).abs())
                .sum::<f64>()
                / s.h as f64
                / scale;
            let level_diff = (ours.iter().sum::<f64>() - expected.iter().sum::<f64>()).abs()
                / s.h as f64
                / scale;
            let ok = match method {
                Method::Ets if s.name.starts_with("weekly") => mean_diff <= 0.10,
                // Three sales in 90 days: no seasonal fit means anything; not compared.
                Method::Ets if s.name.starts_with("sparse") => true,
                Method::Ets => level_diff <= 0.25,
                _ => mean_diff <= 1e-6,
            };
            if !ok {
                failures.push(format!(
                    "{} {name}: ours {:?} statsforecast {:?} (mean difference {mean_diff:.2e} of the mean)",
                    s.name,
                    &ours[..4],
                    &expected[..4]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Poisoning everything after a window's cutoff changes nothing the backtest of that window
/// forecasts: every method and the choice learn only from before it.
#[test]
fn the_backtest_never_sees_the_future() {
    let y: Vec<f64> = (0..200u64)
        .map(|i| ((i * 7919 + 13) % 17 % 5) as f64)
        .collect();
    let windows = Windows {
        h: 28,
        step: 28,
        count: 3,
    };
    for cutoff in windows.cutoffs(y.len(), 1) {
        let mut poisoned = y.clone();
        for v in &mut poisoned[cutoff..] {
            *v = 1e9;
        }
        for m in Method::ALL {
            assert_eq!(
                m.point(&y[..cutoff], 28, 7),
                m.point(&poisoned[..cutoff], 28, 7),
                "{m}"
            );
        }
        assert_eq!(
            forecast::forecast(&y[..cutoff], &Setup::DAILY),
            forecast::forecast(&poisoned[..cutoff], &Setup::DAILY)
        );
    }
}

#[test]
fn the_choice_is_deterministic_and_uses_the_series_own_history() {
    let fast: Vec<f64> = (0..180)
        .map(|i| if i % 7 >= 5 { 9.0 } else { 2.0 })
        .collect();
    let f1 = forecast::forecast(&fast, &Setup::DAILY);
    let f2 = forecast::forecast(&fast, &Setup::DAILY);
    assert_eq!(f1, f2);
    // A clean weekly pattern is best forecast by a seasonal method.
    assert!(
        f1.methods[0] == Method::SeasonalNaive || f1.methods[0] == Method::Ets,
        "{:?}",
        f1.methods
    );
    assert!(f1.backtest_rmsse.unwrap() < 0.1);
}
