//! The one-line reasons people read: why a vendor was chosen, ranked lower, or left out.
//!
//! Owns every sentence routing produces and the integer formatting of percentages and waits
//! in them. It never computes a score or makes a choice; it only describes facts handed in.

use std::borrow::Cow;

use super::demand::Fill;
use super::score::Nearness;
use super::{Vendor, VendorStats};

/// How a vendor's total compares with the other vendors able to fill the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PriceFact {
    /// The only vendor that can fill every line: nothing to compare with.
    Lone,
    /// Strictly cheapest; the gap (basis points) to the next cheapest.
    Cheapest {
        next_gap_bps: i128,
    },
    TiedCheapest,
    /// The gap (basis points) above the cheapest.
    Dearer {
        gap_bps: i128,
    },
}

/// Why a vendor may not take the order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Block {
    Inactive,
    Excluded,
    Taken,
    /// The first few things missing, and how many more there are.
    Missing {
        shown: Vec<String>,
        more: usize,
    },
    Unreliable {
        value: f64,
        min: f64,
    },
    LowScore {
        score: f64,
        min: f64,
    },
}

/// The facts about an able vendor that a reason names.
pub(crate) struct Facts<'a> {
    pub items: usize,
    pub tight: usize,
    pub price: Option<PriceFact>,
    pub nearness: Nearness,
    pub open_orders: u32,
    pub stats: &'a VendorStats,
    pub trusted: bool,
}

pub(crate) fn vendor_name(v: &Vendor) -> Cow<'_, str> {
    let name = v.name.trim();
    if name.is_empty() {
        Cow::Owned(format!("vendor #{}", v.vendor_id))
    } else {
        Cow::Borrowed(name)
    }
}

/// `gap / base` in basis points, 0 when there is no base to compare with.
pub(crate) fn gap_bps(higher: i128, lower: i128, base: i128) -> i128 {
    if base <= 0 {
        return 0;
    }
    (higher.saturating_sub(lower).max(0)).saturating_mul(10_000) / base
}

/// Basis points as a whole percentage for people: "4 %", or "under 1 %" for a real gap that
/// rounds to nothing (a gap is never shown as "0 % cheaper").
pub(crate) fn percent(bps: i128) -> String {
    let whole = (bps.max(0) + 50) / 100;
    if whole == 0 {
        "under 1 %".to_string()
    } else {
        format!("{whole} %")
    }
}

/// A wait for people: "under a minute", "12 min", "5 h", "3 days".
pub(crate) fn duration(secs: u64) -> String {
    let minutes = secs.saturating_add(30) / 60;
    match minutes {
        0 => "under a minute".to_string(),
        1..=89 => format!("{minutes} min"),
        90..=2879 => format!("{} h", (minutes + 30) / 60),
        _ => format!("{} days", (minutes + 720) / 1440),
    }
}

/// What a vendor lacks for one product.
pub(crate) fn missing(fill: Fill, name: &str, quantity: u64) -> String {
    match fill {
        Fill::Filled { .. } => format!("{name} available"),
        Fill::Short { stock } if stock <= 0 => format!("no stock of {name}"),
        Fill::Short { stock } => format!("only {stock} of {name} in stock, {quantity} needed"),
        Fill::NotOrderable => format!("{name} not orderable in that quantity"),
        Fill::BadPrice => format!("no valid price for {name}"),
        Fill::NotSold => format!("does not sell {name}"),
    }
}

/// Why no usable vendor can fill a product at all (for a split that cannot be made).
pub(crate) fn uncoverable(best: Fill, name: &str, quantity: u64, held_back: bool) -> String {
    if held_back {
        return format!("{name}: only vendors already tried, inactive or unreliable can fill it");
    }
    match best {
        Fill::Short { stock } if stock > 0 => {
            format!("{name}: no vendor has {quantity} in stock (most is {stock})")
        }
        Fill::Short { .. } => format!("{name}: out of stock at every vendor"),
        Fill::NotOrderable => format!("{name}: not orderable in that quantity at any vendor"),
        Fill::BadPrice => format!("{name}: no vendor has a valid price"),
        Fill::NotSold | Fill::Filled { .. } => format!("{name}: no vendor sells it"),
    }
}

fn stock_phrase(f: &Facts<'_>) -> String {
    match f.tight {
        0 => "all items in stock".to_string(),
        t if t == f.items => "all items in stock, none to spare".to_string(),
        t => format!("all items in stock, {t} with little to spare"),
    }
}

fn price_phrase(p: PriceFact) -> String {
    match p {
        PriceFact::Lone => "only vendor with every item".to_string(),
        PriceFact::Cheapest { next_gap_bps } => format!("{} cheaper", percent(next_gap_bps)),
        PriceFact::TiedCheapest => "joint cheapest".to_string(),
        PriceFact::Dearer { gap_bps } => format!("{} dearer than the cheapest", percent(gap_bps)),
    }
}

