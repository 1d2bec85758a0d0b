//! The audit log: who changed what, when and why. Append-only, written in the same
//! transaction as the change it describes, never edited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::storage::{StoreError, Tx, WriteTx, next_id, tables};
use crate::support::page::{Page, newest_first};
use crate::types::Role;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    User {
        id: u64,
        role: Role,
    },
    /// A command run by the box's owner from the shell.
    Cli,
    /// Khaacho itself (jobs, timeouts, first start).
    System,
    /// A vendor writing on WhatsApp (its record's id, not a user's).
    Vendor {
        id: u64,
    },
    /// A shop writing on WhatsApp (its record's id, not a user's).
    Retailer {
        id: u64,
    },
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::User { id, role } => format!("{role}:{id}"),
            Actor::Cli => "cli".into(),
            Actor::System => "system".into(),
            Actor::Vendor { id } => format!("whatsapp vendor:{id}"),
            Actor::Retailer { id } => format!("whatsapp retailer:{id}"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: u64,
    #[serde(with = "crate::storage::ts")]
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// A stable verb such as `user.create`, `retailer.credit_limit`.
    pub action: String,
    /// What was changed, e.g. `user:12`.
    pub target: String,
    /// Human-readable details (never secrets, never message bodies).
    pub details: String,
}

/// Appends an entry in the caller's transaction.
pub fn record(
    tx: &WriteTx,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    target: String,
    details: String,
) -> Result<(), StoreError> {
    let id = next_id(tx, "audit")?;
    let entry = AuditEntry {
        id,
        at,
        actor: actor.clone(),
        action: action.to_string(),
        target,
        details,
    };
    tx.open(tables::AUDIT_LOG)?.put(id, &entry)
}

/// The log, newest first.
pub fn list(
    tx: &impl Tx,
    cursor: Option<u64>,
    limit: usize,
) -> Result<Page<AuditEntry>, StoreError> {
    newest_first(&tx.open(tables::AUDIT_LOG)?, cursor, limit, |_| true)
}
