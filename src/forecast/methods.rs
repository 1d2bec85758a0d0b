//! The forecasting methods: each turns a history into point forecasts for the next `h` days.
//!
//! The classic ones follow statsforecast 2.1.1 (the unit tests compare them with its output);
//! `weekday_profile` is ours: an intermittent level spread over the week as the recent weeks
//! were.

use serde::{Deserialize, Serialize};

use super::{ets, ses};

/// A forecasting method, by the name the API and `forecast-eval` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Nothing will sell: the hard baseline for intermittent demand.
    Zero,
    /// The last value, repeated.
    Naive,
    /// The last season, repeated.
    SeasonalNaive,
    /// The mean of the last season (or of the last 7 values when there is no season).
    WindowAverage,
    /// Simple exponential smoothing with weight 0.1.
    Ses,
    /// Simple exponential smoothing, weight searched in 0.01..0.99.
    SesOptimized,
    /// Croston: smoothed sale sizes over smoothed intervals, weights 0.1.
    Croston,
    /// Croston with the Syntetos–Boylan correction (× 0.95).
    CrostonSba,
    /// Croston with both weights searched in 0.1..0.3.
    CrostonOptimized,
    /// Teunter–Syntetos–Babai: smoothed sale size × smoothed probability of a sale (0.1, 0.1).
    Tsb,
    /// Aggregate to buckets of the mean interval, smooth, spread back.
    Adida,
    /// ADIDA at every bucket size up to the mean interval, averaged.
    Imapa,
    /// Exponential smoothing with additive weekly (seasonal) terms, ETS(A,N,A).
    Ets,
    /// IMAPA's level spread over the season by the shares of the last 52 seasons.
    SeasonalProfile,
}

impl Method {
    /// Every method, in the order ties are broken.
    pub const ALL: [Method; 14] = [
        Method::Zero,
        Method::Naive,
        Method::SeasonalNaive,
        Method::WindowAverage,
        Method::Ses,
        Method::SesOptimized,
        Method::Croston,
        Method::CrostonSba,
        Method::CrostonOptimized,
        Method::Tsb,
        Method::Adida,
        Method::Imapa,
        Method::Ets,
        Method::SeasonalProfile,
    ];

    /// The methods the per-series choice picks from: the Croston variants (biased upward on
    /// sparse series) and the seasonal naive (one noisy week) are measured but not chosen.
    pub const CANDIDATES: [Method; 10] = [
        Method::Zero,
        Method::Naive,
        Method::WindowAverage,
        Method::Ses,
        Method::SesOptimized,
        Method::Tsb,
        Method::Adida,
        Method::Imapa,
        Method::Ets,
        Method::SeasonalProfile,
    ];

    /// The name printed in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Method::Zero => "zero",
            Method::Naive => "naive",
            Method::SeasonalNaive => "seasonal_naive",
            Method::WindowAverage => "window_average",
            Method::Ses => "ses",
            Method::SesOptimized => "ses_optimized",
            Method::Croston => "croston",
            Method::CrostonSba => "croston_sba",
            Method::CrostonOptimized => "croston_optimized",
            Method::Tsb => "tsb",
            Method::Adida => "adida",
            Method::Imapa => "imapa",
            Method::Ets => "ets",
            Method::SeasonalProfile => "seasonal_profile",
        }
    }

    /// Point forecasts for the `h` periods after `y`, with season length `season` (1 = none).
    /// An empty history forecasts zeros.
    pub fn point(self, y: &[f64], h: usize, season: usize) -> Vec<f64> {
        if y.is_empty() {
            return vec![0.0; h];
        }
        let season = season.max(1);
        match self {
            Method::SeasonalNaive => return seasonal_naive(y, h, season),
            Method::Ets => return ets::forecast(y, h, season),
            Method::SeasonalProfile => return seasonal_profile(y, h, season),
            _ => {}
        }
        vec![self.level(y, season); h]
    }

    /// The flat forecast of the methods that forecast one value for every period.
    fn level(self, y: &[f64], season: usize) -> f64 {
        match self {
            Method::Naive => y[y.len() - 1],
            Method::WindowAverage => {
                let w = if season > 1 { season } else { 7 }.min(y.len());
                y[y.len() - w..].iter().sum::<f64>() / w as f64
            }
            Method::Ses => ses::forecast(y, 0.1),
            Method::SesOptimized => ses::optimized(y, 0.01, 0.99),
            Method::Croston => croston(y, |x| ses::forecast(x, 0.1)),
            Method::CrostonSba => 0.95 * croston(y, |x| ses::forecast(x, 0.1)),
            Method::CrostonOptimized => croston(y, |x| ses::optimized(x, 0.1, 0.3)),
            Method::Tsb => tsb(y, 0.1, 0.1),
            Method::Adida => adida(y),
            Method::Imapa => imapa(y),
            Method::Zero | Method::SeasonalNaive | Method::Ets | Method::SeasonalProfile => 0.0,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown method {s:?}"))
    }
}

