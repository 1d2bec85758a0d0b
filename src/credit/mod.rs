//! Retailer credit: the position (limit, owed, held, available), invoices raised on delivery,
//! payments allocated oldest-due first, aging, the credit score and risk alerts.
//!
//! Amounts owed and held are read from the ledger, never kept twice: the receivable account's
//! posted debit balance is what is owed, its pending debits are the holds.

pub mod aging;
pub mod alerts;
pub mod payments;
pub mod score;
mod service;
mod terms;

pub use crate::messaging::kinds::Block;
pub use service::{CreditError, CreditService, CreditView, Statement, StatementRow};
pub use terms::{RetailerInput, RetailerPatch, create as create_retailer};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ledger::{self, AccountKind};
use crate::retailers::Retailer;
use crate::storage::{StoreError, TableRead, Tx, WriteTx, postings, tables};

/// What a retailer may still spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Position {
    pub limit_paisa: i64,
    /// Owed for delivered orders less payments (negative: paid in advance).
    pub posted_paisa: i64,
    /// Held for confirmed orders not yet delivered.
    pub held_paisa: i64,
    /// limit − posted − held.
    pub available_paisa: i64,
}

pub fn position(tx: &impl Tx, r: &Retailer) -> Result<Position, StoreError> {
    let (posted, held) = match ledger::account_by_key(tx, AccountKind::RetailerReceivable, r.id)? {
        Some(a) => (a.debit_balance(), a.debits_pending),
        None => (0, 0),
    };
    Ok(Position {
        limit_paisa: r.credit_limit_paisa,
        posted_paisa: posted,
        held_paisa: held,
        available_paisa: r.credit_limit_paisa - posted - held,
    })
}

/// An amount owed for one delivered order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub order_id: u64,
    pub retailer_id: u64,
    pub amount_paisa: i64,
    pub paid_paisa: i64,
    #[serde(with = "crate::storage::ts")]
    pub issued_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts::date")]
    pub due_date: NaiveDate,
    /// When the last paisa was paid (or the invoice was reversed).
    #[serde(with = "crate::storage::ts::opt")]
    pub closed_at: Option<DateTime<Utc>>,
}

impl Invoice {
    pub fn open_paisa(&self) -> i64 {
        self.amount_paisa - self.paid_paisa
    }
}

/// A retailer's invoices with something still to pay, oldest due first.
pub fn open_invoices(tx: &impl Tx, retailer_id: u64) -> Result<Vec<Invoice>, StoreError> {
    let invoices = tx.open(tables::INVOICES)?;
    let mut out = Vec::new();
    for entry in tx
        .open(tables::OPEN_INVOICES)?
        .range((retailer_id, 0)..=(retailer_id, u64::MAX))?
    {
        let (_, order_id) = entry?;
        out.push(invoices.need(order_id, format_args!("invoice {order_id}"))?);
    }
    out.sort_by_key(|i| (i.due_date, i.order_id));
    Ok(out)
}

/// Every invoice of a retailer (open and closed), oldest first.
pub fn all_invoices(tx: &impl Tx, retailer_id: u64) -> Result<Vec<Invoice>, StoreError> {
    let invoices = tx.open(tables::INVOICES)?;
    let mut out = Vec::new();
    let index = tx.open(tables::ORDERS_BY_RETAILER)?;
    for order_id in postings::ascending(&index, retailer_id, 0)? {
        out.extend(invoices.get(order_id?)?);
    }
    Ok(out)
}

pub fn save_invoice(tx: &WriteTx, inv: &Invoice) -> Result<(), StoreError> {
    tx.open(tables::INVOICES)?.put(inv.order_id, inv)?;
    let mut open = tx.open(tables::OPEN_INVOICES)?;
    if inv.open_paisa() > 0 {
        open.put((inv.retailer_id, inv.order_id), &inv.order_id)
    } else {
        open.remove((inv.retailer_id, inv.order_id)).map(|_| ())
    }
}

/// Days the oldest unpaid invoice is past due on `today` (0 when nothing is overdue).
pub fn days_overdue(tx: &impl Tx, retailer_id: u64, today: NaiveDate) -> Result<i64, StoreError> {
    Ok(open_invoices(tx, retailer_id)?
        .iter()
        .map(|i| (today - i.due_date).num_days())
        .max()
        .unwrap_or(0)
        .max(0))
}

/// Why a retailer cannot order now, if it cannot.
/// Why the shop may not order now, if it may not.
pub fn block_reason(
    tx: &impl Tx,
    r: &Retailer,
    today: NaiveDate,
    block_after_days: i64,
) -> Result<Option<Block>, StoreError> {
    if r.blocked {
        return Ok(Some(Block::ByOperator {
            shop: r.name.clone(),
        }));
    }
    let overdue = days_overdue(tx, r.id, today)?;
    if overdue > block_after_days {
        let owed: i64 = open_invoices(tx, r.id)?
            .iter()
            .map(Invoice::open_paisa)
            .sum();
        return Ok(Some(Block::Overdue {
            shop: r.name.clone(),
            days: overdue,
            owed,
        }));
    }
    Ok(None)
}

/// Credit rules from configuration.
#[derive(Debug, Clone)]
pub struct Rules {
    pub block_overdue_after_days: i64,
    pub aging_buckets: Vec<i64>,
    pub utilization_alert_percent: u32,
    pub score_drop_alert: u32,
    pub weights: score::Weights,
}

