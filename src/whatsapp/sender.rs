//! The outbox sender: delivers queued messages through the provider the conversation uses,
//! with retries and exponential backoff, templates outside WhatsApp's 24-hour window, and a
//! dead letter after too many attempts (an alert for operators). One sender runs, so nothing
//! is sent twice by us; a crash after the provider took a message but before we recorded it
//! sends it again on restart (at least once).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

use super::Conversation;
use super::outcome::{Outcome, outside_window, record_one, settle};
use super::providers::{self, MetaConfig, SendError, TwilioConfig, meta, twilio};
use crate::config::WhatsAppConfig;
use crate::messaging::outbox::{self, Channel, Message, Status};
use crate::messaging::queue;
use crate::storage::{Store, StoreError, TableRead, Tx, tables};
use crate::support::clock::Clock;

/// Messages one pass takes at most.
const BATCH: usize = 100;
/// WhatsApp lets a business answer freely for this long after the person last wrote.
const WINDOW_HOURS: i64 = 24;

pub struct Sender {
    store: Store,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    cfg: WhatsAppConfig,
    twilio: Option<TwilioConfig>,
    meta: Option<MetaConfig>,
    ready: Arc<Notify>,
    /// One pass at a time, whoever starts it (the loop, the simulator), so nothing goes twice.
    pass: tokio::sync::Mutex<()>,
    skips: Arc<crate::support::telemetry::JobSkips>,
}

