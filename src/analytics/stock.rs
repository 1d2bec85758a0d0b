//! Inventory intelligence per listing (vendor × product), from the last [`WINDOW_DAYS`] days:
//! - velocity: packs ordered per day (orders placed, cancelled ones excluded);
//! - days of stock left: stock on hand ÷ velocity;
//! - stock-out days: days on which the listing's stock stood at 0 at some point, read back
//!   from its stock movements;
//! - slow mover: stock on hand but less than one pack ordered a week;
//! - stock-out risk and the forecast method: from the nightly demand forecast
//!   ([`super::demand`]), the risk recomputed against the stock on hand when read.
//!
//! A product's row adds up its listings (`by_product`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::facts::dim;
use super::recommend::{Finding, figures};
use crate::credit::alerts::{self, AlertKind};
use crate::orders::OrderState;
use crate::storage::{StoreError, TableRead, Tx, WriteTx, tables};
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
    /// Forecast demand over the restocking lead time against the stock; null before the
    /// first forecast or for a listing never ordered.
    pub stock_out_risk: Option<super::demand::StockOutRisk>,
    /// The forecast's method (several joined by "+").
    pub forecast_method: Option<String>,
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
            stock_out_risk: None,
            forecast_method: None,
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
    /// The worst stock-out risk among its listings (`high`, `medium`, `low`), null when none
    /// has a forecast.
    pub worst_stock_out_risk: Option<String>,
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
            worst_stock_out_risk: None,
        });
        p.listings += 1;
        p.stock += r.stock;
        p.units_28d += r.units_28d;
        p.worst_listing_stock_out_days_28d =
            p.worst_listing_stock_out_days_28d.max(r.stock_out_days_28d);
        if let Some(risk) = &r.stock_out_risk {
            let rank = |l: &str| ["low", "medium", "high"].iter().position(|x| *x == l);
            if p.worst_stock_out_risk
                .as_deref()
                .is_none_or(|w| rank(&risk.level) > rank(w))
            {
                p.worst_stock_out_risk = Some(risk.level.clone());
            }
        }
    }
    for p in out.values_mut() {
        p.velocity_per_day = p.units_28d as f64 / WINDOW_DAYS as f64;
        p.days_of_stock = (p.velocity_per_day > 0.0).then(|| p.stock as f64 / p.velocity_per_day);
        p.slow_mover = p.stock > 0 && p.velocity_per_day * 7.0 < 1.0;
    }
    out.into_values().collect()
}

/// Listings whose stock will not last the restocking lead time at the forecast demand.
pub fn findings(inventory: &[StockInsight]) -> Vec<Finding> {
    inventory
        .iter()
        .filter_map(|s| {
            let risk = s.stock_out_risk.as_ref().filter(|r| r.level == "high")?;
            Some(Finding {
                subject: format!("listing:{}", s.listing_id),
                reason: format!(
                    "stock of {} packs is below the {:.0} packs forecast for the next {} days \
                     (up to {:.0} at 80 %)",
                    s.stock, risk.expected_units, risk.lead_days, risk.upper80_units
                ),
                figures: figures([
                    ("stock", s.stock as f64),
                    ("lead_days", f64::from(risk.lead_days)),
                    ("forecast_units", risk.expected_units),
                    ("forecast_upper80_units", risk.upper80_units),
                    ("velocity_per_day", s.velocity_per_day),
                    ("stock_out_days_28d", f64::from(s.stock_out_days_28d)),
                ]),
            })
        })
        .collect()
}

/// Tells the vendor by WhatsApp (through the outbox), once when the risk turns high.
fn warn_vendor(
    tx: &WriteTx,
    i: &StockInsight,
    r: &super::demand::StockOutRisk,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (Some(v), Some(p)) = (
        crate::catalog::store::vendor(tx, i.vendor_id)?,
        crate::catalog::store::product(tx, i.product_id)?,
    ) else {
        return Ok(());
    };
    let forecast = (r.expected_units, r.upper80_units, r.lead_days);
    let body = crate::messaging::texts::stock_out_warning(&p.name, &p.sku, i.stock, forecast);
    crate::messaging::outbox::enqueue(tx, &v.phone, "stock_out_warning", body, None, now)?;
    Ok(())
}

/// A stock-out alert for each listing at high risk (refreshed while it stays so), resolved
/// when the risk passes; how many are open. The vendor hears of it once, when it is raised.
pub fn alerts(
    tx: &WriteTx,
    inventory: &[StockInsight],
    now: DateTime<Utc>,
) -> Result<u32, StoreError> {
    let mut raised = 0;
    for i in inventory {
        let subject = dim::listing(i.listing_id);
        match i.stock_out_risk.as_ref().filter(|r| r.level == "high") {
            Some(r) => {
                let message = format!(
                    "listing {}: {} packs in stock, {:.0} forecast for the next {} days",
                    i.listing_id, i.stock, r.expected_units, r.lead_days
                );
                let open = alerts::is_open(tx, AlertKind::StockOut, &subject)?;
                alerts::raise(tx, AlertKind::StockOut, &subject, message, now)?;
                if !open {
                    warn_vendor(tx, i, r, now)?;
                }
                raised += 1;
            }
            None => alerts::resolve(tx, AlertKind::StockOut, &subject, now)?,
        }
    }
    Ok(raised)
}
