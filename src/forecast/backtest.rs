//! Rolling-origin backtests and the error measures, with statsforecast's `cross_validation`
//! meaning of `h`, `step_size` and `n_windows`: the last window ends where the series ends,
//! each earlier one `step` periods before, and every window is forecast from only what came
//! before it.

use serde::Serialize;

/// Where the backtest windows sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// Periods forecast in each window.
    pub h: usize,
    /// Periods between the starts of consecutive windows.
    pub step: usize,
    /// How many windows.
    pub count: usize,
}

impl Windows {
    /// The training lengths of the windows that fit in a series of `len` with at least
    /// `min_train` periods to learn from, oldest first.
    pub fn cutoffs(&self, len: usize, min_train: usize) -> Vec<usize> {
        (0..self.count)
            .filter_map(|i| {
                let back = self.h + (self.count - 1 - i) * self.step;
                len.checked_sub(back).filter(|&c| c >= min_train.max(1))
            })
            .collect()
    }
}

/// What a window's errors are divided by, from its training data only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    /// Mean absolute difference at `lag` over the training data (MASE's denominator).
    pub mase: Option<f64>,
    /// Mean squared one-step difference from the first sale on (RMSSE's, as in M5).
    pub rmsse: Option<f64>,
}

impl Scales {
    /// The scales of `train`; a scale that is zero or has no differences is None (the window
    /// is left out of that measure's mean).
    pub fn of(train: &[f64], mase_lag: usize) -> Scales {
        let lag = mase_lag.max(1);
        let mase = mean(
            train
                .iter()
                .zip(train.iter().skip(lag))
                .map(|(a, b)| (b - a).abs()),
        );
        let from = train.iter().position(|&v| v != 0.0).unwrap_or(train.len());
        let rmsse = mean(train[from..].windows(2).map(|w| (w[1] - w[0]).powi(2)));
        Scales {
            mase: mase.filter(|&s| s > 0.0),
            rmsse: rmsse.filter(|&s| s > 0.0),
        }
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// One window's errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Errors {
    pub mae: f64,
    pub mase: Option<f64>,
    pub rmsse: Option<f64>,
}

impl Errors {
    /// The errors of `forecast` against `actual` (the same length, not empty).
    pub fn of(actual: &[f64], forecast: &[f64], scales: Scales) -> Errors {
        let n = actual.len().max(1) as f64;
        let abs: f64 = actual
            .iter()
            .zip(forecast)
            .map(|(a, f)| (a - f).abs())
            .sum();
        let sq: f64 = actual
            .iter()
            .zip(forecast)
            .map(|(a, f)| (a - f).powi(2))
            .sum();
        let mae = abs / n;
        Errors {
            mae,
            mase: scales.mase.map(|s| mae / s),
            rmsse: scales.rmsse.map(|s| (sq / n / s).sqrt()),
        }
    }
}

/// Means of errors over windows (and series); a measure's windows without a scale are left out.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Means {
    mae: (f64, usize),
    mase: (f64, usize),
    rmsse: (f64, usize),
}

/// The means as printed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub mase: Option<f64>,
    pub rmsse: Option<f64>,
    pub mae: Option<f64>,
}

impl Means {
    pub fn add(&mut self, e: Errors) {
        fn put(slot: &mut (f64, usize), v: Option<f64>) {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                slot.0 += v;
                slot.1 += 1;
            }
        }
        put(&mut self.mae, Some(e.mae));
        put(&mut self.mase, e.mase);
        put(&mut self.rmsse, e.rmsse);
    }

    pub fn merge(&mut self, o: &Means) {
        for (a, b) in [
            (&mut self.mae, o.mae),
            (&mut self.mase, o.mase),
            (&mut self.rmsse, o.rmsse),
        ] {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    pub fn summary(&self) -> Summary {
        let m = |(s, n): (f64, usize)| (n > 0).then(|| s / n as f64);
        Summary {
            mase: m(self.mase),
            rmsse: m(self.rmsse),
            mae: m(self.mae),
        }
    }

    /// Windows counted in RMSSE's mean.
    pub fn rmsse_windows(&self) -> usize {
        self.rmsse.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_end_at_the_series_end() {
        let w = Windows {
            h: 6,
            step: 6,
            count: 2,
        };
        assert_eq!(w.cutoffs(51, 1), vec![39, 45]);
        let w = Windows {
            h: 28,
            step: 1,
            count: 3,
        };
        assert_eq!(w.cutoffs(100, 1), vec![70, 71, 72]);
        assert_eq!(w.cutoffs(100, 71), vec![71, 72]);
    }

    #[test]
    fn rmsse_is_scaled_from_the_first_sale() {
        let s = Scales::of(&[0.0, 0.0, 2.0, 0.0, 2.0], 1);
        // differences from the first sale: -2, 2 → mean square 4
        assert_eq!(s.rmsse, Some(4.0));
        // all absolute differences: 0, 2, 2, 2 → 1.5
        assert_eq!(s.mase, Some(1.5));
        let e = Errors::of(&[2.0, 2.0], &[0.0, 0.0], s);
        assert_eq!(e.rmsse, Some(1.0));
        assert_eq!(Scales::of(&[0.0, 0.0, 0.0], 1).rmsse, None);
    }
}
