//! The method for one series, chosen by a rolling-origin backtest on that series' own
//! history, and the forecast with its intervals.

use serde::{Deserialize, Serialize};

use super::backtest::{Errors, Scales, Windows};
use super::methods::{Method, points};

/// How series are forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    /// Periods ahead.
    pub h: usize,
    /// Season length in periods (7 for days, 12 for months, 1 for none).
    pub season: usize,
    /// Backtest windows used to choose, at most (each `h` long; fewer when the history is
    /// short).
    pub windows: usize,
    /// Periods between the starts of the choosing windows, at most: closer (down to 1) when
    /// the history is too short for `windows` windows this far apart.
    pub step: usize,
    /// How many of the best methods are averaged.
    pub combine: usize,
}

impl Setup {
    /// Daily demand: four weeks ahead, weekly season, the best method alone on up to twelve
    /// windows (a year of history at most is kept, so twelve 28-day windows side by side
    /// cover it).
    pub const DAILY: Setup = Setup {
        h: 28,
        season: 7,
        windows: 12,
        step: 28,
        combine: 1,
    };

    /// Up to 24 choosing windows, side by side when the history allows.
    pub const fn for_horizon(h: usize, season: usize, combine: usize) -> Setup {
        Setup {
            h,
            season,
            windows: 24,
            step: h,
            combine,
        }
    }

    /// The fewest periods a backtest window learns from.
    fn min_train(&self) -> usize {
        self.season.max(self.h).max(8)
    }

    /// The choosing windows for a history of `len`.
    fn windows_for(&self, len: usize) -> Windows {
        let room = len.saturating_sub(self.min_train() + self.h);
        let step = (room / self.windows.saturating_sub(1).max(1)).clamp(1, self.step.max(1));
        Windows {
            h: self.h,
            step,
            count: self.windows,
        }
    }
}

/// A series' forecast: the mean and the 80 % and 95 % intervals for each period ahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The methods averaged, best first.
    pub methods: Vec<Method>,
    /// Why the backtest could not choose, when it could not.
    pub fallback: Option<String>,
    /// The chosen forecast's mean errors over the backtest windows.
    pub backtest_rmsse: Option<f64>,
    pub backtest_mae: Option<f64>,
    pub backtest_windows: usize,
    pub mean: Vec<f64>,
    pub lo80: Vec<f64>,
    pub hi80: Vec<f64>,
    pub lo95: Vec<f64>,
    pub hi95: Vec<f64>,
}

impl Forecast {
    /// The method's name as shown: one method, or several joined by "+".
    pub fn method(&self) -> String {
        let names: Vec<&str> = self.methods.iter().map(|m| m.name()).collect();
        names.join("+")
    }
}

/// The methods ranked by the backtest on `y`, each with its windows' forecasts.
struct Ranked {
    /// (method, mean scaled error, forecasts per window), best first.
    methods: Vec<(Method, f64, Vec<Vec<f64>>)>,
    cutoffs: Vec<usize>,
}

fn rank(y: &[f64], setup: &Setup) -> Option<Ranked> {
    let windows = setup.windows_for(y.len());
    let cutoffs = windows.cutoffs(y.len(), setup.min_train());
    if cutoffs.is_empty() {
        return None;
    }
    let scales: Vec<Scales> = cutoffs.iter().map(|&c| Scales::of(&y[..c], 1)).collect();
    let candidates = Method::CANDIDATES;
    let mut by_window: Vec<std::vec::IntoIter<Vec<f64>>> = cutoffs
        .iter()
        .map(|&c| points(&candidates, &y[..c], setup.h, setup.season).into_iter())
        .collect();
    let mut methods: Vec<(Method, f64, Vec<Vec<f64>>)> = candidates
        .into_iter()
        .map(|m| {
            let forecasts: Vec<Vec<f64>> = by_window
                .iter_mut()
                .map(|w| w.next().unwrap_or_else(|| vec![0.0; setup.h]))
                .collect();
            let score = score(y, &cutoffs, &scales, &forecasts, setup.h);
            (m, score, forecasts)
        })
        .collect();
    // Stable: ties keep the order of Method::CANDIDATES.
    methods.sort_by(|a, b| a.1.total_cmp(&b.1));
    Some(Ranked { methods, cutoffs })
}

/// Mean over windows of RMSSE (root mean squared error where the window has no scale).
fn score(y: &[f64], cutoffs: &[usize], scales: &[Scales], forecasts: &[Vec<f64>], h: usize) -> f64 {
    let total: f64 = cutoffs
        .iter()
        .zip(scales)
        .zip(forecasts)
        .map(|((&c, s), f)| {
            let e = Errors::of(&y[c..c + h], f, *s);
            e.rmsse.unwrap_or_else(|| {
                let sq: f64 = y[c..c + h]
                    .iter()
                    .zip(f)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum();
                (sq / h as f64).sqrt()
            })
        })
        .sum();
    total / cutoffs.len() as f64
}

/// How much better than IMAPA (in backtest score) another method must be to be chosen alone:
/// on a few windows the best of ten near-equals is often best by luck.
const GUARD: f64 = 0.05;

/// With one method to choose, IMAPA stays first unless the best beats it by [`GUARD`].
fn guarded(mut ranked: Ranked, combine: usize) -> Ranked {
    if combine > 1 {
        return ranked;
    }
    if let Some(i) = ranked.methods.iter().position(|m| m.0 == Method::Imapa)
        && ranked.methods[0].1 >= ranked.methods[i].1 * (1.0 - GUARD)
    {
        let imapa = ranked.methods.remove(i);
        ranked.methods.insert(0, imapa);
    }
    ranked
}