impl Rules {
    /// The credit rules a configuration sets.
    pub fn from_config(c: &crate::config::CreditConfig) -> Self {
        Self {
            block_overdue_after_days: c.block_overdue_after_days,
            aging_buckets: c.aging_buckets.clone(),
            utilization_alert_percent: c.utilization_alert_percent,
            score_drop_alert: c.score_drop_alert,
            weights: c.score_weights.clone(),
        }
    }
}

/// Gathers what the score is computed from.
fn score_inputs(tx: &impl Tx, r: &Retailer, today: NaiveDate) -> Result<score::Inputs, StoreError> {
    let pos = position(tx, r)?;
    let mut order_dates = Vec::new();
    let (mut recent, mut bad) = (0, 0);
    let orders = tx.open(tables::ORDERS)?;
    let index = tx.open(tables::ORDERS_BY_RETAILER)?;
    for id in postings::descending(&index, r.id, u64::MAX)? {
        let o = orders.need(id?, "order of retailer")?;
        let day = crate::support::clock::nepal_date(o.created_at);
        if (today - day).num_days() > 90 {
            break;
        }
        order_dates.push(day);
        recent += 1;
        if o.cancel_reason
            .as_deref()
            .is_some_and(|c| c.starts_with("retailer"))
            || o.disputed
        {
            bad += 1;
        }
    }
    drop(index);
    Ok(score::Inputs {
        today,
        invoices: all_invoices(tx, r.id)?,
        limit_paisa: pos.limit_paisa,
        used_paisa: pos.posted_paisa + pos.held_paisa,
        member_since: crate::support::clock::nepal_date(r.created_at),
        order_dates,
        recent_orders: recent,
        recent_cancelled_or_disputed: bad,
    })
}

/// The score as it would be computed now (for a retailer not yet scored by the nightly job).
pub fn score_now(
    tx: &impl Tx,
    r: &Retailer,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<score::Score, StoreError> {
    Ok(score::compute(
        &score_inputs(tx, r, crate::support::clock::nepal_date(now))?,
        &rules.weights,
        now,
    ))
}

/// The latest recorded score of a retailer.
pub fn latest_score(tx: &impl Tx, retailer_id: u64) -> Result<Option<score::Score>, StoreError> {
    Ok(latest_entry(tx, retailer_id)?.map(|(_, s)| s))
}

/// The latest score row of a retailer, with its sequence number.
fn latest_entry(tx: &impl Tx, retailer_id: u64) -> Result<Option<(u64, score::Score)>, StoreError> {
    match tx
        .open(tables::CREDIT_SCORES)?
        .range((retailer_id, 0)..=(retailer_id, u64::MAX))?
        .next_back()
    {
        Some(entry) => {
            let ((_, seq), s) = entry?;
            Ok(Some((seq, s)))
        }
        None => Ok(None),
    }
}

/// Recomputes a retailer's score and raises or resolves its risk alerts. Runs after payments
/// and deliveries, and nightly. The history gains a row when the score changes; when only the
/// parts' figures or wording moved (a day's more tenure), the latest row is brought up to date
/// instead, so the history does not grow by a row per shop per night.
pub fn refresh(
    tx: &WriteTx,
    retailer_id: u64,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<score::Score, StoreError> {
    let r = crate::retailers::store::get(tx, retailer_id)?
        .ok_or_else(|| StoreError::Missing(format!("retailer {retailer_id}")))?;
    let today = crate::support::clock::nepal_date(now);
    let s = score::compute(&score_inputs(tx, &r, today)?, &rules.weights, now);
    let latest = latest_entry(tx, retailer_id)?;
    let row = match &latest {
        Some((seq, p)) if p.score == s.score => (p.components != s.components).then_some(*seq),
        _ => Some(crate::storage::next_id(tx, "credit_score")?),
    };
    if let Some(seq) = row {
        tx.open(tables::CREDIT_SCORES)?
            .put((retailer_id, seq), &s)?;
    }
    let previous = latest.map(|(_, p)| p);
    let subject = format!("retailer:{retailer_id}");
    if let Some(p) = previous.filter(|p| p.score >= s.score + rules.score_drop_alert) {
        let msg = format!(
            "{}: credit score fell from {} to {}",
            r.name, p.score, s.score
        );
        alerts::raise(tx, alerts::AlertKind::ScoreDrop, &subject, msg, now)?;
    }
    let pos = position(tx, &r)?;
    let used = pos.posted_paisa + pos.held_paisa;
    if r.credit_limit_paisa > 0
        && used * 100 > r.credit_limit_paisa * i64::from(rules.utilization_alert_percent)
    {
        let msg = format!(
            "{}: {} % of the credit limit in use",
            r.name,
            used * 100 / r.credit_limit_paisa
        );
        alerts::raise(tx, alerts::AlertKind::CreditUtilization, &subject, msg, now)?;
    } else {
        alerts::resolve(tx, alerts::AlertKind::CreditUtilization, &subject, now)?;
    }
    let overdue = days_overdue(tx, retailer_id, today)?;
    if overdue > 0 {
        let msg = format!("{}: a payment is {overdue} days overdue", r.name);
        alerts::raise(tx, alerts::AlertKind::Overdue, &subject, msg, now)?;
    } else {
        alerts::resolve(tx, alerts::AlertKind::Overdue, &subject, now)?;
    }
    Ok(s)
}
