//! Routing configuration: factor weights, thresholds and curve constants with their defaults.
//!
//! Owns the documented defaults, the start-up validation (`validate`) and the clamping that
//! lets routing run safely on any value (`sanitized`). It never decides anything itself.

use serde::{Deserialize, Serialize};

/// Relative weights of the five factors. Only ratios matter: the score is the weighted mean of
/// the factors scaled to 0..=100. The defaults (30/20/20/15/15) put having the goods first,
/// then price and nearness (delivery cost and time), then how busy and how dependable.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub availability: u32,
    pub price: u32,
    pub proximity: u32,
    pub workload: u32,
    pub reliability: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            availability: 30,
            price: 20,
            proximity: 20,
            workload: 15,
            reliability: 15,
        }
    }
}

impl Weights {
    /// The sum of the weights; wide enough that it cannot overflow.
    pub fn total(&self) -> u64 {
        [
            self.availability,
            self.price,
            self.proximity,
            self.workload,
            self.reliability,
        ]
        .iter()
        .map(|&w| u64::from(w))
        .sum()
    }
}

/// Everything routing can be tuned by. `Config::default()` is the documented default.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub weights: Weights,
    /// A vendor is eligible only at or above this score (0..=100). Default 20: with default
    /// weights the cheapest vendor able to fill the order always scores at least 35, so this
    /// never leaves an order unrouted; it only keeps hopeless vendors out of the re-route chain.
    pub min_score: f64,
    /// Vendors with at least `cold_start_orders` answered offers and a reliability below this
    /// (0..=1) are ineligible. Default 0.3, about a vendor that accepts only a third of orders.
    pub min_reliability: f64,
    /// Stock at or above `stock_headroom × quantity` earns full availability for a line.
    /// Default 1.2; must be at least 1.
    pub stock_headroom: f64,
    /// Availability of a line whose stock just covers the quantity (0..=1). Default 0.5; it
    /// rises linearly to 1 at the headroom.
    pub bare_stock_availability: f64,
    /// Price gap to the cheapest (as a fraction) at which the price factor reaches 0.
    /// Default 0.25: 5 % dearer scores 0.8, 25 % dearer or more scores 0.
    pub price_gap_at_zero: f64,
    /// Proximity when the vendor is in the retailer's province but not its district (0..=1).
    /// Default 0.5; same district is 1 and another province 0.
    pub same_province_proximity: f64,
    /// Open orders at which the workload factor is one half: `half / (half + open)`.
    /// Default 10.
    pub workload_half_orders: u32,
    /// Answered offers needed before a vendor's history is fully trusted; below that its
    /// reliability is blended linearly toward `reliability_prior`. Default 10.
    pub cold_start_orders: u32,
    /// Reliability of a vendor with no history (0..=1). Default 0.55, about a vendor that
    /// accepts 4 orders in 5, cancels 1 in 20, accepts in 30 min and delivers in a day (0.57):
    /// a middling vendor, never zero and below any proven good one (≈ 0.75 and up).
    pub reliability_prior: f64,
    /// Average time to accept, in seconds, at which the speed component is one half. Default
    /// 1800 (30 min).
    pub accept_secs_half: u64,
    /// Average accept → delivered time, in seconds, at which the fulfilment component is one
    /// half. Default 86 400 (one day).
    pub fulfil_secs_half: u64,
    /// Carts with up to this many distinct products are split by an exact minimum set cover;
    /// larger ones greedily. Default 12, at most 16 (the exact search is over 2^n line sets).
    pub exact_split_max_lines: usize,
}

/// The largest cart the exact split accepts, whatever the configuration says.
pub const EXACT_SPLIT_LIMIT: usize = 16;

impl Default for Config {
    fn default() -> Self {
        Config {
            weights: Weights::default(),
            min_score: 20.0,
            min_reliability: 0.3,
            stock_headroom: 1.2,
            bare_stock_availability: 0.5,
            price_gap_at_zero: 0.25,
            same_province_proximity: 0.5,
            workload_half_orders: 10,
            cold_start_orders: 10,
            reliability_prior: 0.55,
            accept_secs_half: 1800,
            fulfil_secs_half: 86_400,
            exact_split_max_lines: 12,
        }
    }
}

/// A configuration value outside what routing accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("routing.{field} must be between {min} and {max}, got {value}")]
    OutOfRange {
        field: &'static str,
        min: f64,
        max: f64,
        value: f64,
    },
    #[error("routing.weights must not all be zero")]
    ZeroWeights,
}

