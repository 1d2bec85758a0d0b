//! Retailers (kirana shops): who they are, where, and the credit terms they buy on.
//!
//! A retailer's login is the user with the same phone number (see `auth::store::link_party`).

pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::Msisdn;

pub use crate::types::language::Language;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retailer {
    pub id: u64,
    pub name: String,
    pub owner_name: String,
    pub phone: Msisdn,
    pub district: String,
    pub province: String,
    pub credit_limit_paisa: i64,
    pub terms_days: u32,
    /// Set by operators, or by the overdue rule; a blocked shop cannot place orders.
    pub blocked: bool,
    pub language: Language,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
    /// A deactivated shop acts on nothing (REST or WhatsApp) until an operator turns it back
    /// on; its orders, invoices and ledger stay as they were.
    pub active: bool,
}
