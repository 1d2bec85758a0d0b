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
//! - `preview`: order text → preview lines (matched, converted to packs, asked back)
//! - `respond`: the conversation's rules, for retailers, vendors and strangers
//! - `texts`: every sentence people read, in English and Nepali
//! - `service`: the entry point the webhooks and the simulator call
//! - `sender`: delivers the outbox with retries, templates outside the 24-hour window

mod intent;
mod preview;
pub mod providers;
mod respond;
pub mod sender;
mod service;
mod texts;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::outbox::Channel;
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

/// An order preview waiting for CONFIRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub lines: Vec<PendingLine>,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingLine {
    /// What the retailer wrote for this line.
    pub phrase: String,
    pub state: LineState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LineState {
    /// Matched and converted to packs.
    Ready {
        product_id: u64,
        sku: String,
        name: String,
        packs: u32,
        note: Option<String>,
    },
    /// Waiting for the retailer to pick one of these ("did you mean 1) ... 2) ...").
    Ask {
        options: Vec<Choice>,
        quantity: Option<String>,
        unit: Option<crate::parsing::Unit>,
    },
    /// Cannot be ordered as written; the reason says what to do.
    Problem { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub product_id: u64,
    pub sku: String,
    pub name: String,
}

impl Pending {
    pub fn ready(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.lines.iter().filter_map(|l| match &l.state {
            LineState::Ready {
                product_id, packs, ..
            } => Some((*product_id, *packs)),
            _ => None,
        })
    }

    pub fn first_question(&self) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| matches!(l.state, LineState::Ask { .. }))
    }
}
