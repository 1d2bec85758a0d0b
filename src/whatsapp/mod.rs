//! WhatsApp: the retailer and vendor conversations, the provider adapters, and the sender that
//! empties the outbox.
//!
//! An inbound message is understood on a read snapshot (commands, order text parsed, products
//! matched, a priced preview), then applied in one write transaction together with the
//! provider's message id and the reply: a redelivery changes nothing and gets the same answer.
//!
//! - `providers`: Twilio and Meta webhooks and send APIs (no storage, no business rules)
//! - `intent`: what a message asks for (a command keyword only as the whole message or its
//!   first word)
//! - `preview`: the priced preview (`crate::preview`) as a WhatsApp text
//! - `respond`: the conversation's rules, for retailers, vendors and strangers
//! - `service`: the entry point the webhooks and the simulator call
//! - `sender`: delivers the outbox with retries, templates outside the 24-hour window
//! - `resend`: an admin sends a given-up message again

mod apply;
mod intent;
mod outcome;
mod preview;
pub mod providers;
pub mod resend;
mod respond;
pub mod sender;
mod service;
pub mod simulate;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::messaging::outbox::Channel;
use crate::retailers::Language;

pub use service::{Handled, Incoming, WhatsApp, WhatsAppError};

/// The answer a handled inbound message got, kept with its provider id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRecord {
    pub message_id: u64,
    pub replies: Vec<String>,
}

/// A conversation with one phone number.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// Bumped on every change, so a plan made on an older snapshot is made again.
    pub version: u64,
    /// The language the person last wrote in, when it could be told.
    pub language: Option<Language>,
    pub last_channel: Option<Channel>,
    #[serde(with = "crate::storage::ts::opt")]
    pub last_inbound_at: Option<DateTime<Utc>>,
    pub pending: Option<Pending>,
}

pub use crate::preview::{Choice, LineState, Pending, PendingLine};
