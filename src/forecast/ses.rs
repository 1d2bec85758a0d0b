//! Simple exponential smoothing and the pieces the intermittent methods build on: the
//! one-step forecast, its squared error, the golden-section search for the smoothing weight,
//! and temporal aggregation into non-overlapping buckets counted back from the last day.
//!
//! These follow statsforecast 2.1.1's definitions step for step (the level starts at the
//! first value; the search stops when the bracket is narrower than 1e-12 or both probes tie),
//! so that the fixtures generated from it are met to rounding.

/// The one-step-ahead forecast after smoothing `x` with weight `alpha`. `x` is not empty.
pub fn forecast(x: &[f64], alpha: f64) -> f64 {
    let Some((&first, rest)) = x.split_first() else {
        return 0.0;
    };
    let mut level = first;
    let mut last = first;
    for &v in rest {
        level = alpha * last + (1.0 - alpha) * level;
        last = v;
    }
    alpha * last + (1.0 - alpha) * level
}

/// Sum of squared one-step errors of smoothing `x` with `alpha`.
pub fn sse(x: &[f64], alpha: f64) -> f64 {
    let Some(&first) = x.first() else {
        return 0.0;
    };
    let mut level = first;
    let mut total = 0.0;
    for w in x.windows(2) {
        level = alpha * w[0] + (1.0 - alpha) * level;
        let e = w[1] - level;
        total += e * e;
    }
    total
}

/// Minimises `f` over `[lower, upper]` by golden-section search, to a bracket of 1e-12.
pub fn golden(lower: f64, upper: f64, f: impl Fn(f64) -> f64) -> f64 {
    golden_to(lower, upper, 1e-12, f)
}

/// Minimises `f` over `[lower, upper]` until the bracket is narrower than `tolerance`.
pub fn golden_to(lower: f64, upper: f64, tolerance: f64, f: impl Fn(f64) -> f64) -> f64 {
    let ratio = (5f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = (lower, upper);
    let mut c = b - (b - a) / ratio;
    let mut d = a + (b - a) / ratio;
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() >= tolerance {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / ratio;
            fc = f(c);
        } else if fd < fc {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / ratio;
            fd = f(d);
        } else {
            break;
        }
    }
    (a + b) / 2.0
}

/// The forecast with the weight in `[lower, upper]` that fits `x` best (searched to 1e-8:
/// the squared error is flat at its minimum, so a finer search changes the forecast by less
/// than a millionth).
pub fn optimized(x: &[f64], lower: f64, upper: f64) -> f64 {
    let alpha = golden_to(lower, upper, 1e-8, |a| sse(x, a));
    forecast(x, alpha)
}

/// Sums of consecutive buckets of `level` values, the incomplete bucket at the start dropped.
pub fn bucket_sums(y: &[f64], level: usize) -> Vec<f64> {
    let level = level.max(1);
    y[y.len() % level..]
        .chunks_exact(level)
        .map(|c| c.iter().sum())
        .collect()
}

/// ADIDA's forecast of one bucket's total: smoothing over the bucket sums (weight searched in
/// 0.1..0.3), the last value when not even one bucket is complete, the only sum when one is.
pub fn bucket_forecast(y: &[f64], level: usize) -> f64 {
    let sums = bucket_sums(y, level);
    match sums.as_slice() {
        [] => y.last().copied().unwrap_or(0.0),
        [only] => *only,
        _ => optimized(&sums, 0.1, 0.3),
    }
}

/// Days between sales: for each sale, how many periods since the previous one (the first
/// counted from just before the series starts).
pub fn intervals(y: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    let mut previous = 0usize;
    for (i, &v) in y.iter().enumerate() {
        if v != 0.0 {
            out.push((i + 1 - previous) as f64);
            previous = i + 1;
        }
    }
    out
}

/// The sizes of the sales, zeros left out.
pub fn demands(y: &[f64]) -> Vec<f64> {
    y.iter().copied().filter(|&v| v > 0.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_starts_at_the_first_value() {
        assert_eq!(forecast(&[4.0], 0.5), 4.0);
        // level: 2, then 0.5*2+0.5*2 = 2, forecast 0.5*4 + 0.5*2 = 3
        assert_eq!(forecast(&[2.0, 4.0], 0.5), 3.0);
        assert_eq!(sse(&[2.0, 4.0], 0.5), 4.0);
    }

    #[test]
    fn intervals_count_from_before_the_start() {
        assert_eq!(intervals(&[0.0, 3.0, 0.0, 0.0, 1.0]), vec![2.0, 3.0]);
        assert_eq!(demands(&[0.0, 3.0, 0.0, 1.0]), vec![3.0, 1.0]);
    }

    #[test]
    fn buckets_drop_the_incomplete_one_at_the_start() {
        assert_eq!(bucket_sums(&[1.0, 2.0, 3.0, 4.0, 5.0], 2), vec![5.0, 9.0]);
        assert_eq!(bucket_forecast(&[1.0, 2.0], 3), 2.0);
        assert_eq!(bucket_forecast(&[1.0, 2.0, 3.0], 2), 5.0);
    }

    #[test]
    fn the_search_finds_a_minimum_inside_the_bounds() {
        let a = golden(0.0, 1.0, |x| (x - 0.3) * (x - 0.3));
        assert!((a - 0.3).abs() < 1e-6);
    }
}
