//! What became of a message after it was logged: its status, attempts, channel, provider id
//! and last error. A message row is written once; every later change of its state is a small
//! row of its own in `message_states`, which a read lays over the message. Rewriting the
//! message itself would re-pack its body each time, and a row that grows by a byte splits a
//! full page of the log in two (half-empty pages for good: new messages only ever go at the
//! end). A message without a state row is as it was logged (and every message written before
//! schema 7 is).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::outbox::{Channel, Message, Status};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, tables};

/// A message's state after it was logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub status: Status,
    pub attempts: u32,
    pub channel: Option<Channel>,
    #[serde(with = "crate::storage::ts")]
    pub next_attempt_at: DateTime<Utc>,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
}

impl Delivery {
    pub fn of(m: &Message) -> Self {
        Delivery {
            status: m.status,
            attempts: m.attempts,
            channel: m.channel,
            next_attempt_at: m.next_attempt_at,
            provider_id: m.provider_id.clone(),
            last_error: m.last_error.clone(),
            updated_at: m.updated_at,
        }
    }

    fn apply_to(self, m: &mut Message) {
        m.status = self.status;
        m.attempts = self.attempts;
        m.channel = self.channel;
        m.next_attempt_at = self.next_attempt_at;
        m.provider_id = self.provider_id;
        m.last_error = self.last_error;
        m.updated_at = self.updated_at;
    }
}

/// Lays the latest state, if the message has one, over a message as logged.
pub(crate) fn current(
    states: &impl TableRead<u64, Delivery>,
    mut m: Message,
) -> Result<Message, StoreError> {
    if let Some(d) = states.get(m.id)? {
        d.apply_to(&mut m);
    }
    Ok(m)
}

/// A message as it stands now, or `None` when there is no such message.
pub(crate) fn read(tx: &impl Tx, id: u64) -> Result<Option<Message>, StoreError> {
    match tx.open(tables::MESSAGES)?.get(id)? {
        Some(m) => current(&tx.open(tables::MESSAGE_STATES)?, m).map(Some),
        None => Ok(None),
    }
}

/// Records `after`'s state; whether the message had a state row before. The logged row is
/// rewritten only if what it says changed (who, what, when it was written), which no caller
/// does today.
pub(crate) fn write(tx: &WriteTx, before: &Message, after: &Message) -> Result<bool, StoreError> {
    if logged(before) != logged(after) {
        tx.open(tables::MESSAGES)?.put(after.id, after)?;
    }
    tx.open(tables::MESSAGE_STATES)?
        .replace(after.id, &Delivery::of(after))
}

/// What a logged row says apart from its state: who, what, and when it was written.
fn logged(
    m: &Message,
) -> (
    super::outbox::Direction,
    &str,
    &str,
    &str,
    Option<u64>,
    DateTime<Utc>,
) {
    (
        m.direction,
        m.phone.as_str(),
        &m.kind,
        &m.body,
        m.order_id,
        m.created_at,
    )
}

/// Forgets a deleted message's state.
pub(crate) fn forget(tx: &WriteTx, id: u64) -> Result<(), StoreError> {
    tx.open(tables::MESSAGE_STATES)?.remove(id).map(|_| ())
}
