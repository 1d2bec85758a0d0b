//! Sending a given-up message again: the one door for it (admins, from the console), which
//! puts the message back in the outbox, resolves its delivery alert and records who did it,
//! in one write transaction. The sender then takes it like any other due message.

use chrono::{DateTime, Utc};

use crate::audit::{self, Actor};
use crate::credit::alerts::{self, AlertKind};
use crate::messaging::dead_letters::{self, RetryError};
use crate::messaging::outbox::Message;
use crate::storage::WriteTx;

/// Moves a dead or failed outgoing message back to pending, due at `now` with its attempts
/// reset, and audits it as `outbox.retry`. Returns the message as it is now.
pub fn retry(
    tx: &WriteTx,
    actor: &Actor,
    id: u64,
    now: DateTime<Utc>,
) -> Result<Message, RetryError> {
    let (before, after) = dead_letters::retry(tx, id, now)?;
    let subject = format!("message:{id}");
    alerts::resolve(tx, AlertKind::Delivery, &subject, now)?;
    let details = format!(
        "{} after {} attempts, now pending ({})",
        before.status.as_str(),
        before.attempts,
        before.kind
    );
    audit::record(tx, now, actor, "outbox.retry", subject, details)?;
    Ok(after)
}