/// The float settings with their accepted ranges, for validation and clamping alike.
fn ranges(c: &Config) -> [(&'static str, f64, f64, f64); 7] {
    [
        ("min_score", c.min_score, 0.0, 100.0),
        ("min_reliability", c.min_reliability, 0.0, 1.0),
        ("stock_headroom", c.stock_headroom, 1.0, 100.0),
        (
            "bare_stock_availability",
            c.bare_stock_availability,
            0.0,
            1.0,
        ),
        ("price_gap_at_zero", c.price_gap_at_zero, 0.001, 100.0),
        (
            "same_province_proximity",
            c.same_province_proximity,
            0.0,
            1.0,
        ),
        ("reliability_prior", c.reliability_prior, 0.0, 1.0),
    ]
}

impl Config {
    /// Checks every value; the config loader calls this at start-up so a bad file is refused
    /// with a message rather than routed on silently.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let counts = [
            (
                "workload_half_orders",
                f64::from(self.workload_half_orders),
                1.0,
                f64::from(u32::MAX),
            ),
            (
                "accept_secs_half",
                self.accept_secs_half as f64,
                1.0,
                u64::MAX as f64,
            ),
            (
                "fulfil_secs_half",
                self.fulfil_secs_half as f64,
                1.0,
                u64::MAX as f64,
            ),
            (
                "exact_split_max_lines",
                self.exact_split_max_lines as f64,
                0.0,
                EXACT_SPLIT_LIMIT as f64,
            ),
        ];
        for (field, value, min, max) in ranges(self).into_iter().chain(counts) {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::OutOfRange {
                    field,
                    min,
                    max,
                    value,
                });
            }
        }
        if self.weights.total() == 0 {
            return Err(ConfigError::ZeroWeights);
        }
        Ok(())
    }

    /// A copy with every value forced into range (NaN becomes the default), so routing never
    /// divides by zero or compares NaN whatever it was given. All weights zero stay zero: every
    /// vendor then scores 0 and the lower vendor id wins.
    pub fn sanitized(&self) -> Config {
        let d = Config::default();
        let fix = |v: f64, dflt: f64, lo: f64, hi: f64| {
            if v.is_nan() { dflt } else { v.clamp(lo, hi) }
        };
        let [s, r, h, b, g, p, prior] = ranges(self);
        let [ds, dr, dh, db, dg, dp, dprior] = ranges(&d);
        Config {
            weights: self.weights,
            min_score: fix(s.1, ds.1, s.2, s.3),
            min_reliability: fix(r.1, dr.1, r.2, r.3),
            stock_headroom: fix(h.1, dh.1, h.2, h.3),
            bare_stock_availability: fix(b.1, db.1, b.2, b.3),
            price_gap_at_zero: fix(g.1, dg.1, g.2, g.3),
            same_province_proximity: fix(p.1, dp.1, p.2, p.3),
            reliability_prior: fix(prior.1, dprior.1, prior.2, prior.3),
            workload_half_orders: self.workload_half_orders.max(1),
            accept_secs_half: self.accept_secs_half.max(1),
            fulfil_secs_half: self.fulfil_secs_half.max(1),
            cold_start_orders: self.cold_start_orders,
            exact_split_max_lines: self.exact_split_max_lines.min(EXACT_SPLIT_LIMIT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_documented_ones_and_valid() {
        let c = Config::default();
        assert_eq!(c.weights.total(), 100);
        assert_eq!(c.weights.availability, 30);
        assert_eq!(c.exact_split_max_lines, 12);
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.sanitized(), c);
    }

    #[test]
    fn a_headroom_below_one_is_refused_and_clamped() {
        let c = Config {
            stock_headroom: 0.5,
            ..Config::default()
        };
        assert!(matches!(
            c.validate(),
            Err(ConfigError::OutOfRange {
                field: "stock_headroom",
                ..
            })
        ));
        assert_eq!(c.sanitized().stock_headroom, 1.0);
    }

    #[test]
    fn nan_settings_fall_back_to_the_defaults() {
        let c = Config {
            min_score: f64::NAN,
            reliability_prior: f64::NAN,
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let s = c.sanitized();
        assert_eq!(s.min_score, 20.0);
        assert_eq!(s.reliability_prior, 0.55);
    }

    #[test]
    fn all_zero_weights_are_refused() {
        let c = Config {
            weights: Weights {
                availability: 0,
                price: 0,
                proximity: 0,
                workload: 0,
                reliability: 0,
            },
            ..Config::default()
        };
        assert_eq!(c.validate(), Err(ConfigError::ZeroWeights));
    }

    #[test]
    fn an_oversized_exact_split_bound_is_refused_and_capped() {
        let c = Config {
            exact_split_max_lines: 40,
            ..Config::default()
        };
        assert!(c.validate().is_err());
        assert_eq!(c.sanitized().exact_split_max_lines, EXACT_SPLIT_LIMIT);
    }
}
