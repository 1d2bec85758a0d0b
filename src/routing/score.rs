//! The five routing factors, each a pure function onto 0..=1, and their weighted score.
//!
//! Owns the formulas (NOTES.md gives the reasoning and the defaults). It never decides
//! eligibility or ranks vendors, and never sees money as a float: price gaps arrive as
//! integer paisa totals and only their ratio becomes a float.

use super::demand::{Fill, Item};
use super::{Config, Factors, Place, Vendor, VendorStats, Weights};

/// Availability of one product: 0 when the vendor cannot fill it, `bare_stock_availability`
/// when its stock just covers the quantity, rising linearly to 1 at `stock_headroom ×
/// quantity`. Headroom matters because stock figures lag: a vendor with nothing to spare is
/// the one most likely to reject for "out of stock".
pub(crate) fn item_availability(fill: &Fill, quantity: u64, cfg: &Config) -> f64 {
    let Fill::Filled { stock, .. } = *fill else {
        return 0.0;
    };
    let need = quantity as f64;
    let have = stock as f64;
    let full = cfg.stock_headroom * need;
    if have >= full || full <= need {
        return 1.0;
    }
    let bare = cfg.bare_stock_availability;
    (bare + (1.0 - bare) * (have - need) / (full - need)).clamp(0.0, 1.0)
}

/// Mean availability over the chosen items; 0 for none.
pub(crate) fn availability(fills: &[Fill], items: &[Item], chosen: &[usize], cfg: &Config) -> f64 {
    let sum: f64 = chosen
        .iter()
        .filter_map(|&i| {
            Some(item_availability(
                fills.get(i)?,
                items.get(i)?.quantity,
                cfg,
            ))
        })
        .sum();
    if chosen.is_empty() {
        0.0
    } else {
        sum / chosen.len() as f64
    }
}

/// Price factor of a vendor's total against the reference (cheapest) total for the same
/// items: 1 at or below the reference, falling linearly to 0 at `price_gap_at_zero` dearer.
/// Relative on purpose: a one-line order is still compared, and a lone vendor is never
/// penalised because its total is the reference.
pub(crate) fn price(total: i128, reference: i128, cfg: &Config) -> f64 {
    if total <= reference {
        return 1.0;
    }
    if reference <= 0 {
        return 0.0;
    }
    let gap = (total - reference) as f64 / reference as f64;
    (1.0 - gap / cfg.price_gap_at_zero).clamp(0.0, 1.0)
}

/// How near a vendor is to the retailer, coarsest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nearness {
    District,
    Province,
    Far,
}

fn same_place(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

pub(crate) fn nearness(vendor: &Vendor, retailer: &Place) -> Nearness {
    if same_place(&vendor.district, &retailer.district) {
        Nearness::District
    } else if same_place(&vendor.province, &retailer.province) {
        Nearness::Province
    } else {
        Nearness::Far
    }
}

/// 1 in the same district, `same_province_proximity` in the same province, else 0: delivery
/// from the next district over is routine, across a province boundary it is days.
pub(crate) fn proximity(n: Nearness, cfg: &Config) -> f64 {
    match n {
        Nearness::District => 1.0,
        Nearness::Province => cfg.same_province_proximity,
        Nearness::Far => 0.0,
    }
}

/// `half / (half + x)`: 1 at 0, one half at `half`, never 0. Used for waits and workload,
/// where every extra unit hurts a little less than the one before.
fn saturating(x: f64, half: f64) -> f64 {
    if half <= 0.0 {
        return 0.0;
    }
    (half / (half + x.max(0.0))).clamp(0.0, 1.0)
}

/// Workload from open orders on a saturating curve rather than relative to the other vendors,
/// so a vendor's factor does not change with who else happens to be in the pool.
pub(crate) fn workload(open_orders: u32, cfg: &Config) -> f64 {
    saturating(f64::from(open_orders), f64::from(cfg.workload_half_orders))
}

/// A vendor's reliability and whether its history is long enough to be trusted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Reliability {
    pub value: f64,
    pub trusted: bool,
}

