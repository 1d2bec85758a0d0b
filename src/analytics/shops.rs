//! Retailer intelligence, each figure from the shop's own orders and the ledger:
//! - churn risk from the shop's own rhythm: the share of its own gaps between order days that
//!   were shorter than the days since its last order (a shop that orders every 3 days and has
//!   been quiet for 20 is at risk; one that orders monthly and has been quiet for 20 is not);
//! - LTV: the commission its delivered orders earned (from the ledger) plus the expected
//!   commission of the next 365 days = commission per delivered order × 365 ÷ its mean gap ×
//!   (1 − churn risk);
//! - growth: value ordered in the last 30 days against the 30 before;
//! - usual basket: products in at least 30 % of its last 10 orders, with the usual packs;
//! - reorder due: the last order day + its median gap has come, and the shop is not at high
//!   churn risk.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::facts::{self, dim};
use crate::ledger::{self, AccountKind, TransferCode};
use crate::orders::{Order, OrderState};
use crate::storage::{StoreError, TableRead, Tx, postings, tables};
use crate::support::clock::nepal_date;

/// Thresholds of the churn levels (configuration `analytics.churn_*`).
#[derive(Debug, Clone, Copy)]
pub struct ChurnRules {
    pub medium: f64,
    pub high: f64,
    /// Fewer gaps than this and the risk is unknown.
    pub min_gaps: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Churn {
    /// 0 to 1; null when the shop has too few orders to have a rhythm.
    pub risk: Option<f64>,
    /// low, medium, high or unknown.
    pub level: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BasketItem {
    pub product_id: u64,
    pub sku: String,
    pub name: String,
    /// Share of the last orders that had it.
    pub share: f64,
    pub usual_quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Insights {
    pub retailer_id: u64,
    pub name: String,
    pub as_of: NaiveDate,
    pub orders: u64,
    pub delivered_orders: u64,
    pub first_order: Option<NaiveDate>,
    pub last_order: Option<NaiveDate>,
    pub days_since_last_order: Option<i64>,
    /// Median days between the days it ordered.
    pub usual_gap_days: Option<f64>,
    pub churn: Churn,
    pub historical_margin_paisa: i64,
    pub expected_margin_paisa: i64,
    /// historical + expected.
    pub ltv_paisa: i64,
    pub last_30_days_paisa: i64,
    pub previous_30_days_paisa: i64,
    /// Change of the last 30 days against the 30 before, in percent (null when both are 0).
    pub growth_percent: Option<f64>,
    pub usual_basket: Vec<BasketItem>,
    pub next_order_expected: Option<NaiveDate>,
    pub reorder_due: bool,
}

/// The shop's orders, oldest first.
fn orders_of(tx: &impl Tx, retailer: u64) -> Result<Vec<Order>, StoreError> {
    let view = tx.open(tables::ORDERS)?;
    let mut out = Vec::new();
    let index = tx.open(tables::ORDERS_BY_RETAILER)?;
    for id in postings::ascending(&index, retailer, 0)? {
        out.extend(view.get(id?)?);
    }
    Ok(out)
}

/// Churn risk from the shop's own gaps.
pub fn churn(gaps: &[i64], since: i64, rules: &ChurnRules) -> Churn {
    if gaps.len() < rules.min_gaps {
        return Churn {
            risk: None,
            level: "unknown".into(),
            reason: format!(
                "only {} gaps between orders; a rhythm needs {}",
                gaps.len(),
                rules.min_gaps
            ),
        };
    }
    let shorter = gaps.iter().filter(|g| **g < since).count();
    let equal = gaps.iter().filter(|g| **g == since).count();
    let risk = (shorter as f64 + equal as f64 / 2.0) / gaps.len() as f64;
    let level = if risk >= rules.high {
        "high"
    } else if risk >= rules.medium {
        "medium"
    } else {
        "low"
    };
    let mut sorted = gaps.to_vec();
    let usual = super::summary::median(&mut sorted).unwrap_or(0);
    Churn {
        risk: Some(risk),
        level: level.into(),
        reason: format!(
            "last order {since} days ago; {shorter} of its {} gaps between orders were shorter (usual gap {usual} days)",
            gaps.len()
        ),
    }
}

/// Commission the shop's orders earned: stored facts up to the last build, and the revenue
/// account's transfers since.
fn margin_of(
    tx: &impl Tx,
    retailer: u64,
    first: NaiveDate,
    orders: &[Order],
) -> Result<i64, StoreError> {
    let view = tx.open(tables::DAILY_FACTS)?;
    let key = dim::retailer(retailer);
    let mut total = 0;
    let built = facts::built_through(tx)?;
    if let Some(b) = built {
        let mut day = first;
        while day <= b {
            if let Some(f) = view.get(format!("{day}|{key}").as_str())? {
                total += f.commission_paisa;
            }
            day += Duration::days(1);
        }
    }
    let since = facts::day_start(built.map_or(first, |b| b + Duration::days(1)));
    let Some(revenue) = ledger::account_by_key(tx, AccountKind::PlatformRevenue, 0)? else {
        return Ok(total);
    };
    let own: std::collections::HashSet<u64> = orders.iter().map(|o| o.id).collect();
    let transfers = tx.open(tables::LEDGER_TRANSFERS)?;
    let first_id = facts::first_at(&transfers, since, |t| t.at)?;
    let index = tx.open(tables::LEDGER_ACCOUNT_TRANSFERS)?;
    for tid in postings::ascending(&index, revenue.id, first_id)? {
        let tid = tid?;
        let Some(t) = transfers.get(tid)? else {
            continue;
        };
        if !t.order_id.is_some_and(|o| own.contains(&o)) {
            continue;
        }
        match t.code {
            TransferCode::Commission => total += t.amount,
            TransferCode::Reversal => total -= t.amount,
            _ => {}
        }
    }
    Ok(total)
}

/// A shop's insights as of `today`; `None` when there is no such shop.
pub fn insights(
    tx: &impl Tx,
    retailer: u64,
    today: NaiveDate,
    rules: &ChurnRules,
) -> Result<Option<Insights>, StoreError> {
    let Some(r) = crate::retailers::store::get(tx, retailer)? else {
        return Ok(None);
    };
    let orders: Vec<Order> = orders_of(tx, retailer)?
        .into_iter()
        .filter(|o| o.state != OrderState::Cancelled || o.delivered_at.is_some())
        .collect();
    let rhythm = Rhythm::of(&orders, today, rules);
    let Rhythm {
        days,
        last,
        since,
        usual_gap,
        ..
    } = rhythm.clone();
    let churn = rhythm.churn;
    let delivered = orders.iter().filter(|o| o.delivered_at.is_some()).count() as u64;
    let historical = match days.first() {
        Some(f) => margin_of(tx, retailer, *f, &orders)?,
        None => 0,
    };
    let expected = expected_margin(historical, delivered, rhythm.mean_gap, churn.risk);
    let (last30, prev30) = (
        ordered(&orders, today, 0, 30),
        ordered(&orders, today, 30, 60),
    );
    let next = match (last, usual_gap) {
        (Some(l), Some(g)) => Some(l + Duration::days(g.max(1))),
        _ => None,
    };
    Ok(Some(Insights {
        retailer_id: retailer,
        name: r.name,
        as_of: today,
        orders: orders.len() as u64,
        delivered_orders: delivered,
        first_order: days.first().copied(),
        last_order: last,
        days_since_last_order: since,
        usual_gap_days: usual_gap.map(|g| g as f64),
        reorder_due: next.is_some_and(|n| n <= today) && churn.level != "high",
        churn,
        historical_margin_paisa: historical,
        expected_margin_paisa: expected,
        ltv_paisa: historical + expected,
        last_30_days_paisa: last30,
        previous_30_days_paisa: prev30,
        growth_percent: (prev30 > 0).then(|| (last30 - prev30) as f64 * 100.0 / prev30 as f64),
        usual_basket: basket(&orders),
        next_order_expected: next,
    }))
}

/// The commission of the next 365 days: per delivered order so far × orders a year at the
/// shop's mean gap × the chance it keeps ordering (1 − churn risk; ½ when unknown).
fn expected_margin(
    historical: i64,
    delivered: u64,
    mean_gap: Option<f64>,
    risk: Option<f64>,
) -> i64 {
    match mean_gap {
        Some(g) if delivered > 0 && g > 0.0 => {
            let per_order = historical as f64 / delivered as f64;
            (per_order * 365.0 / g * (1.0 - risk.unwrap_or(0.5))).round() as i64
        }
        _ => 0,
    }
}

/// Value ordered between `from` and `to` days ago (`to` excluded).
fn ordered(orders: &[Order], today: NaiveDate, from: i64, to: i64) -> i64 {
    orders
        .iter()
        .filter(|o| {
            let age = (today - nepal_date(o.created_at)).num_days();
            age >= from && age < to
        })
        .map(|o| o.total_paisa.paisa())
        .sum()
}

/// A shop's rhythm: the days it ordered, the gaps between them, its silence since, and the
/// churn risk they give.
#[derive(Clone)]
struct Rhythm {
    days: Vec<NaiveDate>,
    last: Option<NaiveDate>,
    since: Option<i64>,
    usual_gap: Option<i64>,
    mean_gap: Option<f64>,
    churn: Churn,
}

impl Rhythm {
    fn of(orders: &[Order], today: NaiveDate, rules: &ChurnRules) -> Rhythm {
        let mut days: Vec<NaiveDate> = orders.iter().map(|o| nepal_date(o.created_at)).collect();
        days.dedup();
        let gaps: Vec<i64> = days.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
        let last = days.last().copied();
        let since = last.map(|l| (today - l).num_days());
        let churn = match since {
            Some(s) => churn(&gaps, s, rules),
            None => Churn {
                risk: None,
                level: "unknown".into(),
                reason: "no orders yet".into(),
            },
        };
        let mean_gap =
            (!gaps.is_empty()).then(|| gaps.iter().sum::<i64>() as f64 / gaps.len() as f64);
        let mut sorted = gaps;
        Rhythm {
            usual_gap: super::summary::median(&mut sorted),
            days,
            last,
            since,
            mean_gap,
            churn,
        }
    }
}

fn basket(orders: &[Order]) -> Vec<BasketItem> {
    let recent: Vec<&Order> = orders.iter().rev().take(10).collect();
    let mut seen: BTreeMap<u64, (String, String, Vec<i64>)> = BTreeMap::new();
    for o in &recent {
        for l in &o.lines {
            let e = seen
                .entry(l.product_id)
                .or_insert_with(|| (l.sku.clone(), l.name.clone(), Vec::new()));
            e.2.push(i64::from(l.quantity));
        }
    }
    let n = recent.len().max(1) as f64;
    let mut out: Vec<BasketItem> = seen
        .into_iter()
        .filter(|(_, (_, _, q))| q.len() as f64 / n >= 0.3)
        .map(|(product_id, (sku, name, mut q))| BasketItem {
            product_id,
            sku,
            name,
            share: q.len() as f64 / n,
            usual_quantity: super::summary::median(&mut q).unwrap_or(1) as u32,
        })
        .collect();
    out.sort_by(|a, b| {
        b.share
            .total_cmp(&a.share)
            .then(a.product_id.cmp(&b.product_id))
    });
    out
}

/// A shop's choice about reorder nudges, and when it last got one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Nudge {
    pub opted_in: bool,
    #[serde(with = "crate::storage::ts::opt")]
    pub last_sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn nudge_of(tx: &impl Tx, retailer: u64) -> Result<Nudge, StoreError> {
    Ok(tx.open(tables::NUDGES)?.get(retailer)?.unwrap_or_default())
}
