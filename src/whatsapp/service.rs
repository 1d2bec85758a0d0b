//! The entry point for inbound messages from every channel: throttle, deduplicate, understand
//! on a snapshot, then apply, log and answer in one write transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::respond::{self, Env, Plan, Who};
use super::{Conversation, InboundRecord};
use crate::config::WhatsAppConfig;
use crate::credit;
use crate::matching::MatchEngine;
use crate::messaging::outbox::{self, Channel, Status};
use crate::messaging::texts;
use crate::orders;
use crate::preview::Reader as Reading;
use crate::storage::{Store, StoreError, TableRead, Tx, WriteTx, tables};
use crate::support::clock::Clock;
use crate::support::ratelimit::SlidingWindow;
use crate::types::Msisdn;

/// One message someone sent us.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub channel: Channel,
    /// The provider's id for the message; the same id twice is one message.
    pub provider_id: String,
    pub from: Msisdn,
    pub body: String,
}

/// What handling a message produced.
#[derive(Debug, Clone, Default)]
pub struct Handled {
    /// The replies to the sender, in order.
    pub replies: Vec<String>,
    /// The message was seen before; `replies` are the ones it got then.
    pub duplicate: bool,
    /// The sender is over the rate limit; the message was not handled.
    pub throttled: bool,
    /// Every message the handling queued or sent, to anyone (the replies, a vendor's new
    /// order, ...), as (to, body).
    pub caused: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum WhatsAppError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct WhatsApp {
    store: Store,
    clock: Arc<dyn Clock>,
    matcher: Arc<MatchEngine>,
    rules: orders::Rules,
    credit_rules: credit::Rules,
    cfg: WhatsAppConfig,
    per_number: SlidingWindow,
    /// Wakes the sender when something was queued.
    outbox_ready: Arc<Notify>,
}

impl WhatsApp {
    /// The signal this conversation gives when it queued a message, for the sender to wait on.
    pub fn outbox_signal(&self) -> Arc<Notify> {
        self.outbox_ready.clone()
    }

    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        matcher: Arc<MatchEngine>,
        rules: orders::Rules,
        credit_rules: credit::Rules,
        cfg: WhatsAppConfig,
    ) -> Self {
        let per_number = SlidingWindow::new(cfg.messages_per_minute, chrono::Duration::minutes(1));
        Self {
            store,
            clock,
            matcher,
            rules,
            credit_rules,
            cfg,
            per_number,
            outbox_ready: Arc::new(Notify::new()),
        }
    }

    pub fn config(&self) -> &WhatsAppConfig {
        &self.cfg
    }

    /// Handles one inbound message. Replies that can go back at once (Twilio's answer, the
    /// simulator) are returned; on Meta they go through the outbox.
    pub async fn handle(&self, msg: Incoming) -> Result<Handled, WhatsAppError> {
        let key = format!("{}:{}", msg.channel.as_str(), msg.provider_id);
        if let Some(seen) = self.seen(&key).await? {
            return Ok(Handled {
                replies: seen.replies,
                duplicate: true,
                ..Handled::default()
            });
        }
        let now = self.clock.now();
        if self
            .per_number
            .check_and_hit(msg.from.as_str(), now)
            .is_err()
        {
            return self.throttle(msg, key, now).await;
        }
        let plan = self.plan(&msg, now).await?;
        let (matcher, rules, credit_rules, ttl, units) = (
            self.matcher.clone(),
            self.rules.clone(),
            self.credit_rules.clone(),
            self.cfg.preview_ttl_mins,
            self.cfg.traditional_units,
        );
        let (again, key_again) = (msg.clone(), key.clone());
        let handled = self
            .store
            .write(move |tx| {
                let env = env(&matcher, &rules, &credit_rules, ttl, &units, now);
                apply(tx, &msg, &key, plan.clone(), &env)
            })
            .await;
        let handled = match handled {
            // A step failed after writing, so nothing the message caused was kept. It is
            // recorded as failed with a plain answer, so a redelivery does not try again.
            Err(StoreError::Aborted(why)) => {
                tracing::warn!(cause = %why, "an inbound message's changes were dropped");
                self.record_failed(again, key_again, now).await?
            }
            other => other?,
        };
        self.outbox_ready.notify_one();
        Ok(handled)
    }

