//! Price intelligence: the spread of a product's prices across vendors, and abnormal changes.
//!
//! A change is abnormal when the robust z-score of its log change, 0.6745 × (r − median) ÷
//! MAD over the product's earlier log changes (all its listings), reaches the configured
//! threshold and the price moved by at least the configured percent. With too few earlier
//! changes (or a MAD of 0) only a move of the fallback percent or more is abnormal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::storage::{StoreError, TableRead, Tx, tables};

/// The thresholds, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct PriceRules {
    pub z: f64,
    pub min_change: f64,
    pub history_min: usize,
    pub fallback: f64,
}

impl PriceRules {
    pub fn from_config(a: &crate::config::AnalyticsConfig) -> Self {
        Self {
            z: f64::from(a.price_z_tenths) / 10.0,
            min_change: f64::from(a.price_min_change_percent) / 100.0,
            history_min: a.price_history_min as usize,
            fallback: f64::from(a.price_fallback_percent) / 100.0,
        }
    }
}

/// One price change with its score.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub listing_id: u64,
    pub product_id: u64,
    pub vendor_id: u64,
    pub at: DateTime<Utc>,
    pub from_paisa: i64,
    pub to_paisa: i64,
    pub change_percent: f64,
    /// Null when the product had too few earlier changes.
    pub robust_z: Option<f64>,
    pub abnormal: bool,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Scores a log change `r` against earlier ones.
pub fn score(r: f64, earlier: &[f64], rules: &PriceRules) -> (Option<f64>, bool) {
    let big = r.exp_m1().abs() >= rules.min_change;
    if earlier.len() >= rules.history_min {
        let mut e = earlier.to_vec();
        let m = median(&mut e).unwrap_or(0.0);
        let mut dev: Vec<f64> = earlier.iter().map(|x| (x - m).abs()).collect();
        let mad = median(&mut dev).unwrap_or(0.0);
        if mad > 0.0 {
            let z = 0.6745 * (r - m) / mad;
            return (Some(z), big && z.abs() >= rules.z);
        }
    }
    (None, r.exp_m1().abs() >= rules.fallback)
}

/// Every price change, scored against the product's changes before it, oldest first.
pub fn changes(tx: &impl Tx, rules: &PriceRules) -> Result<Vec<Change>, StoreError> {
    let listings = tx.open(tables::LISTINGS)?;
    let mut raw: Vec<(i64, u64, u64, u64, i64, i64)> = Vec::new();
    let mut last: Option<(u64, i64)> = None;
    for entry in tx.open(tables::PRICE_HISTORY)?.iter()? {
        let ((listing, at), price) = entry?;
        if let Some((l, before)) = last
            && l == listing
            && before > 0
            && price != before
            && let Some(x) = listings.get(listing)?
        {
            raw.push((at, listing, x.product_id, x.vendor_id, before, price));
        }
        last = Some((listing, price));
    }
    raw.sort_unstable();
    let mut by_product: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    let mut out = Vec::new();
    for (at, listing_id, product_id, vendor_id, from, to) in raw {
        let r = (to as f64 / from as f64).ln();
        let earlier = by_product.entry(product_id).or_default();
        let (z, abnormal) = score(r, earlier, rules);
        earlier.push(r);
        out.push(Change {
            listing_id,
            product_id,
            vendor_id,
            at: DateTime::from_timestamp_millis(at).unwrap_or_default(),
            from_paisa: from,
            to_paisa: to,
            change_percent: r.exp_m1() * 100.0,
            robust_z: z,
            abnormal,
        });
    }
    Ok(out)
}

/// The spread of one product's prices across its active listings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Spread {
    pub product_id: u64,
    pub name: String,
    pub vendors: u32,
    pub lowest_paisa: i64,
    pub median_paisa: i64,
    pub highest_paisa: i64,
    /// (highest − lowest) ÷ median, in percent.
    pub spread_percent: f64,
}

pub fn spreads(tx: &impl Tx) -> Result<Vec<Spread>, StoreError> {
    let mut out = Vec::new();
    for (product_id, listings) in super::league::listings_by_product(tx)? {
        let median = super::league::median_price(&listings);
        let lo = listings.iter().map(|l| l.price_paisa).min().unwrap_or(0);
        let hi = listings.iter().map(|l| l.price_paisa).max().unwrap_or(0);
        out.push(Spread {
            product_id,
            name: crate::catalog::store::product(tx, product_id)?
                .map(|p| p.name)
                .unwrap_or_default(),
            vendors: listings.len() as u32,
            lowest_paisa: lo,
            median_paisa: median,
            highest_paisa: hi,
            spread_percent: (hi - lo) as f64 * 100.0 / median.max(1) as f64,
        });
    }
    out.sort_by(|a, b| b.spread_percent.total_cmp(&a.spread_percent));
    Ok(out)
}
