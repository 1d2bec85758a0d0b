//! What one attempt to send an outbox message came to, and the message's state after it:
//! sent, due again after a backoff, or given up (an alert for operators).

use chrono::{DateTime, Duration, Utc};

use crate::config::WhatsAppConfig;
use crate::credit::alerts::{self, AlertKind};
use crate::messaging::outbox::{self, Channel, Message, Status};
use crate::storage::{StoreError, WriteTx};

/// The longest wait between attempts.
const MAX_BACKOFF_SECS: i64 = 3600;

/// How one attempt ended.
pub(super) enum Outcome {
    Sent {
        channel: Channel,
        provider_id: Option<String>,
    },
    Retry {
        channel: Channel,
        error: String,
    },
    Failed {
        channel: Option<Channel>,
        error: String,
    },
}

/// The message as it stands after an attempt ended in `outcome`.
pub(super) fn settle(
    before: &Message,
    outcome: Outcome,
    now: DateTime<Utc>,
    cfg: &WhatsAppConfig,
) -> Message {
    let mut after = before.clone();
    after.attempts += 1;
    after.updated_at = now;
    match outcome {
        Outcome::Sent {
            channel,
            provider_id,
        } => {
            after.status = Status::Sent;
            after.channel = Some(channel);
            after.provider_id = provider_id;
        }
        Outcome::Retry { channel, error } if after.attempts < cfg.send_attempts => {
            let wait = (cfg.retry_base_secs as i64) << (after.attempts - 1).min(20);
            after.channel = Some(channel);
            after.last_error = Some(error);
            after.next_attempt_at = now + Duration::seconds(wait.min(MAX_BACKOFF_SECS));
        }
        Outcome::Retry { channel, error } => {
            after.status = Status::Dead;
            after.channel = Some(channel);
            after.last_error = Some(error);
        }
        Outcome::Failed { channel, error } => {
            after.status = Status::Dead;
            after.channel = channel.or(after.channel);
            after.last_error = Some(error);
        }
    }
    if after.status == Status::Dead {
        tracing::warn!(message_id = after.id, to = %after.phone.masked(), "outgoing message given up");
    }
    after
}

/// Saves one message's new state; one given up raises an alert for operators.
pub(super) fn record_one(
    tx: &WriteTx,
    before: &Message,
    after: &Message,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    outbox::save(tx, before, after)?;
    if after.status == Status::Dead {
        let msg = format!(
            "message {} to {} could not be sent: {}",
            after.id,
            after.phone,
            after.last_error.clone().unwrap_or_default()
        );
        alerts::raise(
            tx,
            AlertKind::Delivery,
            &format!("message:{}", after.id),
            msg,
            now,
        )?;
    }
    Ok(())
}

/// The outcome for a message outside the 24-hour window with no template for its kind.
pub(super) fn outside_window(channel: Channel, kind: &str) -> Outcome {
    Outcome::Failed {
        channel: Some(channel),
        error: format!(
            "outside WhatsApp's 24-hour window and no template is configured for '{kind}'"
        ),
    }
}