    async fn record_failed(
        &self,
        msg: Incoming,
        key: String,
        now: DateTime<Utc>,
    ) -> Result<Handled, WhatsAppError> {
        let reply = texts::try_again();
        let replies = vec![reply.clone()];
        let recorded = replies.clone();
        self.store
            .write(move |tx| {
                if tx.open(tables::INBOUND_SEEN)?.get(key.as_str())?.is_some() {
                    return Ok(());
                }
                let id = outbox::record_in(
                    tx,
                    &msg.from,
                    msg.channel,
                    msg.body.clone(),
                    &msg.provider_id,
                    Status::Failed,
                    now,
                )?;
                match msg.channel {
                    Channel::Meta => outbox::enqueue_on(
                        tx,
                        &msg.from,
                        Some(Channel::Meta),
                        "reply",
                        reply.clone(),
                        None,
                        now,
                    )?,
                    c => outbox::record_sent(tx, &msg.from, c, "reply", reply.clone(), now)?,
                };
                tx.open(tables::INBOUND_SEEN)?.put(
                    key.as_str(),
                    &InboundRecord {
                        message_id: id,
                        replies: recorded.clone(),
                    },
                )
            })
            .await?;
        Ok(Handled {
            replies,
            ..Handled::default()
        })
    }

    async fn seen(&self, key: &str) -> Result<Option<InboundRecord>, StoreError> {
        let key = key.to_string();
        self.store
            .read(move |tx| tx.open(tables::INBOUND_SEEN)?.get(key.as_str()))
            .await
    }

    /// Logs a message from a number over its limit without acting on it or answering it (a
    /// flood is often a loop; answering each message would feed it).
    async fn throttle(
        &self,
        msg: Incoming,
        key: String,
        now: DateTime<Utc>,
    ) -> Result<Handled, WhatsAppError> {
        let recorded: Vec<String> = Vec::new();
        let replies = self
            .store
            .write(move |tx| {
                if let Some(seen) = tx.open(tables::INBOUND_SEEN)?.get(key.as_str())? {
                    return Ok(seen.replies);
                }
                let id = outbox::record_in(
                    tx,
                    &msg.from,
                    msg.channel,
                    msg.body.clone(),
                    &msg.provider_id,
                    Status::Throttled,
                    now,
                )?;
                // A redelivery gets the same answer, even after a restart forgot the limit.
                tx.open(tables::INBOUND_SEEN)?.put(
                    key.as_str(),
                    &InboundRecord {
                        message_id: id,
                        replies: recorded.clone(),
                    },
                )?;
                Ok::<_, StoreError>(recorded.clone())
            })
            .await?;
        Ok(Handled {
            replies,
            throttled: true,
            ..Handled::default()
        })
    }

    /// Understands the message on a snapshot: the matching and pricing happen here, off the
    /// writer.
    async fn plan(&self, msg: &Incoming, now: DateTime<Utc>) -> Result<SharedPlan, StoreError> {
        let (matcher, rules, credit_rules, ttl, units) = (
            self.matcher.clone(),
            self.rules.clone(),
            self.credit_rules.clone(),
            self.cfg.preview_ttl_mins,
            self.cfg.traditional_units,
        );
        let (from, body) = (msg.from.clone(), msg.body.clone());
        self.store
            .read(move |tx| {
                let who = identify(tx, &from)?;
                let conv = conversation(tx, &from)?;
                let history = history_of(tx, &who)?;
                let mut env = env(&matcher, &rules, &credit_rules, ttl, &units, now);
                env.reading.history = Some(&history);
                let plan = respond::plan(tx, &body, &who, &conv, &env)?;
                Ok(SharedPlan(Arc::new(plan)))
            })
            .await
    }
}

