//! The write half of handling a message: everything it causes, its log, its replies and its
//! provider id, in one write transaction.

use chrono::{DateTime, Utc};

use super::respond::{self, Env, Plan, Who};
use super::service::{Handled, Incoming, SharedPlan};
use super::{Conversation, InboundRecord};
use crate::messaging::outbox::{self, Channel, Status};
use crate::preview::Reader as Reading;
use crate::storage::{StoreError, TableRead, Tx, WriteTx, tables};
use crate::types::Msisdn;

pub(super) fn identify(tx: &impl Tx, phone: &Msisdn) -> Result<Who, StoreError> {
    if let Some(r) = crate::retailers::store::by_phone(tx, phone)? {
        return Ok(if r.active {
            Who::Retailer(r)
        } else {
            Who::Inactive
        });
    }
    if let Some(v) = crate::catalog::store::vendor_by_phone(tx, phone)? {
        return Ok(if v.active {
            Who::Vendor(v)
        } else {
            Who::Inactive
        });
    }
    Ok(Who::Stranger)
}

pub(super) fn conversation(tx: &impl Tx, phone: &Msisdn) -> Result<Conversation, StoreError> {
    Ok(tx
        .open(tables::CONVERSATIONS)?
        .get(phone.as_str())?
        .unwrap_or_default())
}

pub(super) fn history_of(
    tx: &impl Tx,
    who: &Who,
) -> Result<std::collections::HashMap<u64, u32>, StoreError> {
    match who {
        Who::Retailer(r) => crate::orders::history::product_counts(tx, r.id),
        _ => Ok(Default::default()),
    }
}

/// The write half: everything the message causes, its log, its replies and its provider id,
/// together. A plan made on an older conversation is made again here.
pub(super) fn apply(
    tx: &WriteTx,
    msg: &Incoming,
    key: &str,
    plan: SharedPlan,
    env: &Env<'_>,
) -> Result<Handled, StoreError> {
    if let Some(seen) = tx.open(tables::INBOUND_SEEN)?.get(key)? {
        return Ok(Handled {
            replies: seen.replies,
            duplicate: true,
            ..Handled::default()
        });
    }
    let first_message = crate::storage::last_id(tx, "message")?;
    let who = identify(tx, &msg.from)?;
    let mut conv = conversation(tx, &msg.from)?;
    // A plan is reused only when nothing it was made on has changed: the conversation, and
    // who the sender is (a vendor deactivated meanwhile is no longer one).
    let plan = replan_if_stale(tx, msg, plan, &who, &conv, env)?;
    let lang = plan.lang;
    let replies = respond::apply(tx, plan, &msg.from, &who, &mut conv, env)?;
    log_exchange(tx, msg, key, Status::Received, &replies, env.now)?;
    touch_conversation(tx, msg, &who, conv, lang, env.now)?;
    Ok(Handled {
        replies,
        duplicate: false,
        throttled: false,
        caused: caused_since(tx, first_message)?,
    })
}

/// The plan made on a snapshot, or made again when the conversation or the sender changed
/// since: the doors check everything else again.
fn replan_if_stale(
    tx: &WriteTx,
    msg: &Incoming,
    plan: SharedPlan,
    who: &Who,
    conv: &Conversation,
    env: &Env<'_>,
) -> Result<Plan, StoreError> {
    if plan.0.version == conv.version && plan.0.party == who.party() {
        return Ok(Plan {
            version: plan.0.version,
            party: plan.0.party,
            lang: plan.0.lang,
            step: plan.0.step.clone(),
        });
    }
    let history = history_of(tx, who)?;
    let env = Env {
        reading: Reading {
            history: Some(&history),
            ..env.reading
        },
        ..*env
    };
    respond::plan(tx, &msg.body, who, conv, &env)
}

/// Logs an inbound message with its answers and remembers them for a redelivery. Meta has no
/// synchronous answer, so there the replies wait in the outbox like any message.
pub(super) fn log_exchange(
    tx: &WriteTx,
    msg: &Incoming,
    key: &str,
    status: Status,
    replies: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id = outbox::record_in(
        tx,
        &msg.from,
        msg.channel,
        msg.body.clone(),
        &msg.provider_id,
        status,
        now,
    )?;
    for r in replies {
        match msg.channel {
            Channel::Meta => outbox::enqueue_on(
                tx,
                &msg.from,
                Some(Channel::Meta),
                "reply",
                r.clone(),
                None,
                now,
            )?,
            c => outbox::record_sent(tx, &msg.from, c, "reply", r.clone(), now)?,
        };
    }
    let record = InboundRecord {
        message_id: id,
        replies: replies.to_vec(),
    };
    tx.open(tables::INBOUND_SEEN)?.put(key, &record)
}

/// The conversation after a message: its language when the sender wrote in Devanagari, the
/// channel it came by, and a new version (so plans made on the old one are made again).
fn touch_conversation(
    tx: &WriteTx,
    msg: &Incoming,
    who: &Who,
    mut conv: Conversation,
    lang: crate::retailers::Language,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if !matches!(who, Who::Stranger) && respond::has_devanagari(&msg.body) {
        conv.language = Some(lang);
    }
    conv.version += 1;
    conv.last_channel = Some(msg.channel);
    conv.last_inbound_at = Some(now);
    tx.open(tables::CONVERSATIONS)?
        .put(msg.from.as_str(), &conv)
}

/// Every outgoing message written since message id `first` (what the inbound one caused).
fn caused_since(tx: &WriteTx, first: u64) -> Result<Vec<(String, String)>, StoreError> {
    let last = crate::storage::last_id(tx, "message")?;
    let messages = tx.open(tables::MESSAGES)?;
    let mut caused = Vec::new();
    for id in first + 1..=last {
        if let Some(m) = messages
            .get(id)?
            .filter(|m: &outbox::Message| m.direction == outbox::Direction::Out)
        {
            caused.push((m.phone.to_string(), m.body));
        }
    }
    Ok(caused)
}
