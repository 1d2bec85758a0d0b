//! The message log and the durable outbox. Every WhatsApp message in or out is one row;
//! an outgoing row is written in the same transaction as the change that caused it and stays
//! `pending` until the sender (`whatsapp::sender`) delivers it, with retries, or gives up
//! (`dead`, shown to operators). A crash loses none. How the sender finds what is waiting is
//! `messaging::queue`'s.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::delivery;
pub use super::queue::{due, save, settle_simulated};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, postings, tables};
use crate::support::page::Page;
use crate::types::Msisdn;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

/// The way a message travels: a WhatsApp provider, or the built-in simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Twilio,
    Meta,
    Simulator,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Twilio => "twilio",
            Channel::Meta => "meta",
            Channel::Simulator => "simulator",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An inbound message we handled.
    Received,
    /// An inbound message not handled because its sender was over the rate limit.
    Throttled,
    /// Waiting in the outbox.
    Pending,
    Sent,
    Delivered,
    Read,
    /// The provider refused it for good.
    Failed,
    /// Gave up after the configured number of attempts.
    Dead,
}

impl Status {
    /// The status as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Throttled => "throttled",
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Failed => "failed",
            Status::Dead => "dead",
        }
    }

    /// Delivery reports arrive out of order; a status only ever moves up this rank.
    pub fn rank(self) -> u8 {
        match self {
            Status::Received | Status::Throttled | Status::Pending => 0,
            Status::Sent => 1,
            Status::Delivered => 2,
            Status::Read => 3,
            Status::Failed | Status::Dead => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: u64,
    pub direction: Direction,
    pub phone: Msisdn,
    /// Chosen by the sender for outgoing messages nobody asked for.
    pub channel: Option<Channel>,
    /// What an outgoing message is for (e.g. `order_new_vendor`), which picks its template.
    pub kind: String,
    pub body: String,
    pub order_id: Option<u64>,
    pub status: Status,
    pub attempts: u32,
    #[serde(with = "crate::storage::ts")]
    pub next_attempt_at: DateTime<Utc>,
    /// The provider's id for the message (inbound id, or the sent message's id).
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
}

fn insert(tx: &WriteTx, m: &Message) -> Result<(), StoreError> {
    tx.open(tables::MESSAGES)?.put(m.id, m)?;
    postings::add(tx, tables::MESSAGES_BY_PHONE, m.phone.as_u64(), m.id)?;
    if let (Some(c), Some(pid)) = (m.channel, &m.provider_id) {
        tx.open(tables::PROVIDER_MESSAGE_IDS)?
            .put(format!("{}:{pid}", c.as_str()).as_str(), &m.id)?;
    }
    Ok(())
}

/// A new message with the next id; callers set what differs from an outgoing pending one.
fn new(
    tx: &WriteTx,
    direction: Direction,
    phone: &Msisdn,
    body: String,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    Ok(Message {
        id: next_id(tx, "message")?,
        direction,
        phone: phone.clone(),
        channel: None,
        kind: String::new(),
        body,
        order_id: None,
        status: Status::Pending,
        attempts: 0,
        next_attempt_at: now,
        provider_id: None,
        last_error: None,
        created_at: now,
        updated_at: now,
    })
}

/// Queues a message for the sender, in the caller's transaction.
pub fn enqueue(
    tx: &WriteTx,
    to: &Msisdn,
    kind: &str,
    body: String,
    order_id: Option<u64>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    enqueue_on(tx, to, None, kind, body, order_id, now)
}

/// Queues a message on a given channel (a reply goes back the way its conversation came).
#[allow(clippy::too_many_arguments)]
pub fn enqueue_on(
    tx: &WriteTx,
    to: &Msisdn,
    channel: Option<Channel>,
    kind: &str,
    body: String,
    order_id: Option<u64>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut m = new(tx, Direction::Out, to, body, now)?;
    m.channel = channel;
    m.kind = kind.to_string();
    m.order_id = order_id;
    insert(tx, &m)?;
    Ok(m.id)
}

/// Logs an inbound message.
pub fn record_in(
    tx: &WriteTx,
    from: &Msisdn,
    channel: Channel,
    body: String,
    provider_id: &str,
    status: Status,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut m = new(tx, Direction::In, from, body, now)?;
    (m.channel, m.kind, m.status) = (Some(channel), "inbound".into(), status);
    m.provider_id = Some(provider_id.to_string());
    insert(tx, &m)?;
    Ok(m.id)
}

/// Logs a reply that went back at once (in Twilio's webhook answer, or the simulator's).
pub fn record_sent(
    tx: &WriteTx,
    to: &Msisdn,
    channel: Channel,
    kind: &str,
    body: String,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut m = new(tx, Direction::Out, to, body, now)?;
    (m.channel, m.kind, m.status) = (Some(channel), kind.to_string(), Status::Sent);
    insert(tx, &m)?;
    Ok(m.id)
}

/// A message as it stands now (its latest delivery state laid over it).
pub fn get(tx: &impl Tx, id: u64) -> Result<Option<Message>, StoreError> {
    delivery::read(tx, id)
}

/// The message a provider knows by this id.
pub fn by_provider_id(
    tx: &impl Tx,
    channel: Channel,
    provider_id: &str,
) -> Result<Option<Message>, StoreError> {
    match tx
        .open(tables::PROVIDER_MESSAGE_IDS)?
        .get(format!("{}:{provider_id}", channel.as_str()).as_str())?
    {
        Some(id) => get(tx, id),
        None => Ok(None),
    }
}

/// Messages newest first, of one phone or everyone.
pub fn list(
    tx: &impl Tx,
    phone: Option<&Msisdn>,
    cursor: Option<u64>,
    limit: usize,
) -> Result<Page<Message>, StoreError> {
    let Some(phone) = phone else {
        return newest(tx, cursor, limit, |_| true);
    };
    let (messages, states) = (tx.open(tables::MESSAGES)?, tx.open(tables::MESSAGE_STATES)?);
    let below = cursor.unwrap_or(u64::MAX);
    let index = tx.open(tables::MESSAGES_BY_PHONE)?;
    let mut items = Vec::new();
    let mut next_cursor = None;
    for id in postings::descending(&index, phone.as_u64(), below)? {
        let id = id?;
        if id == below {
            continue;
        }
        if items.len() == limit {
            next_cursor = items.last().map(|m: &Message| m.id.to_string());
            break;
        }
        items.push(delivery::current(
            &states,
            messages.need(id, "message of phone")?,
        )?);
    }
    Ok(Page { items, next_cursor })
}

/// Messages as they stand now, newest first, that `keep` accepts.
pub fn newest(
    tx: &impl Tx,
    cursor: Option<u64>,
    limit: usize,
    mut keep: impl FnMut(&Message) -> bool,
) -> Result<Page<Message>, StoreError> {
    let (messages, states) = (tx.open(tables::MESSAGES)?, tx.open(tables::MESSAGE_STATES)?);
    crate::support::page::newest_first_as(&messages, cursor, limit, |m| {
        let now = delivery::current(&states, m)?;
        Ok(keep(&now).then_some(now))
    })
}

/// Deletes up to `limit` messages created before `cutoff` that are not waiting to be sent,
/// oldest first, with their phone and provider-id index entries. Message ids grow with time,
/// so the walk stops at the first message that is too new. Returns how many were deleted and
/// whether older ones may remain.
pub fn prune_before(
    tx: &WriteTx,
    cutoff: DateTime<Utc>,
    limit: usize,
) -> Result<(usize, bool), StoreError> {
    let old: Vec<Message> = {
        let (view, states) = (tx.open(tables::MESSAGES)?, tx.open(tables::MESSAGE_STATES)?);
        let mut old = Vec::new();
        for entry in view.iter()? {
            let (_, m) = entry?;
            if m.created_at >= cutoff || old.len() >= limit {
                break;
            }
            old.push(delivery::current(&states, m)?);
        }
        old
    };
    let more = old.len() >= limit;
    let mut deleted = 0;
    for m in old.iter().filter(|m| m.status != Status::Pending) {
        tx.open(tables::MESSAGES)?.remove(m.id)?;
        delivery::forget(tx, m.id)?;
        postings::remove(tx, tables::MESSAGES_BY_PHONE, m.phone.as_u64(), m.id)?;
        if let (Some(c), Some(pid)) = (m.channel, &m.provider_id) {
            tx.open(tables::PROVIDER_MESSAGE_IDS)?
                .remove(format!("{}:{pid}", c.as_str()).as_str())?;
        }
        deleted += 1;
    }
    Ok((deleted, more))
}
