//! Personal data is not kept for ever: a nightly job deletes message bodies and phone numbers
//! from the message log, the webhook deduplication records and idle conversations after the
//! configured retention, and refresh tokens once they have expired. Each step runs in bounded
//! write transactions; a batch that fails is logged and skipped, and the next night tries again.
//!
//! What the business keeps (orders, the ledger, the audit log, daily figures) holds no message
//! text; order histories name actors, never phone numbers.
//!
//! Routing decisions (every candidate vendor of an order with its scores) are not personal but
//! are the largest record of an order; they are kept for their own retention, so the file does
//! not grow with them for ever.

use chrono::{DateTime, Duration, Utc};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::storage::typed::OwnedKey;
use crate::storage::{Store, StoreError, Table, TableRead, WriteTx, tables};
use crate::support::telemetry::Walked;

/// Records handled per write transaction.
const BATCH: usize = 1000;

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub messages: Duration,
    /// At least as long as the providers retry a webhook (Meta: up to 7 days), so a late
    /// redelivery is still recognised.
    pub dedupe: Duration,
    /// How long an expired refresh token is kept (to recognise a stolen one replayed late).
    pub refresh_grace: Duration,
    /// How long an order's routing decisions are kept.
    pub routing: Duration,
    /// How long an order request's `Idempotency-Key` is honoured.
    pub idempotency: Duration,
}

impl Retention {
    /// How long things are kept, as configured.
    pub fn from_config(c: &crate::config::RetentionConfig) -> Self {
        let days = |d: u32| chrono::Duration::days(i64::from(d));
        Self {
            messages: days(c.messages_days),
            dedupe: days(c.dedupe_days),
            refresh_grace: days(c.refresh_token_grace_days),
            routing: days(c.routing_days),
            idempotency: days(c.idempotency_days),
        }
    }
}

/// The nightly work (the retention job, `khaacho prune`): prune what is past its retention,
/// then repack the rows that have settled (`storage::repack`).
pub async fn nightly(
    store: &Store,
    keep: Retention,
    now: DateTime<Utc>,
) -> (Walked, crate::storage::repack::Repacked) {
    let pruned = prune(store, keep, now).await;
    (pruned, crate::storage::repack::run(store, now).await)
}

/// One kind of record pruned in one bounded batch: (removed, whether more may remain).
type Step = fn(&WriteTx, Retention, DateTime<Utc>) -> Result<(usize, bool), StoreError>;