fn average(forecasts: &[&[f64]], h: usize) -> Vec<f64> {
    let k = forecasts.len().max(1) as f64;
    (0..h)
        .map(|i| forecasts.iter().map(|f| f[i]).sum::<f64>() / k)
        .collect()
}

/// Forecasts `setup.h` periods after `y` with the method (or the average of the best few)
/// that did best on `y`'s own recent windows; alone, a method must beat IMAPA (a robust
/// intermittent default) by 5 % to be chosen over it.
///
/// With too little history for one backtest window (fewer than `h`, a season and 8 periods
/// before it), the fallback is Croston–SBA when anything ever sold, else zero; the
/// intervals then come from the history's own spread around its mean.
pub fn forecast(y: &[f64], setup: &Setup) -> Forecast {
    let h = setup.h;
    let Some(ranked) = rank(y, setup) else {
        let method = if y.iter().any(|&v| v != 0.0) {
            Method::CrostonSba
        } else {
            Method::Zero
        };
        let mean = method.point(y, h, setup.season);
        let m = y.iter().sum::<f64>() / y.len().max(1) as f64;
        let residuals: Vec<f64> = y.iter().map(|v| v - m).collect();
        return with_intervals(
            vec![method],
            mean,
            &residuals,
            None,
            0,
            Some("too little history for a backtest window".to_string()),
        );
    };
    let ranked = guarded(ranked, setup.combine);
    let best = &ranked.methods[..setup.combine.clamp(1, ranked.methods.len())];
    let methods: Vec<Method> = best.iter().map(|b| b.0).collect();
    let fits: Vec<Vec<f64>> = methods
        .iter()
        .map(|m| m.point(y, h, setup.season))
        .collect();
    let mean = average(&fits.iter().map(Vec::as_slice).collect::<Vec<_>>(), h);
    // The combination's own backtest: its residuals give the intervals.
    let mut residuals = Vec::new();
    let mut rmsse = Vec::new();
    let mut mae = 0.0;
    for (w, &c) in ranked.cutoffs.iter().enumerate() {
        let f = average(
            &best.iter().map(|b| b.2[w].as_slice()).collect::<Vec<_>>(),
            h,
        );
        let actual = &y[c..c + h];
        residuals.extend(actual.iter().zip(&f).map(|(a, b)| a - b));
        let e = Errors::of(actual, &f, Scales::of(&y[..c], 1));
        rmsse.extend(e.rmsse);
        mae += e.mae;
    }
    let windows = ranked.cutoffs.len();
    let rmsse = (!rmsse.is_empty()).then(|| rmsse.iter().sum::<f64>() / rmsse.len() as f64);
    let backtest = Some((rmsse, mae / windows as f64));
    with_intervals(methods, mean, &residuals, backtest, windows, None)
}

fn with_intervals(
    methods: Vec<Method>,
    mean: Vec<f64>,
    residuals: &[f64],
    backtest: Option<(Option<f64>, f64)>,
    windows: usize,
    fallback: Option<String>,
) -> Forecast {
    let mean: Vec<f64> = mean.iter().map(|v| v.max(0.0)).collect();
    let mut sorted = residuals.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| quantile(&sorted, p);
    let band = |p: f64, lower: bool| -> Vec<f64> {
        mean.iter()
            .map(|&m| {
                let v = m + q(p);
                if lower { v.min(m).max(0.0) } else { v.max(m) }
            })
            .collect()
    };
    Forecast {
        methods,
        fallback,
        backtest_rmsse: backtest.and_then(|b| b.0),
        backtest_mae: backtest.map(|b| b.1),
        backtest_windows: windows,
        lo80: band(0.10, true),
        hi80: band(0.90, false),
        lo95: band(0.025, true),
        hi95: band(0.975, false),
        mean,
    }
}

/// Linear-interpolated quantile of sorted values; 0 for none.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let x = p * (n - 1) as f64;
            let i = x.floor() as usize;
            let frac = x - i as f64;
            let next = sorted[(i + 1).min(n - 1)];
            sorted[i] + frac * (next - sorted[i])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_hold_the_mean_and_never_go_below_zero() {
        let y: Vec<f64> = (0..120).map(|i| [0.0, 3.0, 0.0, 1.0, 5.0][i % 5]).collect();
        let f = forecast(&y, &Setup::DAILY);
        assert_eq!(f.mean.len(), 28);
        for i in 0..28 {
            assert!(f.lo95[i] >= 0.0 && f.lo95[i] <= f.lo80[i] && f.lo80[i] <= f.mean[i]);
            assert!(f.mean[i] <= f.hi80[i] && f.hi80[i] <= f.hi95[i]);
        }
        assert_eq!(f.methods.len(), 1);
        assert_eq!(f.backtest_windows, 12);
        assert!(f.fallback.is_none());
    }

    #[test]
    fn a_short_history_gets_the_documented_fallback() {
        let f = forecast(&[0.0, 2.0, 0.0, 1.0], &Setup::DAILY);
        assert_eq!(f.methods, vec![Method::CrostonSba]);
        assert!(f.fallback.is_some());
        let f = forecast(&[0.0; 5], &Setup::DAILY);
        assert_eq!(f.methods, vec![Method::Zero]);
        assert!(f.mean.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn the_choice_is_deterministic() {
        let y: Vec<f64> = (0..200u64).map(|i| ((i * 7919) % 13 % 4) as f64).collect();
        assert_eq!(forecast(&y, &Setup::DAILY), forecast(&y, &Setup::DAILY));
    }
}
