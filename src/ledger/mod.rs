//! The double-entry credit ledger, shaped like TigerBeetle's: accounts with posted and pending
//! balances, immutable transfers, and pending transfers (holds) that are later posted or voided.
//!
//! Every transfer moves the same amount from one account's debit side to another's credit side,
//! so Σ debits = Σ credits always holds. Balances are kept on the accounts in the same
//! transaction and reconciled against the transfers by `khaacho check`. Corrections are new
//! transfers, never edits.

mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use store::{
    account, account_by_key, account_transfers, check, ensure_account, open_holds, post_pending,
    transfer, void_pending,
};

/// What an account stands for. Each (kind, owner) pair has exactly one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// What a retailer owes (debit balance) or has paid in advance (credit balance).
    RetailerReceivable,
    /// What the platform owes a vendor for delivered goods.
    VendorPayable,
    /// Commission earned by the platform.
    PlatformRevenue,
    /// VAT collected, owed to the tax office.
    VatPayable,
    /// Money received (cash, bank, wallets), one account per payment method.
    Cash,
    /// Orders in flight: holds are made against it; delivery splits it into payable,
    /// revenue and VAT, so it returns to zero for every delivered order.
    OrderClearing,
}

impl AccountKind {
    pub fn code(self) -> &'static str {
        match self {
            AccountKind::RetailerReceivable => "retailer",
            AccountKind::VendorPayable => "vendor",
            AccountKind::PlatformRevenue => "revenue",
            AccountKind::VatPayable => "vat",
            AccountKind::Cash => "cash",
            AccountKind::OrderClearing => "clearing",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: u64,
    pub kind: AccountKind,
    /// The retailer, vendor or payment-method number this account belongs to (0 for none).
    pub owner: u64,
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// Posted debits minus posted credits: for a receivable, what is owed.
    pub fn debit_balance(&self) -> i64 {
        self.debits_posted - self.credits_posted
    }
}

/// Why money moved; kept on every transfer for statements and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferCode {
    /// A credit hold for a confirmed order (pending).
    OrderHold,
    /// The vendor's share of a delivered order.
    VendorShare,
    /// The platform's commission on a delivered order.
    Commission,
    /// VAT on a delivered order.
    Vat,
    /// A payment received from a retailer.
    Payment,
    /// A reversal of a delivered order (a correction, never an edit).
    Reversal,
}

/// Posted at once, pending (a hold), or the resolution of a pending transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferState {
    Posted,
    Pending,
    /// Posts the pending transfer with this id (its amount moves from pending to posted).
    PostPending(u64),
    /// Voids the pending transfer with this id (its amount is released).
    VoidPending(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub id: u64,
    pub debit_account: u64,
    pub credit_account: u64,
    pub amount: i64,
    pub state: TransferState,
    pub code: TransferCode,
    pub order_id: Option<u64>,
    pub payment_id: Option<u64>,
    #[serde(with = "crate::storage::ts")]
    pub at: DateTime<Utc>,
}

/// A transfer to record: money moves from `debit` to `credit` (account ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer {
    pub debit: u64,
    pub credit: u64,
    /// Paisa, positive.
    pub amount: i64,
    /// A pending transfer holds the amount (an order's credit hold) until it is posted or voided.
    pub pending: bool,
    pub code: TransferCode,
    pub order_id: Option<u64>,
    pub payment_id: Option<u64>,
    pub at: DateTime<Utc>,
}

impl NewTransfer {
    /// An order's credit hold: pending until delivery posts it or a cancellation voids it.
    pub fn hold(debit: u64, credit: u64, amount: i64, order_id: u64, at: DateTime<Utc>) -> Self {
        Self {
            debit,
            credit,
            amount,
            pending: true,
            code: TransferCode::OrderHold,
            order_id: Some(order_id),
            payment_id: None,
            at,
        }
    }

    /// A posted movement for an order (a delivery's split, a reversal).
    pub fn for_order(
        debit: u64,
        credit: u64,
        amount: i64,
        code: TransferCode,
        order_id: u64,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            pending: false,
            code,
            ..Self::hold(debit, credit, amount, order_id, at)
        }
    }

    /// A payment received from a retailer.
    pub fn payment(
        debit: u64,
        credit: u64,
        amount: i64,
        payment_id: u64,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            debit,
            credit,
            amount,
            pending: false,
            code: TransferCode::Payment,
            order_id: None,
            payment_id: Some(payment_id),
            at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("transfer amount must be positive (got {0})")]
    NonPositive(i64),
    #[error("pending transfer {0} is not open")]
    NotPending(u64),
    #[error("account {0} does not exist")]
    NoAccount(u64),
    #[error(transparent)]
    Store(#[from] crate::storage::StoreError),
}
