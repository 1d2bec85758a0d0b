//! ETS(A,N,A): exponential smoothing of a level with additive seasonal terms.
//!
//! The level starts at the first season's mean and the seasonal terms at the first season's
//! deviations from it; the two weights (level α, season γ with γ ≤ 1 − α) are chosen by
//! minimising the one-step squared error, searching each in turn once. Without a season, or
//! with less than two seasons of history, it is simple exponential smoothing with its weight
//! searched.

use super::ses;

/// Point forecasts for the `h` periods after `y`.
pub fn forecast(y: &[f64], h: usize, season: usize) -> Vec<f64> {
    if season <= 1 || y.len() < 2 * season {
        return vec![ses::optimized(y, 0.01, 0.99); h];
    }
    let (alpha, gamma) = fit(y, season);
    let state = run(y, season, alpha, gamma);
    let n = y.len();
    (0..h)
        .map(|i| state.level + state.seasonal[(n + i) % season])
        .collect()
}

struct State {
    level: f64,
    seasonal: Vec<f64>,
    sse: f64,
}

fn run(y: &[f64], season: usize, alpha: f64, gamma: f64) -> State {
    let mut level = y[..season].iter().sum::<f64>() / season as f64;
    let mut seasonal: Vec<f64> = y[..season].iter().map(|v| v - level).collect();
    let mut sse = 0.0;
    for (t, &v) in y.iter().enumerate() {
        let s = &mut seasonal[t % season];
        let e = v - (level + *s);
        sse += e * e;
        level += alpha * e;
        *s += gamma * e;
    }
    State {
        level,
        seasonal,
        sse,
    }
}

fn fit(y: &[f64], season: usize) -> (f64, f64) {
    let (mut alpha, mut gamma): (f64, f64) = (0.1, 0.05);
    for _ in 0..1 {
        alpha = ses::golden_to(1e-4, 0.9, 1e-4, |a| {
            run(y, season, a, gamma.min(1.0 - a)).sse
        });
        gamma = ses::golden_to(1e-4, (1.0 - alpha).min(0.5), 1e-4, |g| {
            run(y, season, alpha, g).sse
        });
    }
    (alpha, gamma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_weekly_pattern_is_forecast_exactly() {
        let week = [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 12.0];
        let y: Vec<f64> = week.iter().cycle().take(70).copied().collect();
        let f = forecast(&y, 14, 7);
        for (i, v) in f.iter().enumerate() {
            assert!((v - week[i % 7]).abs() < 1e-6, "{i}: {v}");
        }
    }

    #[test]
    fn short_histories_fall_back_to_smoothing() {
        let f = forecast(&[2.0, 2.0, 2.0], 3, 7);
        assert_eq!(f, vec![2.0; 3]);
    }
}
