//! Risk alerts for operators: high utilization, overdue payments, score drops, orders no vendor
//! would take, new leads. One open alert per subject and kind; raising it again only refreshes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, tables};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    CreditUtilization,
    Overdue,
    ScoreDrop,
    NoVendor,
    Lead,
    Delivery,
    /// A listing's price moved far more than the product's prices usually do.
    PriceChange,
    /// A listing's stock will not last the days of sales configured.
    StockOut,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::CreditUtilization => "credit_utilization",
            AlertKind::Overdue => "overdue",
            AlertKind::ScoreDrop => "score_drop",
            AlertKind::NoVendor => "no_vendor",
            AlertKind::Lead => "lead",
            AlertKind::Delivery => "delivery",
            AlertKind::PriceChange => "price_change",
            AlertKind::StockOut => "stock_out",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: u64,
    pub kind: AlertKind,
    /// What it is about, e.g. `retailer:4`, `order:17`.
    pub subject: String,
    pub message: String,
    #[serde(with = "crate::storage::ts")]
    pub raised_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts::opt")]
    pub resolved_at: Option<DateTime<Utc>>,
}

fn key(kind: AlertKind, subject: &str) -> String {
    format!("{}|{subject}", kind.as_str())
}

/// Whether an alert of this kind about this subject is open.
pub fn is_open(tx: &impl Tx, kind: AlertKind, subject: &str) -> Result<bool, StoreError> {
    Ok(tx
        .open(tables::OPEN_ALERTS)?
        .get(key(kind, subject).as_str())?
        .is_some())
}

/// Raises an alert, or refreshes the open one with the same kind and subject.
pub fn raise(
    tx: &WriteTx,
    kind: AlertKind,
    subject: &str,
    message: String,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let k = key(kind, subject);
    let mut alerts = tx.open(tables::ALERTS)?;
    if let Some(id) = tx.open(tables::OPEN_ALERTS)?.get(k.as_str())? {
        let mut a = alerts.need(id, "open alert")?;
        if a.message != message {
            a.message = message;
            a.updated_at = now;
            alerts.put(id, &a)?;
        }
        return Ok(id);
    }
    let id = next_id(tx, "alert")?;
    let a = Alert {
        id,
        kind,
        subject: subject.to_string(),
        message,
        raised_at: now,
        updated_at: now,
        resolved_at: None,
    };
    alerts.put(id, &a)?;
    drop(alerts);
    tx.open(tables::OPEN_ALERTS)?.put(k.as_str(), &id)?;
    Ok(id)
}

/// Resolves the open alert of this kind and subject, if any.
pub fn resolve(
    tx: &WriteTx,
    kind: AlertKind,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let k = key(kind, subject);
    let Some(id) = tx.open(tables::OPEN_ALERTS)?.remove(k.as_str())? else {
        return Ok(());
    };
    let mut alerts = tx.open(tables::ALERTS)?;
    let mut a = alerts.need(id, "open alert")?;
    a.resolved_at = Some(now);
    a.updated_at = now;
    alerts.put(id, &a)
}

/// Alerts newest first; `open_only` hides resolved ones.
pub fn list(
    tx: &impl Tx,
    open_only: bool,
    kind: Option<AlertKind>,
    cursor: Option<u64>,
    limit: usize,
) -> Result<crate::support::page::Page<Alert>, StoreError> {
    let view = tx.open(tables::ALERTS)?;
    crate::support::page::newest_first(&view, cursor, limit, |a: &Alert| {
        (!open_only || a.resolved_at.is_none()) && kind.is_none_or(|k| a.kind == k)
    })
}
