//! The durable outbox: messages to send, written in the same transaction as the change that
//! caused them, so a crash loses none. A sender task (see `whatsapp::sender`) delivers them
//! with retries and moves them to `dead` after too many failures.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, tables};
use crate::types::Msisdn;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
    /// Gave up after the configured number of attempts; shown to operators.
    Dead,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: u64,
    pub to: Msisdn,
    /// What the message is for (e.g. `order_new_vendor`), which picks the template outside
    /// WhatsApp's 24-hour window.
    pub kind: String,
    pub body: String,
    pub order_id: Option<u64>,
    pub status: OutboxStatus,
    pub attempts: u32,
    #[serde(with = "crate::storage::ts")]
    pub next_attempt_at: DateTime<Utc>,
    pub provider: Option<String>,
    /// The provider's id for the sent message (for delivery callbacks).
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
}

/// Queues a message for sending, in the caller's transaction.
pub fn enqueue(
    tx: &WriteTx,
    to: &Msisdn,
    kind: &str,
    body: String,
    order_id: Option<u64>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let id = next_id(tx, "outbox")?;
    let m = OutboxMessage {
        id,
        to: to.clone(),
        kind: kind.to_string(),
        body,
        order_id,
        status: OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        provider: None,
        provider_id: None,
        last_error: None,
        created_at: now,
        updated_at: now,
    };
    tx.open(tables::OUTBOX)?.put(id, &m)?;
    tx.open(tables::OUTBOX_DUE)?
        .put((now.timestamp_millis(), id), &id)?;
    Ok(id)
}

pub fn get(tx: &impl Tx, id: u64) -> Result<Option<OutboxMessage>, StoreError> {
    tx.open(tables::OUTBOX)?.get(id)
}
