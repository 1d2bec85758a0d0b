//! Idempotency for order placement: the same `Idempotency-Key` with the same request returns
//! the orders it created; with another request it is refused.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::create::NewOrder;
use super::{Order, OrderError};
use crate::storage::keyed::Keyed;
use crate::storage::{StoreError, TableRead, Tx, WriteTx, tables};

/// What a keyed request created, stored under its first order's id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct IdempotencyRecord {
    /// "order:<retailer>:<Idempotency-Key>".
    pub scope: String,
    /// SHA-256 of the request as placed.
    pub request_hash: [u8; 32],
    pub order_ids: Vec<u64>,
    #[serde(with = "crate::storage::ts")]
    pub at: DateTime<Utc>,
}

impl Keyed for IdempotencyRecord {
    fn key_text(&self) -> &str {
        &self.scope
    }
}

pub(super) fn idempotency_scope(req: &NewOrder) -> Result<Option<String>, OrderError> {
    let Some(key) = req
        .idempotency_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    else {
        return Ok(None);
    };
    if key.len() > 200 || key.chars().any(char::is_control) {
        return Err(OrderError::Invalid(
            "Idempotency-Key must be 1 to 200 printable characters".into(),
        ));
    }
    Ok(Some(format!("order:{}:{key}", req.retailer_id)))
}

/// The orders created earlier under this key, when the request is the same; a different
/// request under a used key is refused.
pub(super) fn replay(
    tx: &impl Tx,
    scope: &str,
    req: &NewOrder,
) -> Result<Option<Vec<Order>>, OrderError> {
    let Some(record) = find(tx, scope)? else {
        return Ok(None);
    };
    if record.request_hash != request_hash(req) {
        return Err(OrderError::IdempotencyConflict);
    }
    let orders = tx.open(tables::ORDERS)?;
    let found = record
        .order_ids
        .iter()
        .map(|id| orders.need(*id, format_args!("order {id}")))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(found))
}

/// The record kept for `scope`, if any: of the rows the index names, the one that carries it.
fn find(tx: &impl Tx, scope: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
    let candidates = tx.keyed().candidates(scope);
    if candidates.is_empty() {
        return Ok(None);
    }
    let records = tx.open(tables::IDEMPOTENCY)?;
    for id in candidates {
        if let Some(record) = records.get(id)?
            && record.scope == scope
        {
            return Ok(Some(record));
        }
    }
    Ok(None)
}

/// Keeps what a keyed request created, so the same request again answers with it. The index
/// learns of the row in the same job, before the commit.
pub(super) fn remember(
    tx: &WriteTx,
    scope: String,
    req: &NewOrder,
    orders: &[Order],
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    let Some(first) = orders.first().map(|o| o.id) else {
        return Ok(());
    };
    let record = IdempotencyRecord {
        scope,
        request_hash: request_hash(req),
        order_ids: orders.iter().map(|o| o.id).collect(),
        at: now,
    };
    tx.open(tables::IDEMPOTENCY)?.put(first, &record)?;
    tx.keyed().add(&record.scope, first);
    Ok(())
}

pub(super) fn request_hash(req: &NewOrder) -> [u8; 32] {
    let canonical = serde_json::to_vec(req).unwrap_or_default();
    Sha256::digest(&canonical).into()
}
