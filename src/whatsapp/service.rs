//! The entry point for inbound messages from every channel: throttle, deduplicate, understand
//! on a snapshot, then apply, log and answer in one write transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::InboundRecord;
use super::apply::{apply, conversation, history_of, identify, log_exchange};
use super::respond::{self, Env, Plan};
use crate::config::WhatsAppConfig;
use crate::credit;
use crate::matching::MatchEngine;
use crate::messaging::outbox::{Channel, Status};
use crate::messaging::texts;
use crate::orders;
use crate::preview::Reader as Reading;
use crate::storage::{Store, StoreError, TableRead, Tx, tables};
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
    /// A field of a simulated message is not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
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
        let replies = vec![texts::try_again()];
        let recorded = replies.clone();
        self.store
            .write(move |tx| {
                if tx.open(tables::INBOUND_SEEN)?.get(key.as_str())?.is_some() {
                    return Ok(());
                }
                log_exchange(tx, &msg, &key, Status::Failed, &recorded, now)
            })
            .await?;
        Ok(Handled {
            replies,
            ..Handled::default()
        })
    }

    async fn seen(&self, key: &str) -> Result<Option<InboundRecord>, StoreError> {
        self.store
            .read_now(|tx| tx.open(tables::INBOUND_SEEN)?.get(key))
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
                // A redelivery gets the same answer, even after a restart forgot the limit.
                log_exchange(tx, &msg, &key, Status::Throttled, &recorded, now)?;
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
pub(super) struct SharedPlan(pub(super) Arc<Plan>);

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