/// Prunes everything past its retention. Returns the records removed and the batches skipped.
pub async fn prune(store: &Store, keep: Retention, now: DateTime<Utc>) -> Walked {
    let mut walked = Walked::default();
    let steps: [(&str, Step); 6] = [
        ("messages", messages),
        ("dedupe", dedupe),
        ("conversations", conversations),
        ("refresh_tokens", refresh_tokens),
        ("routing_decisions", routing_decisions),
        ("idempotency", idempotency),
    ];
    for (what, step) in steps {
        loop {
            match store.write(move |tx| step(tx, keep, now)).await {
                Ok((n, more)) => {
                    walked.done += n;
                    if !more || n == 0 {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(what, error = %e, "retention: a batch failed; skipped");
                    walked.skipped += 1;
                    break;
                }
            }
        }
    }
    walked
}

fn messages(
    tx: &WriteTx,
    keep: Retention,
    now: DateTime<Utc>,
) -> Result<(usize, bool), StoreError> {
    crate::messaging::outbox::prune_before(tx, now - keep.messages, BATCH)
}

/// What a retention step makes of one row.
enum Verdict {
    Keep,
    Remove,
    /// This row and every later one are kept (the table is in time order).
    Stop,
}

/// Removes up to [`BATCH`] rows of `table` that `verdict` calls stale, walking from its first
/// key. Returns how many were removed and whether a full batch was taken (more may remain).
fn sweep<K: OwnedKey, V: Serialize + DeserializeOwned>(
    tx: &WriteTx,
    table: Table<K, V>,
    mut verdict: impl FnMut(&V) -> Result<Verdict, StoreError>,
) -> Result<(usize, bool), StoreError> {
    let stale: Vec<K::Owned> = {
        let view = tx.open(table)?;
        let mut stale = Vec::new();
        for entry in view.iter()? {
            let (key, value) = entry?;
            match verdict(&value)? {
                Verdict::Keep => continue,
                Verdict::Stop => break,
                Verdict::Remove => stale.push(key),
            }
            if stale.len() >= BATCH {
                break;
            }
        }
        stale
    };
    let mut t = tx.open(table)?;
    for k in &stale {
        t.remove(K::borrowed(k))?;
    }
    Ok((stale.len(), stale.len() >= BATCH))
}

/// For a table in time order: removed while `stale`, and the walk stops at the first row kept.
fn remove_until_kept(stale: bool) -> Result<Verdict, StoreError> {
    Ok(if stale {
        Verdict::Remove
    } else {
        Verdict::Stop
    })
}

/// Removed when `stale`, kept otherwise.
fn remove_if(stale: bool) -> Result<Verdict, StoreError> {
    Ok(if stale {
        Verdict::Remove
    } else {
        Verdict::Keep
    })
}

/// Webhook records whose message is older than the dedupe retention, or already gone (the
/// message retention is at least as long).
fn dedupe(tx: &WriteTx, keep: Retention, now: DateTime<Utc>) -> Result<(usize, bool), StoreError> {
    let cutoff = now - keep.dedupe;
    let messages = tx.open(tables::MESSAGES)?;
    sweep(tx, tables::INBOUND_SEEN, |record| {
        remove_if(
            messages
                .get(record.message_id)?
                .is_none_or(|m| m.created_at < cutoff),
        )
    })
}

/// Conversations nobody has written in for the message retention.
fn conversations(
    tx: &WriteTx,
    keep: Retention,
    now: DateTime<Utc>,
) -> Result<(usize, bool), StoreError> {
    let cutoff = now - keep.messages;
    sweep(tx, tables::CONVERSATIONS, |c| {
        // A pending preview lives minutes; one this old was never confirmed.
        let pending_old = c.pending.as_ref().is_none_or(|p| p.created_at < cutoff);
        remove_if(pending_old && c.last_inbound_at.is_none_or(|t| t < cutoff))
    })
}

fn refresh_tokens(
    tx: &WriteTx,
    keep: Retention,
    now: DateTime<Utc>,
) -> Result<(usize, bool), StoreError> {
    let cutoff = now - keep.refresh_grace;
    sweep(tx, tables::REFRESH_TOKENS, |t| {
        remove_if(t.expires_at < cutoff)
    })
}

/// Routing decisions older than the routing retention. They are keyed by order, and orders are
/// numbered in time, so the walk starts at the oldest and stops at the first one still kept.
fn routing_decisions(
    tx: &WriteTx,
    keep: Retention,
    now: DateTime<Utc>,
) -> Result<(usize, bool), StoreError> {
    let cutoff = now - keep.routing;
    sweep(tx, tables::ROUTING_DECISIONS, |d| {
        remove_until_kept(d.at < cutoff)
    })
}

/// Order requests' `Idempotency-Key` records older than their retention: a retry that late
/// is a new order. Kept in the order requests came, so the walk stops at the first one still
/// kept. The store's index forgets each at once: a key past its retention is not honoured
/// even if this batch then fails and the row stays until the next night.
fn idempotency(
    tx: &WriteTx,
    keep: Retention,
    now: DateTime<Utc>,
) -> Result<(usize, bool), StoreError> {
    let cutoff = now - keep.idempotency;
    let index = tx.keyed();
    sweep(tx, tables::IDEMPOTENCY, |r| {
        let stale = r.at < cutoff;
        if let (true, Some(&first)) = (stale, r.order_ids.first()) {
            index.forget(&r.scope, first);
        }
        remove_until_kept(stale)
    })
}
