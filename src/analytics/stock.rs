//! Inventory intelligence per listing (vendor × product), from the last [`WINDOW_DAYS`] days:
//! - velocity: packs ordered per day (orders placed, cancelled ones excluded);
//! - days of stock left: stock on hand ÷ velocity;
//! - stock-out days: days on which the listing's stock stood at 0 at some point, read back
//!   from its stock movements;
//! - slow mover: stock on hand but less than one pack ordered a week.
//!
//! A product's row adds up its listings (`by_product`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::orders::OrderState;
use crate::storage::{StoreError, TableRead, Tx, tables};
use crate::support::clock::nepal_date;

pub const WINDOW_DAYS: i64 = 28;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StockInsight {
    pub listing_id: u64,
    pub vendor_id: u64,
    pub product_id: u64,
    pub stock: i64,
    pub units_28d: u64,
    /// Packs a day over the window.
    pub velocity_per_day: f64,
    /// Null when nothing sold.
    pub days_of_stock: Option<f64>,
    pub stock_out_days_28d: u32,
    pub slow_mover: bool,
}

/// Packs ordered per listing in `[since, now)`.
fn units_by_listing(tx: &impl Tx, since: DateTime<Utc>) -> Result<BTreeMap<u64, u64>, StoreError> {
    let view = tx.open(tables::ORDERS)?;
    let mut out = BTreeMap::new();
    for entry in view.range(super::facts::first_at(&view, since, |o| o.created_at)?..)? {
        let (_, o) = entry?;
        if o.state == OrderState::Cancelled && o.delivered_at.is_none() {
            continue;
        }
        for l in &o.lines {
            *out.entry(l.listing_id).or_default() += u64::from(l.quantity);
        }
    }
    Ok(out)
}

/// Days since `since` on which the listing's stock touched 0, walking its moves back from the
/// stock on hand.
fn stock_out_days(
    tx: &impl Tx,
    listing: u64,
    stock: i64,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u32, StoreError> {
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut level = stock;
    if level <= 0 {
        days.push(nepal_date(now));
    }
    for entry in tx
        .open(tables::STOCK_MOVES)?
        .range((listing, 0)..=(listing, u64::MAX))?
        .rev()
    {
        let (_, m) = entry?;
        if m.at < since {
            break;
        }
        // `level` is the stock just after this move.
        if level <= 0 {
            days.push(nepal_date(m.at));
        }
        level -= m.delta;
    }
    days.sort_unstable();
    days.dedup();
    Ok(days.len() as u32)
}

/// Every active listing's figures as of `now`.
pub fn inventory(tx: &impl Tx, now: DateTime<Utc>) -> Result<Vec<StockInsight>, StoreError> {
    let since = now - Duration::days(WINDOW_DAYS);
    let units = units_by_listing(tx, since)?;
    let mut out = Vec::new();
    for entry in tx.open(tables::LISTINGS)?.iter()? {
        let (id, l) = entry?;
        if !l.active {
            continue;
        }
        let sold = units.get(&id).copied().unwrap_or(0);
        let velocity = sold as f64 / WINDOW_DAYS as f64;
        out.push(StockInsight {
            listing_id: id,
            vendor_id: l.vendor_id,
            product_id: l.product_id,
            stock: l.stock,
            units_28d: sold,
            velocity_per_day: velocity,
            days_of_stock: (velocity > 0.0).then(|| l.stock as f64 / velocity),
            stock_out_days_28d: stock_out_days(tx, id, l.stock, since, now)?,
            slow_mover: l.stock > 0 && velocity * 7.0 < 1.0,
        });
    }
    Ok(out)
}

/// A product's inventory across its listings.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProductStock {
    pub product_id: u64,
    pub listings: u32,
    pub stock: i64,
    pub units_28d: u64,
    pub velocity_per_day: f64,
    pub days_of_stock: Option<f64>,
    /// Days on which every listing of the product had run out is not known per day; this is
    /// the most stock-out days any one listing had.
    pub worst_listing_stock_out_days_28d: u32,
    pub slow_mover: bool,
}

/// Adds up listings into products.
pub fn by_product(rows: &[StockInsight]) -> Vec<ProductStock> {
    let mut out: BTreeMap<u64, ProductStock> = BTreeMap::new();
    for r in rows {
        let p = out.entry(r.product_id).or_insert(ProductStock {
            product_id: r.product_id,
            listings: 0,
            stock: 0,
            units_28d: 0,
            velocity_per_day: 0.0,
            days_of_stock: None,
            worst_listing_stock_out_days_28d: 0,
            slow_mover: false,
        });
        p.listings += 1;
        p.stock += r.stock;
        p.units_28d += r.units_28d;
        p.worst_listing_stock_out_days_28d =
            p.worst_listing_stock_out_days_28d.max(r.stock_out_days_28d);
    }
    for p in out.values_mut() {
        p.velocity_per_day = p.units_28d as f64 / WINDOW_DAYS as f64;
        p.days_of_stock = (p.velocity_per_day > 0.0).then(|| p.stock as f64 / p.velocity_per_day);
        p.slow_mover = p.stock > 0 && p.velocity_per_day * 7.0 < 1.0;
    }
    out.into_values().collect()
}
