//! Orders: placement (one transaction: stock, credit hold, lines, ledger, log, outbox), the
//! state machine's moves, numbering, and queries.
//!
//! An order either happens completely or not at all: every check runs before the first write,
//! so a refusal leaves no trace. Prices, VAT and names are snapshotted on the lines.

mod create;
pub mod history;
mod idempotency;
mod issue;
mod moves;
pub mod notify;
pub mod route;
mod service;
pub mod state;
pub mod store;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::types::money::Money;

pub use create::{
    LineRequest, NewOrder, Placed, Preflight, Prepared, ProductRef, place, preflight, quote,
};

/// Types the storage layer names.
pub mod create_types {
    pub use super::idempotency::IdempotencyRecord;
}
pub use crate::auth::Acting;
pub use issue::{MAX_ISSUE_CHARS, report_issue};
pub use moves::{Context, MoveOutcome, MoveRequest, act};
pub use service::{OrderFilter, OrderService};
pub use state::{Action, Mover, OrderState};

use crate::catalog::CatalogError;
use crate::ledger::LedgerError;
use crate::storage::StoreError;

/// Where an order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderSource {
    Api,
    Whatsapp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: u64,
    pub listing_id: u64,
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_paisa: Money,
    pub vat_paisa: Money,
    /// quantity × unit price + VAT.
    pub total_paisa: Money,
}

/// The money of an order, always computed from its lines the same way: the subtotal is
/// Σ unit price × packs, VAT the sum of the lines' VAT, the total their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    pub vat: Money,
    pub total: Money,
}

impl Totals {
    pub fn of(lines: &[OrderLine]) -> Result<Totals, crate::types::limits::Overflow> {
        let mut subtotal = Money::ZERO;
        let mut vat = Money::ZERO;
        for l in lines {
            subtotal = subtotal.checked_add(l.unit_price_paisa.times(l.quantity)?)?;
            vat = vat.checked_add(l.vat_paisa)?;
        }
        Ok(Totals {
            subtotal,
            vat,
            total: subtotal.checked_add(vat)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: u64,
    pub number: String,
    pub retailer_id: u64,
    pub vendor_id: u64,
    pub state: OrderState,
    pub lines: Vec<OrderLine>,
    pub subtotal_paisa: Money,
    pub vat_paisa: Money,
    pub total_paisa: Money,
    /// The pending ledger transfer holding the retailer's credit while the order is open.
    pub hold_id: Option<u64>,
    pub source: OrderSource,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
    /// The chosen vendor must accept before this.
    #[serde(with = "crate::storage::ts::opt")]
    pub accept_by: Option<DateTime<Utc>>,
    /// When the current vendor was offered the order (for its time to accept).
    #[serde(with = "crate::storage::ts")]
    pub offered_at: DateTime<Utc>,
    /// When the vendor accepted (for its fulfilment time).
    #[serde(with = "crate::storage::ts::opt")]
    pub accepted_at: Option<DateTime<Utc>>,
    /// Vendors that rejected it, missed their deadline, or were overridden.
    pub tried_vendors: Vec<u64>,
    /// Orders split from one cart share the id of the first.
    pub group_id: u64,
    #[serde(with = "crate::storage::ts::opt")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// Nepal date by which the retailer must pay (delivery + terms).
    #[serde(with = "crate::storage::ts::date_opt")]
    pub due_date: Option<NaiveDate>,
    pub cancel_reason: Option<String>,
    /// The retailer reported a problem with the delivery.
    pub disputed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    #[serde(with = "crate::storage::ts")]
    pub at: DateTime<Utc>,
    pub from: Option<OrderState>,
    pub to: OrderState,
    pub actor: String,
    pub note: String,
}

/// What an order placement is checked against.
#[derive(Debug, Clone)]
pub struct Rules {
    pub vat_bps: u32,
    pub vat_exempt_categories: Vec<String>,
    pub default_commission_bps: u32,
    pub accept_within: chrono::Duration,
    pub block_overdue_after_days: i64,
    pub max_lines: usize,
    pub max_quantity: u32,
    pub routing: crate::routing::Config,
}

impl Rules {
    /// The order rules a configuration sets.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let o = &config.orders;
        Self {
            vat_bps: o.vat_bps,
            vat_exempt_categories: o.vat_exempt_categories.clone(),
            default_commission_bps: o.default_commission_bps,
            accept_within: chrono::Duration::minutes(o.accept_within_mins as i64),
            block_overdue_after_days: config.credit.block_overdue_after_days,
            max_lines: o.max_lines,
            max_quantity: o.max_quantity,
            routing: config.routing.sanitized(),
        }
    }
}

impl OrderError {
    /// How a shop or vendor is told why: the refusals they meet often are worded in their
    /// language by the texts; anything else keeps the rule's own words.
    pub fn refusal(&self) -> crate::messaging::kinds::Refusal {
        use crate::messaging::kinds::Refusal;
        match self {
            OrderError::CreditLimitExceeded {
                available, needed, ..
            } => Refusal::CreditShort {
                available: *available,
                needed: *needed,
            },
            OrderError::NoVendor(why) => Refusal::NoVendor { why: why.clone() },
            OrderError::Transition(state::TransitionError::Illegal { state, .. }) => {
                Refusal::CannotMove {
                    state: state.as_str().to_string(),
                }
            }
            OrderError::NotFound(_)
            | OrderError::Transition(state::TransitionError::NotAllowed(_)) => Refusal::NotYours,
            other => Refusal::Other(other.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("no order with id {0}")]
    NotFound(u64),
    #[error("no retailer with id {0}")]
    UnknownRetailer(u64),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Overflow(#[from] crate::types::limits::Overflow),
    /// Well-formed, but a rule refuses it as it stands (a product no longer sold, a field
    /// another one requires): answered 409.
    #[error("{0}")]
    Rule(String),
    #[error("{0}")]
    UnknownRecord(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{}", crate::messaging::texts::block(crate::types::language::Language::En, .0))]
    Blocked(crate::messaging::kinds::Block),
    #[error(
        "this order needs {needed} paisa of credit but only {available} is available (limit {limit}, owed {posted}, held for open orders {held})"
    )]
    CreditLimitExceeded {
        limit: i64,
        posted: i64,
        held: i64,
        available: i64,
        needed: i64,
    },
    #[error("{0}")]
    NoVendor(String),
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyConflict,
    #[error(transparent)]
    Transition(#[from] state::TransitionError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod refusal_tests {
    use super::*;
    use crate::messaging::kinds::Refusal;

    #[test]
    fn the_refusals_shops_meet_become_kinds_the_texts_word() {
        let credit = OrderError::CreditLimitExceeded {
            limit: 100,
            posted: 0,
            held: 0,
            available: 100,
            needed: 500,
        };
        assert_eq!(
            credit.refusal(),
            Refusal::CreditShort {
                available: 100,
                needed: 500
            }
        );
        let illegal = OrderError::Transition(state::TransitionError::Illegal {
            state: OrderState::Delivered,
            action: Action::Cancel,
        });
        assert_eq!(
            illegal.refusal(),
            Refusal::CannotMove {
                state: "DELIVERED".into()
            }
        );
        assert_eq!(OrderError::NotFound(3).refusal(), Refusal::NotYours);
        assert_eq!(
            OrderError::Rule("x".into()).refusal(),
            Refusal::Other("x".into())
        );
    }
}