/// A plan shared with the write job, which may run more than once.
#[derive(Clone)]
struct SharedPlan(Arc<Plan>);

fn env<'a>(
    matcher: &'a MatchEngine,
    rules: &'a orders::Rules,
    credit_rules: &'a credit::Rules,
    ttl: u64,
    units: &'a crate::parsing::TraditionalUnits,
    now: DateTime<Utc>,
) -> Env<'a> {
    Env {
        rules,
        credit_rules,
        reading: Reading {
            matcher,
            history: None,
            units,
        },
        ttl_mins: ttl,
        now,
    }
}

fn identify(tx: &impl Tx, phone: &Msisdn) -> Result<Who, StoreError> {
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

fn conversation(tx: &impl Tx, phone: &Msisdn) -> Result<Conversation, StoreError> {
    Ok(tx
        .open(tables::CONVERSATIONS)?
        .get(phone.as_str())?
        .unwrap_or_default())
}

fn history_of(tx: &impl Tx, who: &Who) -> Result<std::collections::HashMap<u64, u32>, StoreError> {
    match who {
        Who::Retailer(r) => crate::orders::history::product_counts(tx, r.id),
        _ => Ok(Default::default()),
    }
}

/// The write half: everything the message causes, its log, its replies and its provider id,
/// together. A plan made on an older conversation is made again here.
fn apply(
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
    // who the sender is (a vendor deactivated meanwhile is no longer one). The doors check
    // everything else again.
    let plan = if plan.0.version == conv.version && plan.0.party == who.party() {
        Plan {
            version: plan.0.version,
            party: plan.0.party,
            lang: plan.0.lang,
            step: plan.0.step.clone(),
        }
    } else {
        let history = history_of(tx, &who)?;
        let env = Env {
            reading: Reading {
                history: Some(&history),
                ..env.reading
            },
            ..*env
        };
        respond::plan(tx, &msg.body, &who, &conv, &env)?
    };
    let lang = plan.lang;
    let replies = respond::apply(tx, plan, &msg.from, &who, &mut conv, env)?;
    let id = outbox::record_in(
        tx,
        &msg.from,
        msg.channel,
        msg.body.clone(),
        &msg.provider_id,
        Status::Received,
        env.now,
    )?;
    for r in &replies {
        match msg.channel {
            // Meta has no synchronous answer: replies wait in the outbox like any message.
            Channel::Meta => outbox::enqueue_on(
                tx,
                &msg.from,
                Some(Channel::Meta),
                "reply",
                r.clone(),
                None,
                env.now,
            )?,
            c => outbox::record_sent(tx, &msg.from, c, "reply", r.clone(), env.now)?,
        };
    }
    tx.open(tables::INBOUND_SEEN)?.put(
        key,
        &InboundRecord {
            message_id: id,
            replies: replies.clone(),
        },
    )?;
    if !matches!(who, Who::Stranger)
        && msg
            .body
            .chars()
            .any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
    {
        conv.language = Some(lang);
    }
    conv.version += 1;
    conv.last_channel = Some(msg.channel);
    conv.last_inbound_at = Some(env.now);
    tx.open(tables::CONVERSATIONS)?
        .put(msg.from.as_str(), &conv)?;
    let last_message = crate::storage::last_id(tx, "message")?;
    let messages = tx.open(tables::MESSAGES)?;
    let mut caused = Vec::new();
    for mid in first_message + 1..=last_message {
        if let Some(m) = messages
            .get(mid)?
            .filter(|m: &outbox::Message| m.direction == outbox::Direction::Out)
        {
            caused.push((m.phone.to_string(), m.body));
        }
    }
    Ok(Handled {
        replies,
        duplicate: false,
        throttled: false,
        caused,
    })
}