/// Reliability observed from history: acceptance rate × share of accepted orders not cancelled
/// × timeliness. It is a product because an order must be accepted *and* kept to go well;
/// timeliness (0.5..=1, half accept speed, half delivery speed) only scales it, since a slow
/// order still arrives. Speeds use the saturating curve; a speed with no data counts as
/// one half.
fn observed(s: &VendorStats, cfg: &Config) -> f64 {
    let accepted = u64::from(s.accepted);
    let answered = accepted + u64::from(s.rejected) + u64::from(s.expired);
    if answered == 0 {
        return cfg.reliability_prior;
    }
    let acceptance = accepted as f64 / answered as f64;
    let average = |total: u64, n: u32| (n > 0).then(|| total as f64 / f64::from(n));
    let speed = average(s.total_accept_secs, s.accepted)
        .map_or(0.5, |secs| saturating(secs, cfg.accept_secs_half as f64));
    let delivery = average(s.total_fulfil_secs, s.delivered)
        .map_or(0.5, |secs| saturating(secs, cfg.fulfil_secs_half as f64));
    let kept = if accepted == 0 {
        1.0
    } else {
        1.0 - (f64::from(s.cancelled_after_accept) / accepted as f64).min(1.0)
    };
    (acceptance * kept * (0.5 + 0.25 * speed + 0.25 * delivery)).clamp(0.0, 1.0)
}

/// Observed reliability blended linearly with `reliability_prior` until the vendor has
/// `cold_start_orders` answered offers: a new vendor scores like a middling one (not zero,
/// not better than a proven good one), and a few early rejects do not sink it for good.
pub(crate) fn reliability(s: &VendorStats, cfg: &Config) -> Reliability {
    let answered = u64::from(s.accepted) + u64::from(s.rejected) + u64::from(s.expired);
    let needed = u64::from(cfg.cold_start_orders);
    let trust = if answered >= needed {
        1.0
    } else {
        answered as f64 / needed as f64
    };
    let value = trust * observed(s, cfg) + (1.0 - trust) * cfg.reliability_prior;
    Reliability {
        value: value.clamp(0.0, 1.0),
        trusted: answered >= needed,
    }
}

/// The weighted mean of the factors on 0..=100; 0 when every weight is 0.
pub(crate) fn weighted(f: &Factors, w: &Weights) -> f64 {
    let total = w.total();
    if total == 0 {
        return 0.0;
    }
    let sum = f.availability * f64::from(w.availability)
        + f.price * f64::from(w.price)
        + f.proximity * f64::from(w.proximity)
        + f.workload * f64::from(w.workload)
        + f.reliability * f64::from(w.reliability);
    (100.0 * sum / total as f64).clamp(0.0, 100.0)
}

