//! The backtest of every method and of the per-series choice over many series: what
//! `khaacho forecast-eval` prints.

use std::collections::BTreeMap;

use serde::Serialize;

use super::backtest::{Errors, Means, Scales, Summary, Windows};
use super::choose::{self, Setup};
use super::methods::Method;

/// How the evaluation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    pub windows: Windows,
    pub season: usize,
    /// Lag of the in-sample seasonal naive that scales MASE.
    pub mase_lag: usize,
    /// Train each window from the series' first sale on.
    pub drop_leading_zeros: bool,
    /// How many of the best methods the choice averages.
    pub combine: usize,
}

/// The figures printed as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub series: usize,
    pub windows: usize,
    pub methods: BTreeMap<&'static str, Summary>,
    pub choice: Summary,
    /// Windows in RMSSE's mean (those whose training data had a non-zero scale).
    pub scored_windows: usize,
    /// How often each method was among those the choice averaged.
    pub chosen: BTreeMap<&'static str, usize>,
    /// Share of the actual values inside the choice's 80 % and 95 % intervals.
    pub coverage_80: Option<f64>,
    pub coverage_95: Option<f64>,
    pub seconds: f64,
}

#[derive(Default)]
struct Tally {
    methods: BTreeMap<Method, Means>,
    choice: Means,
    chosen: BTreeMap<Method, usize>,
    inside_80: usize,
    inside_95: usize,
    points: usize,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        for (m, means) in o.methods {
            self.methods.entry(m).or_default().merge(&means);
        }
        self.choice.merge(&o.choice);
        for (m, n) in o.chosen {
            *self.chosen.entry(m).or_default() += n;
        }
        self.inside_80 += o.inside_80;
        self.inside_95 += o.inside_95;
        self.points += o.points;
    }
}

/// Backtests every method and the choice on each series, on up to two threads.
pub fn evaluate(series: &[Vec<f64>], opts: &EvalOptions) -> Report {
    let started = std::time::Instant::now();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = series.len().div_ceil(threads).max(1);
    let tally = std::thread::scope(|s| {
        let handles: Vec<_> = series
            .chunks(chunk)
            .map(|part| s.spawn(move || evaluate_part(part, opts)))
            .collect();
        let mut total = Tally::default();
        for h in handles {
            total.merge(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        total
    });
    let share = |n: usize| (tally.points > 0).then(|| n as f64 / tally.points as f64);
    Report {
        series: series.len(),
        windows: opts.windows.count,
        methods: tally
            .methods
            .iter()
            .map(|(m, means)| (m.name(), means.summary()))
            .collect(),
        choice: tally.choice.summary(),
        scored_windows: tally.choice.rmsse_windows(),
        chosen: tally.chosen.iter().map(|(m, n)| (m.name(), *n)).collect(),
        coverage_80: share(tally.inside_80),
        coverage_95: share(tally.inside_95),
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn evaluate_part(series: &[Vec<f64>], opts: &EvalOptions) -> Tally {
    let mut tally = Tally::default();
    let w = opts.windows;
    let setup = Setup::for_horizon(w.h, opts.season, opts.combine);
    for y in series {
        for cutoff in w.cutoffs(y.len(), 1) {
            let mut train = &y[..cutoff];
            if opts.drop_leading_zeros {
                let first = train.iter().position(|&v| v != 0.0).unwrap_or(train.len());
                train = &train[first..];
            }
            let actual = &y[cutoff..cutoff + w.h];
            let scales = Scales::of(train, opts.mase_lag);
            for m in Method::ALL {
                let f = m.point(train, w.h, opts.season);
                tally
                    .methods
                    .entry(m)
                    .or_default()
                    .add(Errors::of(actual, &f, scales));
            }
            let chosen = choose::forecast(train, &setup);
            tally.choice.add(Errors::of(actual, &chosen.mean, scales));
            for m in &chosen.methods {
                *tally.chosen.entry(*m).or_default() += 1;
            }
            for (i, a) in actual.iter().enumerate() {
                tally.points += 1;
                tally.inside_80 += usize::from(chosen.lo80[i] <= *a && *a <= chosen.hi80[i]);
                tally.inside_95 += usize::from(chosen.lo95[i] <= *a && *a <= chosen.hi95[i]);
            }
        }
    }
    tally
}