impl Sender {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        http: reqwest::Client,
        cfg: WhatsAppConfig,
        ready: Arc<Notify>,
        skips: Arc<crate::support::telemetry::JobSkips>,
    ) -> Self {
        let twilio = cfg.twilio_enabled().then(|| TwilioConfig {
            account_sid: cfg.twilio.account_sid.clone(),
            auth_token: cfg.twilio.auth_token.expose().to_string(),
            from: cfg.twilio.from.clone(),
            api_base: cfg.twilio.api_base.clone(),
            public_url: cfg.public_url.clone(),
            status_callback: Some(format!("{}/webhooks/twilio", cfg.public_url)),
        });
        let meta = cfg.meta_enabled().then(|| MetaConfig {
            phone_number_id: cfg.meta.phone_number_id.clone(),
            access_token: cfg.meta.access_token.expose().to_string(),
            app_secret: cfg.meta.app_secret.expose().to_string(),
            verify_token: cfg.meta.verify_token.expose().to_string(),
            api_base: cfg.meta.api_base.clone(),
            api_version: cfg.meta.api_version.clone(),
        });
        Self {
            store,
            clock,
            http,
            cfg,
            twilio,
            meta,
            ready,
            pass: tokio::sync::Mutex::new(()),
            skips,
        }
    }

    pub fn twilio(&self) -> Option<&TwilioConfig> {
        self.twilio.as_ref()
    }

    pub fn meta(&self) -> Option<&MetaConfig> {
        self.meta.as_ref()
    }

    /// Runs until the task is dropped: a pass whenever something is queued, and every second
    /// for retries that come due.
    pub async fn run(self: Arc<Self>) {
        loop {
            match self.pass().await {
                // A full pass that recorded something, or one that stopped part-way along the
                // log and moved the watermark: more may be waiting. (Messages whose outcome
                // cannot be recorded wait for the next tick instead of spinning.)
                Ok(p) if p.more || (p.attempted == BATCH && p.unrecorded < BATCH) => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox pass failed"),
            }
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.ready.notified())
                .await;
        }
    }

    /// One pass over the messages due now; returns how many were attempted. A message whose
    /// outcome cannot be recorded is logged and skipped (it stays due and is tried again).
    ///
    /// A message that went to a provider is recorded before the next one is sent, so a crash
    /// in between sends at most that one again. Messages the simulator delivers (nothing
    /// leaves the box) are recorded together, in one write for the pass: a backlog of them
    /// no longer costs a commit, and an fsync, each.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        self.pass().await.map(|p| p.attempted)
    }

    async fn pass(&self) -> Result<Pass, StoreError> {
        let _one_pass = self.pass.lock().await;
        let now = self.clock.now();
        let due = self
            .store
            .read(move |tx| queue::due_marked(tx, now, BATCH))
            .await?;
        let mut track = queue::Progress::new(&due);
        self.park(&due.later, None, &mut track).await;
        let mut settled: Vec<(Message, Message)> = Vec::new();
        for m in &due.messages {
            let conv = match self.conversation(m) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(message = m.id, error = %e, "an outbox message failed; skipped");
                    track.not_recorded(m.id);
                    continue;
                }
            };
            let (outcome, went_out) = self.attempt(m, &conv, now).await;
            let after = settle(m, outcome, now, &self.cfg);
            if went_out {
                self.record(vec![(m.clone(), after)], now, &mut track).await;
            } else {
                settled.push((m.clone(), after));
            }
        }
        self.record(settled, now, &mut track).await;
        let unrecorded = track.unrecorded.len();
        self.skips.add("outbox", unrecorded as u64);
        // A first attempt whose outcome could not be recorded waits in `outbox_due` for its
        // next try, like a retry, so that one failing message holds back no message after it.
        let stuck: Vec<Message> = (due.messages.iter())
            .filter(|m| m.id > due.watermark && track.unrecorded.contains(&m.id))
            .cloned()
            .collect();
        let next_try = now + Duration::seconds(self.cfg.retry_base_secs as i64);
        self.park(&stuck, Some(next_try), &mut track).await;
        let moved_on = self.finish(&track).await;
        Ok(Pass {
            attempted: due.messages.len(),
            unrecorded,
            more: due.more && moved_on,
        })
    }

    /// Moves first attempts into `outbox_due`, due at `at` (else at their own time), in one
    /// write, so the watermark may pass them.
    async fn park(
        &self,
        messages: &[Message],
        at: Option<DateTime<Utc>>,
        track: &mut queue::Progress<'_>,
    ) {
        if messages.is_empty() {
            return;
        }
        let ids: Vec<u64> = messages.iter().map(|m| m.id).collect();
        let all = Arc::new(messages.to_vec());
        let parked = self.store.write(move |tx| {
            for m in all.iter() {
                queue::park(tx, m, at.unwrap_or(m.next_attempt_at))?;
            }
            Ok::<_, StoreError>(())
        });
        match parked.await {
            Ok(()) => track.parked(&ids),
            Err(e) => {
                tracing::error!(error = %e, "outbox messages not moved to wait for a retry");
                ids.iter().for_each(|&id| track.not_recorded(id));
            }
        }
    }

    /// Moves the watermark as far as the pass allows, if no record moved it there already;
    /// whether it now stands above where the pass found it.
    async fn finish(&self, track: &queue::Progress<'_>) -> bool {
        let through = track.mark_without(&[]);
        if through <= track.moved {
            return track.moved_on();
        }
        let moved = self.store.write(move |tx| queue::advance(tx, through));
        match moved.await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "the outbox's watermark not moved");
                track.moved_on()
            }
        }
    }

    /// The conversation's window and channel: one point lookup, so on this thread
    /// ([`Store::read_now`]) rather than a hand-off to the blocking pool per message.
    fn conversation(&self, m: &Message) -> Result<Conversation, StoreError> {
        self.store.read_now(|tx| {
            Ok(tx
                .open(tables::CONVERSATIONS)?
                .get(m.phone.as_str())?
                .unwrap_or_default())
        })
    }

    /// The channel a message goes by: its own, else the one the person last wrote through,
    /// else the first configured of Twilio, Meta, the simulator.
    fn channel(&self, m: &Message, conv: &Conversation) -> Channel {
        let usable = |c: Channel| match c {
            Channel::Twilio => self.twilio.is_some(),
            Channel::Meta => self.meta.is_some(),
            Channel::Simulator => true,
        };
        m.channel
            .filter(|c| usable(*c))
            .or(conv.last_channel.filter(|c| usable(*c)))
            .unwrap_or(if self.twilio.is_some() {
                Channel::Twilio
            } else if self.meta.is_some() {
                Channel::Meta
            } else {
                Channel::Simulator
            })
    }

    /// Tries to send `m` once; whether it went to a provider (and so may have reached the
    /// person) comes with the outcome.
    async fn attempt(
        &self,
        m: &Message,
        conv: &Conversation,
        now: DateTime<Utc>,
    ) -> (Outcome, bool) {
        let channel = self.channel(m, conv);
        let in_window = conv
            .last_inbound_at
            .is_some_and(|t| now - t < Duration::hours(WINDOW_HOURS));
        let result = match (channel, &self.twilio, &self.meta) {
            (Channel::Twilio, Some(cfg), _) => self.send_twilio(cfg, m, in_window).await,
            (Channel::Meta, _, Some(cfg)) => self.send_meta(cfg, m, in_window).await,
            // The simulator delivers by being logged (a provider is only chosen when it is
            // configured).
            _ => {
                let sent = Outcome::Sent {
                    channel,
                    provider_id: None,
                };
                return (sent, false);
            }
        };
        let outcome = match result {
            Some(Ok(id)) => Outcome::Sent {
                channel,
                provider_id: Some(id),
            },
            Some(Err(SendError {
                retryable: true,
                message,
                ..
            })) => Outcome::Retry {
                channel,
                error: message,
            },
            Some(Err(e)) => Outcome::Failed {
                channel: Some(channel),
                error: e.message,
            },
            None => return (outside_window(channel, &m.kind), false),
        };
        (outcome, true)
    }

    /// Sends through Twilio: the text in parts inside the 24-hour window, else the message
    /// kind's approved template; `None` when outside the window with no template.
    async fn send_twilio(
        &self,
        cfg: &TwilioConfig,
        m: &Message,
        in_window: bool,
    ) -> Option<Result<String, SendError>> {
        let to = m.phone.as_str();
        if in_window {
            let parts = providers::split_text(&m.body, providers::TWILIO_MAX_CHARS);
            return Some(
                in_order(parts, |part| async move {
                    twilio::send(&self.http, cfg, to, &part).await
                })
                .await,
            );
        }
        let sid = self.cfg.twilio.templates.get(&m.kind)?;
        let body = std::slice::from_ref(&m.body);
        Some(twilio::send_template(&self.http, cfg, to, sid, body).await)
    }

    /// Sends through Meta's Graph API, the same way as [`Self::send_twilio`].
    async fn send_meta(
        &self,
        cfg: &MetaConfig,
        m: &Message,
        in_window: bool,
    ) -> Option<Result<String, SendError>> {
        let to = m.phone.as_str();
        if in_window {
            let parts = providers::split_text(&m.body, providers::META_MAX_CHARS);
            return Some(
                in_order(parts, |part| async move {
                    meta::send(&self.http, cfg, to, &part).await
                })
                .await,
            );
        }
        let name = self.cfg.meta.templates.get(&m.kind)?;
        let (lang, body) = (
            &self.cfg.meta.template_language,
            std::slice::from_ref(&m.body),
        );
        Some(meta::send_template(&self.http, cfg, to, name, lang, body).await)
    }

    /// Records what became of `settled` messages in one write, moving the watermark as far
    /// as they let it; if that fails, each on its own, so one that cannot be recorded holds
    /// back no other. Those that could not be recorded stay due and are tried again.
    async fn record(
        &self,
        settled: Vec<(Message, Message)>,
        now: DateTime<Utc>,
        track: &mut queue::Progress<'_>,
    ) {
        if settled.is_empty() {
            return;
        }
        let ids: Vec<u64> = settled.iter().map(|(m, _)| m.id).collect();
        let mark = track.mark_without(&ids);
        let all = Arc::new(settled);
        let first = self.record_all(Arc::clone(&all), now, mark).await;
        if first.is_ok() {
            track.recorded(&ids, mark);
            return;
        }
        for one in all.iter() {
            let id = one.0.id;
            match self.record_all(Arc::new(vec![one.clone()]), now, 0).await {
                Ok(()) => track.recorded(&[id], 0),
                Err(e) => {
                    tracing::error!(message = id, error = %e, "an outbox message's outcome not recorded; skipped");
                    track.not_recorded(id);
                }
            }
        }
    }

    /// Records each message's outcome and moves the watermark up to `mark`, in one write.
    async fn record_all(
        &self,
        settled: Arc<Vec<(Message, Message)>>,
        now: DateTime<Utc>,
        mark: u64,
    ) -> Result<(), StoreError> {
        self.store
            .write(move |tx| {
                for (before, after) in settled.iter() {
                    record_one(tx, before, after, now)?;
                }
                queue::advance(tx, mark)
            })
            .await
    }

    /// Applies a provider's delivery report; a status only ever moves forward.
    pub async fn status_update(
        &self,
        channel: Channel,
        provider_id: String,
        status: Status,
        error: Option<String>,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        self.store
            .write(move |tx| {
                let Some(before) = outbox::by_provider_id(tx, channel, &provider_id)? else {
                    return Ok(());
                };
                if status.rank() <= before.status.rank() {
                    return Ok(());
                }
                let mut after = before.clone();
                after.status = status;
                after.updated_at = now;
                if error.is_some() {
                    after.last_error = error.clone();
                }
                outbox::save(tx, &before, &after)
            })
            .await
    }
}

/// What one pass came to.
struct Pass {
    attempted: usize,
    unrecorded: usize,
    /// The pass stopped part-way along the log (`queue::Due::more`).
    more: bool,
}

/// Sends the parts of a long text one after another, stopping at the first that fails; the
/// provider's id of the last part sent.
async fn in_order<F, Fut>(parts: Vec<String>, send: F) -> Result<String, SendError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<String, SendError>>,
{
    let mut sent = Ok(String::new());
    for part in parts {
        sent = send(part).await;
        if sent.is_err() {
            break;
        }
    }
    sent
}

/// Messages, newest first, for operators (`phone` narrows to one conversation).
pub async fn list(
    store: &Store,
    phone: Option<crate::types::Msisdn>,
    cursor: Option<u64>,
    limit: usize,
) -> Result<crate::support::page::Page<Message>, StoreError> {
    store
        .read(move |tx| outbox::list(tx, phone.as_ref(), cursor, limit))
        .await
}

#[cfg(test)]
#[path = "sender_tests.rs"]
mod tests;
