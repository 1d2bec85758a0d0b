//! Vendors side by side (the league table) and over time, and each vendor's price position.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::facts::{Days, Fact, dim};
use super::summary::Granularity;
use crate::catalog::Listing;
use crate::storage::{StoreError, TableRead, Tx, tables};

/// A vendor's performance over a range, from its facts.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct VendorFigures {
    pub orders: u64,
    pub accepted: u64,
    pub delivered: u64,
    pub cancelled: u64,
    pub gmv_paisa: i64,
    pub commission_paisa: i64,
    /// Delivered ÷ orders placed with the vendor in the range.
    pub fill_rate: Option<f64>,
    /// Delivered within 48 hours of acceptance ÷ delivered.
    pub on_time_rate: Option<f64>,
    /// Mean minutes from the offer to acceptance.
    pub mean_minutes_to_accept: Option<f64>,
    /// Cancelled ÷ orders placed with the vendor in the range.
    pub cancellation_rate: Option<f64>,
}

fn ratio(a: u32, b: u32) -> Option<f64> {
    (b > 0).then(|| f64::from(a) / f64::from(b))
}

impl VendorFigures {
    pub fn of(f: &Fact) -> VendorFigures {
        VendorFigures {
            orders: u64::from(f.placed),
            accepted: u64::from(f.accepted),
            delivered: u64::from(f.delivered),
            cancelled: u64::from(f.cancelled),
            gmv_paisa: f.gmv_paisa,
            commission_paisa: f.commission_paisa,
            fill_rate: ratio(f.delivered, f.placed).map(|r| r.min(1.0)),
            on_time_rate: ratio(f.delivered_on_time, f.delivered),
            mean_minutes_to_accept: (f.accepted > 0)
                .then(|| f.accept_minutes as f64 / f64::from(f.accepted)),
            cancellation_rate: ratio(f.cancelled, f.placed).map(|r| r.min(1.0)),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeagueRow {
    pub vendor_id: u64,
    pub name: String,
    #[serde(flatten)]
    pub performance: VendorFigures,
    /// Mean over the vendor's active listings of (its price ÷ the product's median price
    /// across vendors − 1), in percent; only products two or more vendors list count.
    pub price_position_percent: Option<f64>,
}

/// Sums a range's facts for one dimension.
pub fn sum_dim(days: &Days, d: &str) -> Fact {
    let mut f = Fact::default();
    for facts in days.values() {
        if let Some(x) = facts.get(d) {
            f.add(x);
        }
    }
    f
}

/// Every vendor's row, best GMV first.
pub fn league(tx: &impl Tx, days: &Days) -> Result<Vec<LeagueRow>, StoreError> {
    let positions = price_positions(tx)?;
    let mut rows = Vec::new();
    for entry in tx.open(tables::VENDORS)?.iter()? {
        let (id, v) = entry?;
        rows.push(LeagueRow {
            vendor_id: id,
            name: v.name,
            performance: VendorFigures::of(&sum_dim(days, &dim::vendor(id))),
            price_position_percent: positions.get(&id).copied(),
        });
    }
    rows.sort_by(|a, b| {
        b.performance
            .gmv_paisa
            .cmp(&a.performance.gmv_paisa)
            .then(a.vendor_id.cmp(&b.vendor_id))
    });
    Ok(rows)
}

/// A vendor's performance per bucket (week by default), oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VendorPoint {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub performance: VendorFigures,
}

pub fn vendor_series(days: &Days, vendor: u64, g: Granularity) -> Vec<VendorPoint> {
    let key = dim::vendor(vendor);
    let mut buckets: BTreeMap<NaiveDate, Fact> = BTreeMap::new();
    for (day, facts) in days {
        let f = buckets.entry(g.bucket(*day)).or_default();
        if let Some(x) = facts.get(&key) {
            f.add(x);
        }
    }
    buckets
        .into_iter()
        .map(|(date, f)| VendorPoint {
            date,
            performance: VendorFigures::of(&f),
        })
        .collect()
}

/// Active listings by product.
pub fn listings_by_product(tx: &impl Tx) -> Result<BTreeMap<u64, Vec<Listing>>, StoreError> {
    let mut by: BTreeMap<u64, Vec<Listing>> = BTreeMap::new();
    for entry in tx.open(tables::LISTINGS)?.iter()? {
        let (_, l) = entry?;
        if l.active {
            by.entry(l.product_id).or_default().push(l);
        }
    }
    Ok(by)
}

/// The median of a product's listed prices.
pub fn median_price(listings: &[Listing]) -> i64 {
    let mut p: Vec<i64> = listings.iter().map(|l| l.price_paisa).collect();
    super::summary::median(&mut p).unwrap_or(0)
}

/// Each vendor's price position (see [`LeagueRow::price_position_percent`]).
pub fn price_positions(tx: &impl Tx) -> Result<BTreeMap<u64, f64>, StoreError> {
    let mut sums: BTreeMap<u64, (f64, u32)> = BTreeMap::new();
    for listings in listings_by_product(tx)?.values() {
        if listings.len() < 2 {
            continue;
        }
        let median = median_price(listings);
        if median <= 0 {
            continue;
        }
        for l in listings {
            let s = sums.entry(l.vendor_id).or_default();
            s.0 += (l.price_paisa as f64 / median as f64 - 1.0) * 100.0;
            s.1 += 1;
        }
    }
    Ok(sums
        .into_iter()
        .map(|(v, (sum, n))| (v, sum / f64::from(n)))
        .collect())
}

/// One of a vendor's listings against the other vendors' prices for the product.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PricePosition {
    pub product_id: u64,
    pub listing_id: u64,
    pub price_paisa: i64,
    pub median_paisa: i64,
    pub lowest_paisa: i64,
    pub vendors: u32,
    /// (price ÷ median − 1) × 100.
    pub position_percent: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VendorInsights {
    pub vendor_id: u64,
    pub name: String,
    pub total: VendorFigures,
    pub series: Vec<VendorPoint>,
    /// Staff only (null for the vendor itself).
    pub price_position_percent: Option<f64>,
    /// Staff only (empty for the vendor itself).
    pub prices: Vec<PricePosition>,
}

pub fn vendor_insights(
    tx: &impl Tx,
    days: &Days,
    vendor_id: u64,
    g: Granularity,
    staff: bool,
) -> Result<Option<VendorInsights>, StoreError> {
    let Some(v) = crate::catalog::store::vendor(tx, vendor_id)? else {
        return Ok(None);
    };
    let mut prices = Vec::new();
    if staff {
        for listings in listings_by_product(tx)?.values() {
            let Some(own) = listings.iter().find(|l| l.vendor_id == vendor_id) else {
                continue;
            };
            let median = median_price(listings);
            prices.push(PricePosition {
                product_id: own.product_id,
                listing_id: own.id,
                price_paisa: own.price_paisa,
                median_paisa: median,
                lowest_paisa: listings.iter().map(|l| l.price_paisa).min().unwrap_or(0),
                vendors: listings.len() as u32,
                position_percent: (own.price_paisa as f64 / median.max(1) as f64 - 1.0) * 100.0,
            });
        }
    }
    Ok(Some(VendorInsights {
        vendor_id,
        name: v.name,
        total: VendorFigures::of(&sum_dim(days, &dim::vendor(vendor_id))),
        series: vendor_series(days, vendor_id, g),
        price_position_percent: if staff {
            price_positions(tx)?.get(&vendor_id).copied()
        } else {
            None
        },
        prices,
    }))
}
