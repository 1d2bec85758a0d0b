//! Recommendations: one open recommendation per kind and subject, raised by the nightly rules
//! with the figures that triggered it and a plain reason, refreshed while the condition holds,
//! expired when it clears. A dismissed or done one is not raised again for the same subject
//! for [`SNOOZE_DAYS`] days.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, tables};

pub const SNOOZE_DAYS: i64 = 30;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    RaiseCreditLimit,
    LowerCreditLimit,
    PreventChurn,
    WarnVendor,
    PromoteVendor,
    RenegotiatePrice,
    ReorderStock,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RaiseCreditLimit => "raise_credit_limit",
            Kind::LowerCreditLimit => "lower_credit_limit",
            Kind::PreventChurn => "prevent_churn",
            Kind::WarnVendor => "warn_vendor",
            Kind::PromoteVendor => "promote_vendor",
            Kind::RenegotiatePrice => "renegotiate_price",
            Kind::ReorderStock => "reorder_stock",
        }
    }

    pub const ALL: [Kind; 7] = [
        Kind::RaiseCreditLimit,
        Kind::LowerCreditLimit,
        Kind::PreventChurn,
        Kind::WarnVendor,
        Kind::PromoteVendor,
        Kind::RenegotiatePrice,
        Kind::ReorderStock,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Done,
    Dismissed,
    /// The condition cleared before anyone acted.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub id: u64,
    pub kind: Kind,
    /// What it is about: `retailer:4`, `vendor:2`, `listing:17`.
    pub subject: String,
    pub reason: String,
    /// The figures that triggered it.
    pub figures: BTreeMap<String, f64>,
    pub status: Status,
    #[serde(with = "crate::storage::ts")]
    pub raised_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts::opt")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it (done or dismissed), as the audit log writes it.
    pub closed_by: Option<String>,
}

/// A condition that holds now: the reason and the figures.
#[derive(Debug, Clone)]
pub struct Finding {
    pub subject: String,
    pub reason: String,
    pub figures: BTreeMap<String, f64>,
}

fn key(kind: Kind, subject: &str) -> String {
    format!("{}|{subject}", kind.as_str())
}

/// What the rules found for one kind replaces what was open of it: findings are raised or
/// refreshed (unless closed by someone within the snooze), open ones not found expire.
/// Returns (raised, expired).
pub fn settle(
    tx: &WriteTx,
    kind: Kind,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> Result<(u32, u32), StoreError> {
    let (mut raised, mut expired) = (0, 0);
    let found: BTreeSet<&str> = findings.iter().map(|f| f.subject.as_str()).collect();
    for f in findings {
        if raise(tx, kind, f, now)? {
            raised += 1;
        }
    }
    let prefix = format!("{}|", kind.as_str());
    let latest: Vec<(String, u64)> = tx
        .open(tables::RECOMMENDATION_KEYS)?
        .range(prefix.as_str()..format!("{}}}", kind.as_str()).as_str())?
        .collect::<Result<_, _>>()?;
    let mut recs = tx.open(tables::RECOMMENDATIONS)?;
    for (k, id) in latest {
        let subject = &k[prefix.len()..];
        let mut r = recs.need(id, "recommendation")?;
        if r.status == Status::Open && !found.contains(subject) {
            r.status = Status::Expired;
            r.closed_at = Some(now);
            r.updated_at = now;
            recs.put(id, &r)?;
            expired += 1;
        }
    }
    Ok((raised, expired))
}

/// Raises a recommendation, or refreshes the open one; true when a new one was raised.
fn raise(tx: &WriteTx, kind: Kind, f: &Finding, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let k = key(kind, &f.subject);
    let mut recs = tx.open(tables::RECOMMENDATIONS)?;
    if let Some(id) = tx.open(tables::RECOMMENDATION_KEYS)?.get(k.as_str())? {
        let mut r = recs.need(id, "recommendation")?;
        match r.status {
            Status::Open => {
                if r.reason != f.reason || r.figures != f.figures {
                    r.reason = f.reason.clone();
                    r.figures = f.figures.clone();
                    r.updated_at = now;
                    recs.put(id, &r)?;
                }
                return Ok(false);
            }
            Status::Done | Status::Dismissed
                if r.closed_at
                    .is_some_and(|c| now - c < Duration::days(SNOOZE_DAYS)) =>
            {
                return Ok(false);
            }
            _ => {}
        }
    }
    let id = next_id(tx, "recommendation")?;
    let r = Recommendation {
        id,
        kind,
        subject: f.subject.clone(),
        reason: f.reason.clone(),
        figures: f.figures.clone(),
        status: Status::Open,
        raised_at: now,
        updated_at: now,
        closed_at: None,
        closed_by: None,
    };
    recs.put(id, &r)?;
    drop(recs);
    tx.open(tables::RECOMMENDATION_KEYS)?.put(k.as_str(), &id)?;
    Ok(true)
}

/// Marks an open recommendation done or dismissed (the one door for both, audited by the
/// caller's service). A closed one answers with its state unchanged.
pub fn close(
    tx: &WriteTx,
    id: u64,
    to: Status,
    actor: &crate::audit::Actor,
    now: DateTime<Utc>,
) -> Result<Option<Recommendation>, StoreError> {
    let mut recs = tx.open(tables::RECOMMENDATIONS)?;
    let Some(mut r) = recs.get(id)? else {
        return Ok(None);
    };
    if r.status != Status::Open {
        return Ok(Some(r));
    }
    r.status = to;
    r.closed_at = Some(now);
    r.updated_at = now;
    r.closed_by = Some(actor.label());
    recs.put(id, &r)?;
    drop(recs);
    let verb = if to == Status::Done {
        "done"
    } else {
        "dismiss"
    };
    crate::audit::record(
        tx,
        now,
        actor,
        &format!("recommendation.{verb}"),
        format!("recommendation:{id}"),
        format!("{} {}", r.kind.as_str(), r.subject),
    )?;
    Ok(Some(r))
}

/// Recommendations newest first, filtered by status and kind.
pub fn list(
    tx: &impl Tx,
    status: Option<Status>,
    kind: Option<Kind>,
    cursor: Option<u64>,
    limit: usize,
) -> Result<crate::support::page::Page<Recommendation>, StoreError> {
    let view = tx.open(tables::RECOMMENDATIONS)?;
    crate::support::page::newest_first(&view, cursor, limit, |r: &Recommendation| {
        status.is_none_or(|s| r.status == s) && kind.is_none_or(|k| r.kind == k)
    })
}

/// Figures from name/value pairs.
pub fn figures<const N: usize>(pairs: [(&str, f64); N]) -> BTreeMap<String, f64> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