/// Rounds to `places` decimals for storage and display; non-finite values become 0.
pub(crate) fn round(x: f64, places: i32) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    let k = 10f64.powi(places);
    (x * k).round() / k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(stock: i64) -> Fill {
        Fill::Filled {
            listing_id: 1,
            price_paisa: 100,
            stock,
        }
    }

    #[test]
    fn stock_with_headroom_is_full_availability_and_just_enough_is_half() {
        let cfg = Config::default();
        assert_eq!(item_availability(&filled(12), 10, &cfg), 1.0);
        assert_eq!(item_availability(&filled(500), 10, &cfg), 1.0);
        assert_eq!(item_availability(&filled(10), 10, &cfg), 0.5);
        let mid = item_availability(&filled(11), 10, &cfg);
        assert!((mid - 0.75).abs() < 1e-9, "{mid}");
        assert_eq!(item_availability(&Fill::Short { stock: 9 }, 10, &cfg), 0.0);
    }

    #[test]
    fn the_cheapest_total_scores_one_and_a_quarter_dearer_scores_zero() {
        let cfg = Config::default();
        assert_eq!(price(10_000, 10_000, &cfg), 1.0);
        assert!((price(10_500, 10_000, &cfg) - 0.8).abs() < 1e-9);
        assert_eq!(price(12_500, 10_000, &cfg), 0.0);
        assert_eq!(price(99_000, 10_000, &cfg), 0.0);
        assert_eq!(price(1, 0, &cfg), 0.0);
        assert_eq!(price(0, 0, &cfg), 1.0);
    }

    #[test]
    fn proximity_is_district_then_province_and_ignores_case_and_blanks() {
        let cfg = Config::default();
        let v = |d: &str, p: &str| Vendor {
            district: d.into(),
            province: p.into(),
            ..Vendor::default()
        };
        let here = Place {
            district: "Kaski".into(),
            province: "Gandaki".into(),
        };
        assert_eq!(
            nearness(&v(" kaski ", "Gandaki"), &here),
            Nearness::District
        );
        assert_eq!(
            nearness(&v("Tanahun", "GANDAKI"), &here),
            Nearness::Province
        );
        assert_eq!(nearness(&v("Jhapa", "Koshi"), &here), Nearness::Far);
        let nowhere = Place::default();
        assert_eq!(nearness(&v("", ""), &nowhere), Nearness::Far);
        assert_eq!(proximity(Nearness::Province, &cfg), 0.5);
    }

    #[test]
    fn workload_halves_at_the_configured_open_orders() {
        let cfg = Config::default();
        assert_eq!(workload(0, &cfg), 1.0);
        assert_eq!(workload(10, &cfg), 0.5);
        assert!(workload(u32::MAX, &cfg) > 0.0);
    }

    #[test]
    fn a_vendor_with_no_history_gets_the_prior() {
        let cfg = Config::default();
        let r = reliability(&VendorStats::default(), &cfg);
        assert_eq!(r.value, cfg.reliability_prior);
        assert!(!r.trusted);
    }

    fn history(accepted: u32, rejected: u32, cancelled: u32, accept_min: u64) -> VendorStats {
        VendorStats {
            offered: accepted + rejected,
            accepted,
            rejected,
            expired: 0,
            cancelled_after_accept: cancelled,
            delivered: accepted - cancelled,
            total_accept_secs: u64::from(accepted) * accept_min * 60,
            total_fulfil_secs: u64::from(accepted - cancelled) * 8 * 3600,
        }
    }

    #[test]
    fn a_proven_good_vendor_beats_the_prior_and_a_proven_bad_one_falls_below_it() {
        let cfg = Config::default();
        let good = reliability(&history(48, 2, 1, 10), &cfg);
        let bad = reliability(&history(10, 30, 4, 50), &cfg);
        assert!(good.trusted && bad.trusted);
        assert!(good.value > 0.8, "{good:?}");
        assert!(bad.value < cfg.min_reliability, "{bad:?}");
    }

    #[test]
    fn early_rejects_only_pull_a_new_vendor_part_way_down() {
        let cfg = Config::default();
        let r = reliability(&history(0, 2, 0, 0), &cfg);
        assert!(!r.trusted);
        assert!(
            (r.value - 0.8 * cfg.reliability_prior).abs() < 1e-9,
            "{r:?}"
        );
    }

    #[test]
    fn the_score_is_the_weighted_mean_on_a_hundred_point_scale() {
        let all = |x| Factors {
            availability: x,
            price: x,
            proximity: x,
            workload: x,
            reliability: x,
        };
        let w = Weights::default();
        assert!((weighted(&all(1.0), &w) - 100.0).abs() < 1e-9);
        assert!((weighted(&all(0.5), &w) - 50.0).abs() < 1e-9);
        let zero = Weights {
            availability: 0,
            price: 0,
            proximity: 0,
            workload: 0,
            reliability: 0,
        };
        assert_eq!(weighted(&all(1.0), &zero), 0.0);
    }
}
