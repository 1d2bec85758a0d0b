//! Schema versions and the migrations between them. Each step rewrites what an older binary
//! wrote, in the same write transaction that records the new version, so a file is either all
//! old or all new; a file written by a newer binary is refused before anything is touched.
//!
//! - 1 → 2: a conversation's pending preview changed shape (structured lines, in either
//!   language). Pending previews live ten minutes, so the step keeps every conversation's
//!   version, language, channel and last message time and drops its pending preview.

use chrono::{DateTime, Utc};
use redb::{ReadableTable, WriteTransaction};
use serde::Deserialize;

use super::{StoreError, codec, tables};
use crate::outbox::Channel;
use crate::retailers::Language;
use crate::whatsapp::Conversation;

/// The layout this binary reads and writes.
pub const SCHEMA_VERSION: u64 = 2;

/// Brings a file at `found` up to [`SCHEMA_VERSION`] inside `tx`.
pub(crate) fn migrate(tx: &WriteTransaction, found: u64) -> Result<(), StoreError> {
    if found < 2 {
        conversations_v2(tx)?;
    }
    Ok(())
}

/// The fields a version 1 conversation starts with (its pending preview follows).
#[derive(Deserialize)]
struct ConversationHead {
    version: u64,
    language: Option<Language>,
    last_channel: Option<Channel>,
    #[serde(with = "super::ts::opt")]
    last_inbound_at: Option<DateTime<Utc>>,
}

fn conversations_v2(tx: &WriteTransaction) -> Result<(), StoreError> {
    let mut table = tx.open_table(tables::CONVERSATIONS.def())?;
    let mut rewritten: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        let head: ConversationHead = codec::decode_prefix(v.value())?;
        let conv = Conversation {
            version: head.version + 1,
            language: head.language,
            last_channel: head.last_channel,
            last_inbound_at: head.last_inbound_at,
            pending: None,
        };
        rewritten.push((k.value().to_string(), codec::encode(&conv)?));
    }
    for (k, v) in rewritten {
        table.insert(k.as_str(), v.as_slice())?;
    }
    Ok(())
}