fn place_phrase(n: Nearness) -> &'static str {
    match n {
        Nearness::District => "same district",
        Nearness::Province => "same province",
        Nearness::Far => "other province",
    }
}

fn workload_phrase(open: u32) -> String {
    match open {
        0 => "no open orders".to_string(),
        1 => "1 open order".to_string(),
        n => format!("{n} open orders"),
    }
}

/// "accepts 92 % of orders in 12 min on average", or how new the vendor is.
pub(crate) fn history_phrase(s: &VendorStats, trusted: bool) -> String {
    let accepted = u64::from(s.accepted);
    let answered = accepted + u64::from(s.rejected) + u64::from(s.expired);
    if answered == 0 {
        return "new vendor, no history yet".to_string();
    }
    if !trusted {
        let orders = if answered == 1 { "order" } else { "orders" };
        return format!("new vendor, {answered} {orders} so far");
    }
    if accepted == 0 {
        return format!("accepted none of {answered} orders");
    }
    let rate = (accepted * 100 + answered / 2) / answered.max(1);
    let wait = duration(s.total_accept_secs / accepted);
    let mut text = format!("accepts {rate} % of orders in {wait} on average");
    let cancelled = u64::from(s.cancelled_after_accept).min(accepted);
    let cancel_bps = cancelled * 10_000 / accepted;
    // Cancellations below one in ten are noise in a one-line reason; above, they explain a rank.
    if cancel_bps >= 1_000 {
        text.push_str(&format!(
            ", cancels {} after accepting",
            percent(i128::from(cancel_bps))
        ));
    }
    text
}

/// The facts of an able vendor, most decisive first: stock, price, place, load, history.
pub(crate) fn facts(f: &Facts<'_>) -> String {
    let mut parts = vec![stock_phrase(f)];
    if let Some(p) = f.price {
        parts.push(price_phrase(p));
    }
    parts.push(place_phrase(f.nearness).to_string());
    parts.push(workload_phrase(f.open_orders));
    parts.push(history_phrase(f.stats, f.trusted));
    parts.join(", ")
}

/// Why a vendor may not take the order, in a few words.
pub(crate) fn blocked(b: &Block, history: &str, facts: &str) -> String {
    match b {
        Block::Inactive => "inactive".to_string(),
        Block::Excluded => "already tried for this order".to_string(),
        Block::Taken => "already serves another part of this order".to_string(),
        Block::Missing { shown, more } => {
            let mut text = shown.join("; ");
            if *more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text
        }
        Block::Unreliable { value, min } => {
            format!("unreliable ({history}): reliability {value:.2} below {min:.2}")
        }
        Block::LowScore { score, min } => format!("score {score:.1} below {min:.1}; {facts}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_whole_points_and_small_gaps_are_not_zero() {
        assert_eq!(percent(400), "4 %");
        assert_eq!(percent(449), "4 %");
        assert_eq!(percent(450), "5 %");
        assert_eq!(percent(3), "under 1 %");
        assert_eq!(gap_bps(10_400, 10_000, 10_000), 400);
        assert_eq!(gap_bps(5, 1, 0), 0);
    }

    #[test]
    fn waits_read_in_minutes_hours_or_days() {
        assert_eq!(duration(20), "under a minute");
        assert_eq!(duration(12 * 60), "12 min");
        assert_eq!(duration(5 * 3600), "5 h");
        assert_eq!(duration(3 * 86_400), "3 days");
        assert_eq!(
            duration(u64::MAX),
            format!("{} days", (u64::MAX / 60 + 720) / 1440)
        );
    }

    #[test]
    fn a_trusted_history_names_acceptance_wait_and_heavy_cancelling() {
        let s = VendorStats {
            offered: 50,
            accepted: 46,
            rejected: 4,
            cancelled_after_accept: 6,
            total_accept_secs: 46 * 12 * 60,
            ..VendorStats::default()
        };
        assert_eq!(
            history_phrase(&s, true),
            "accepts 92 % of orders in 12 min on average, cancels 13 % after accepting"
        );
        assert_eq!(history_phrase(&s, false), "new vendor, 50 orders so far");
    }

    #[test]
    fn a_missing_list_shows_two_and_counts_the_rest() {
        let b = Block::Missing {
            shown: vec!["a".into(), "b".into()],
            more: 2,
        };
        assert_eq!(blocked(&b, "", ""), "a; b and 2 more");
    }

    #[test]
    fn a_blank_vendor_name_falls_back_to_its_id() {
        let v = Vendor {
            vendor_id: 9,
            name: "  ".into(),
            ..Vendor::default()
        };
        assert_eq!(vendor_name(&v), "vendor #9");
    }
}