fn seasonal_naive(y: &[f64], h: usize, season: usize) -> Vec<f64> {
    let n = y.len();
    (0..h)
        .map(|i| {
            // The value one season (or whole seasons) before the forecast day.
            let back = season - (i % season);
            if back <= n { y[n - back] } else { 0.0 }
        })
        .collect()
}

/// Smoothed sale size over smoothed interval; the last value when nothing ever sold.
fn croston(y: &[f64], smooth: impl Fn(&[f64]) -> f64) -> f64 {
    let sizes = ses::demands(y);
    if sizes.is_empty() {
        return y[y.len() - 1];
    }
    let size = smooth(&sizes);
    let interval = smooth(&ses::intervals(y));
    if interval != 0.0 {
        size / interval
    } else {
        size
    }
}

fn tsb(y: &[f64], alpha_size: f64, alpha_probability: f64) -> f64 {
    let sizes = ses::demands(y);
    if sizes.is_empty() {
        return 0.0;
    }
    let sold: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v != 0.0))).collect();
    ses::forecast(&sold, alpha_probability) * ses::forecast(&sizes, alpha_size)
}

/// The mean interval between sales, rounded half to even (as Python rounds); None when
/// nothing sold.
fn mean_interval(y: &[f64]) -> Option<usize> {
    let intervals = ses::intervals(y);
    if intervals.is_empty() {
        return None;
    }
    let mean = intervals.iter().sum::<f64>() / intervals.len() as f64;
    Some((mean.round_ties_even() as usize).max(1))
}

fn adida(y: &[f64]) -> f64 {
    match mean_interval(y) {
        None => 0.0,
        Some(level) => ses::bucket_forecast(y, level) / level as f64,
    }
}

fn imapa(y: &[f64]) -> f64 {
    let Some(top) = mean_interval(y) else {
        return 0.0;
    };
    let top = top.min(y.len());
    let total: f64 = (1..=top)
        .map(|level| {
            let sums = ses::bucket_sums(y, level);
            ses::optimized(&sums, 0.1, 0.3) / level as f64
        })
        .sum();
    total / top as f64
}

/// The forecasts of several methods on one history, sharing the work they have in common
/// (IMAPA's level, which the seasonal profile spreads).
pub fn points(methods: &[Method], y: &[f64], h: usize, season: usize) -> Vec<Vec<f64>> {
    let mut imapa_level: Option<f64> = None;
    methods
        .iter()
        .map(|&m| match m {
            Method::Imapa | Method::SeasonalProfile if !y.is_empty() => {
                let level = *imapa_level.get_or_insert_with(|| imapa(y));
                if m == Method::Imapa {
                    vec![level; h]
                } else {
                    profile(level, y, h, season.max(1))
                }
            }
            _ => m.point(y, h, season),
        })
        .collect()
}

fn seasonal_profile(y: &[f64], h: usize, season: usize) -> Vec<f64> {
    profile(imapa(y), y, h, season)
}

fn profile(level: f64, y: &[f64], h: usize, season: usize) -> Vec<f64> {
    if season <= 1 || level == 0.0 {
        return vec![level; h];
    }
    let n = y.len();
    let span = (52 * season).min(n - n % season);
    if span < season {
        return vec![level; h];
    }
    let recent = &y[n - span..];
    let total: f64 = recent.iter().sum();
    if total <= 0.0 {
        return vec![level; h];
    }
    // Share of each position in the season; position 0 is the day after the history ends.
    let mut share = vec![0.0; season];
    for (i, v) in recent.iter().enumerate() {
        share[i % season] += v;
    }
    // Shrink toward an even spread so that a few busy days are not taken for a pattern.
    let even = total / season as f64;
    (0..h)
        .map(|i| level * (0.5 * share[i % season] + 0.5 * even) / even)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Method::ALL {
            assert_eq!(m.name().parse::<Method>().unwrap(), m);
        }
        assert!("arima".parse::<Method>().is_err());
    }

    #[test]
    fn seasonal_naive_repeats_the_last_season() {
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(
            Method::SeasonalNaive.point(&y, 5, 3),
            vec![3.0, 4.0, 5.0, 3.0, 4.0]
        );
    }

    #[test]
    fn the_profile_keeps_the_level_and_follows_the_week() {
        let mut y = Vec::new();
        for _ in 0..8 {
            y.extend_from_slice(&[0.0, 0.0, 0.0, 0.0, 0.0, 7.0, 7.0]);
        }
        let f = Method::SeasonalProfile.point(&y, 7, 7);
        let sum: f64 = f.iter().sum();
        assert!((sum - 7.0 * Method::Imapa.point(&y, 1, 7)[0]).abs() < 1e-9);
        assert!(f[5] > f[0] && f[6] > f[1]);
    }

    #[test]
    fn nothing_sold_forecasts_nothing() {
        let y = [0.0; 20];
        for m in Method::ALL {
            assert!(m.point(&y, 3, 7).iter().all(|&v| v == 0.0), "{m}");
        }
    }
}
