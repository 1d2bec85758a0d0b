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

/// A listing's stock read back from the stock on hand through its moves, newest first.
struct Walk {
    /// The stock just after the move being read.
    level: i64,
    days: Vec<NaiveDate>,
    /// Reached a move older than the window.
    done: bool,
}

/// For every listing in `stock` (its stock on hand), the days since `since` on which its
/// stock touched 0: one walk back through the moves, newest first, until the window's start.
/// Move ids follow time (the writer hands them out as moves happen; `khaacho simulate` runs
/// its days in order), as order ids do for `facts::first_at`, so the walk stops at the first
/// move an hour older than the window.
fn stock_out_days(
    tx: &impl Tx,
    stock: &BTreeMap<u64, i64>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<u64, u32>, StoreError> {
    let mut walks: BTreeMap<u64, Walk> = stock
        .iter()
        .map(|(&id, &level)| {
            let days = if level <= 0 {
                vec![nepal_date(now)]
            } else {
                Vec::new()
            };
            (
                id,
                Walk {
                    level,
                    days,
                    done: false,
                },
            )
        })
        .collect();
    // Moves are kept in the order they were written; one written a moment out of time order
    // (two requests racing) is still read within this slack.
    let stop = since - Duration::hours(1);
    for entry in tx.open(tables::STOCK_MOVES)?.iter()?.rev() {
        let (_, m) = entry?;
        if m.at < stop {
            break;
        }
        let Some(w) = walks.get_mut(&m.listing_id).filter(|w| !w.done) else {
            continue;
        };
        if m.at < since {
            w.done = true;
            continue;
        }
        if w.level <= 0 {
            w.days.push(nepal_date(m.at));
        }
        w.level -= m.delta;
    }
    Ok(walks
        .into_iter()
        .map(|(id, mut w)| {
            w.days.sort_unstable();
            w.days.dedup();
            (id, w.days.len() as u32)
        })
        .collect())
}

/// Every active listing's figures as of `now`.
pub fn inventory(tx: &impl Tx, now: DateTime<Utc>) -> Result<Vec<StockInsight>, StoreError> {
    let since = now - Duration::days(WINDOW_DAYS);
    let units = units_by_listing(tx, since)?;
    let mut listings = Vec::new();
    for entry in tx.open(tables::LISTINGS)?.iter()? {
        let (id, l) = entry?;
        if l.active {
            listings.push((id, l));
        }
    }
    let stock = listings.iter().map(|(id, l)| (*id, l.stock)).collect();
    let out_days = stock_out_days(tx, &stock, since, now)?;
    let mut out = Vec::new();
    for (id, l) in listings {
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
            stock_out_days_28d: out_days.get(&id).copied().unwrap_or(0),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{StockMove, StockReason};
    use chrono::TimeZone;

    #[tokio::test]
    async fn stock_out_days_are_read_back_from_each_listings_moves_within_the_window() {
        let (_dir, store) = crate::storage::scratch_store();
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 6, 0, 0).unwrap();
        let day = move |n: i64| now - Duration::days(n);
        // (listing, days ago, change), in the order they happened; listing 3 is not asked for.
        let moves = [
            (1, 45, 10),
            (1, 40, -10),
            (2, 20, 3),
            (1, 12, 10),
            (1, 10, -10),
            (3, 6, 4),
            (1, 5, 8),
            (1, 3, -8),
            (1, 2, 5),
            (2, 1, -3),
        ];
        store
            .write(move |tx| {
                let mut log = tx.open(tables::STOCK_MOVES)?;
                for (id, (listing_id, ago, delta)) in (1u64..).zip(moves) {
                    let m = StockMove {
                        listing_id,
                        at: day(ago),
                        delta,
                        reason: StockReason::Initial,
                    };
                    log.put(id, &m)?;
                }
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
        let stock = BTreeMap::from([(1, 5), (2, 0)]);
        let since = now - Duration::days(WINDOW_DAYS);
        let days = store
            .read(move |tx| stock_out_days(tx, &stock, since, now))
            .await
            .unwrap();
        // Listing 1 stood at 0 after the moves 10 and 3 days ago (and 40 days ago, before the
        // window). Listing 2 is at 0 now and was after yesterday's move.
        assert_eq!(days, BTreeMap::from([(1, 2), (2, 2)]));
    }
}
