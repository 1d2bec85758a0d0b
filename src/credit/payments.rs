//! Payments from retailers: recorded once per external reference, posted to the ledger, and
//! allocated to the oldest-due invoices first. What is left over is a credit balance that
//! pays the next invoices as they are raised.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Invoice, open_invoices, save_invoice};
use crate::ledger::{self, AccountKind, LedgerError, NewTransfer};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, postings, tables};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Cash,
    BankTransfer,
    Esewa,
    Khalti,
    Fonepay,
    Cheque,
}

impl Method {
    /// The owner number of this method's cash account in the ledger.
    fn account_owner(self) -> u64 {
        self as u64 + 1
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::BankTransfer => "bank_transfer",
            Method::Esewa => "esewa",
            Method::Khalti => "khalti",
            Method::Fonepay => "fonepay",
            Method::Cheque => "cheque",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Allocation {
    pub order_id: u64,
    pub amount_paisa: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: u64,
    pub retailer_id: u64,
    pub amount_paisa: i64,
    pub method: Method,
    pub reference: String,
    pub allocations: Vec<Allocation>,
    /// Not yet allocated to an invoice: a credit balance.
    pub unallocated_paisa: i64,
    pub transfer_id: u64,
    pub recorded_by: String,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct PaymentInput {
    pub retailer_id: u64,
    pub amount_paisa: i64,
    pub method: Method,
    pub reference: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("{0}")]
    Invalid(String),
    #[error("no retailer with id {0}")]
    UnknownRetailer(u64),
    #[error("reference {reference} was already recorded as payment {existing} with other details")]
    ReferenceReused { reference: String, existing: u64 },
    #[error(transparent)]
    OutOfRange(#[from] crate::types::limits::OutOfRange),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn reference_key(method: Method, reference: &str) -> String {
    format!("{}:{}", method.as_str(), reference.trim().to_lowercase())
}

/// The payment's trimmed reference, once its amount and reference are acceptable.
fn checked_reference(input: &PaymentInput) -> Result<&str, PaymentError> {
    let reference = input.reference.trim();
    crate::types::limits::within(
        "amount_paisa",
        input.amount_paisa,
        1,
        crate::types::limits::MAX_PAYMENT_PAISA,
    )?;
    if reference.is_empty()
        || reference.chars().count() > 100
        || reference.chars().any(char::is_control)
    {
        return Err(PaymentError::Invalid("reference must be 1 to 100 printable characters (the receipt, cheque or wallet transaction number)".into()));
    }
    Ok(reference)
}

/// The payment already recorded under this reference, when it is the same payment again; a
/// reference used for another payment is refused.
fn recorded_before(
    tx: &WriteTx,
    input: &PaymentInput,
    key: &str,
) -> Result<Option<Payment>, PaymentError> {
    let Some(id) = tx.open(tables::PAYMENT_REFS)?.get(key)? else {
        return Ok(None);
    };
    let existing = tx
        .open(tables::PAYMENTS)?
        .need(id, format_args!("payment {id}"))?;
    if existing.retailer_id == input.retailer_id && existing.amount_paisa == input.amount_paisa {
        return Ok(Some(existing));
    }
    Err(PaymentError::ReferenceReused {
        reference: input.reference.trim().to_string(),
        existing: id,
    })
}

/// Records a payment, or returns the one already recorded under the same reference
/// (`Ok((payment, true))`): a retried request creates one payment.
pub fn record(
    tx: &WriteTx,
    input: &PaymentInput,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(Payment, bool), PaymentError> {
    let reference = checked_reference(input)?;
    let key = reference_key(input.method, reference);
    if let Some(existing) = recorded_before(tx, input, &key)? {
        return Ok((existing, true));
    }
    if crate::retailers::store::get(tx, input.retailer_id)?.is_none() {
        return Err(PaymentError::UnknownRetailer(input.retailer_id));
    }
    let id = next_id(tx, "payment")?;
    let cash = ledger::ensure_account(tx, AccountKind::Cash, input.method.account_owner(), now)?;
    let receivable =
        ledger::ensure_account(tx, AccountKind::RetailerReceivable, input.retailer_id, now)?;
    let t = ledger::transfer(
        tx,
        NewTransfer::payment(cash, receivable, input.amount_paisa, id, now),
    )?;
    let payment = Payment {
        id,
        retailer_id: input.retailer_id,
        amount_paisa: input.amount_paisa,
        method: input.method,
        reference: reference.to_string(),
        allocations: Vec::new(),
        unallocated_paisa: input.amount_paisa,
        transfer_id: t.id,
        recorded_by: actor.to_string(),
        created_at: now,
    };
    save(tx, &payment)?;
    tx.open(tables::PAYMENT_REFS)?.put(key.as_str(), &id)?;
    postings::add(tx, tables::PAYMENTS_BY_RETAILER, input.retailer_id, id)?;
    allocate(tx, input.retailer_id, now)?;
    let payment = tx
        .open(tables::PAYMENTS)?
        .need(id, "payment just written")?;
    Ok((payment, false))
}

fn save(tx: &WriteTx, p: &Payment) -> Result<(), StoreError> {
    tx.open(tables::PAYMENTS)?.put(p.id, p)?;
    let mut credit = tx.open(tables::UNALLOCATED_PAYMENTS)?;
    if p.unallocated_paisa > 0 {
        credit.put((p.retailer_id, p.id), &p.id)
    } else {
        credit.remove((p.retailer_id, p.id)).map(|_| ())
    }
}

/// Matches a retailer's unallocated payments (oldest first) with its open invoices (oldest
/// due first) until one side runs out.
pub fn allocate(tx: &WriteTx, retailer_id: u64, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut invoices = open_invoices(tx, retailer_id)?.into_iter();
    let mut invoice: Option<Invoice> = invoices.next();
    let payment_ids: Vec<u64> = tx
        .open(tables::UNALLOCATED_PAYMENTS)?
        .range((retailer_id, 0)..=(retailer_id, u64::MAX))?
        .map(|e| e.map(|(_, id)| id))
        .collect::<Result<_, _>>()?;
    for pid in payment_ids {
        let mut p = tx
            .open(tables::PAYMENTS)?
            .need(pid, "unallocated payment")?;
        while p.unallocated_paisa > 0 {
            let Some(inv) = invoice.as_mut() else { break };
            let amount = p.unallocated_paisa.min(inv.open_paisa());
            p.unallocated_paisa -= amount;
            p.allocations.push(Allocation {
                order_id: inv.order_id,
                amount_paisa: amount,
                at: now,
            });
            inv.paid_paisa += amount;
            if inv.open_paisa() == 0 {
                inv.closed_at = Some(now);
                save_invoice(tx, inv)?;
                invoice = invoices.next();
            }
        }
        if let Some(inv) = invoice.as_ref().filter(|i| i.paid_paisa > 0) {
            save_invoice(tx, inv)?;
        }
        save(tx, &p)?;
        if invoice.is_none() {
            break;
        }
    }
    Ok(())
}

/// A retailer's payments (or everyone's), newest first.
pub fn list(
    tx: &impl Tx,
    retailer_id: Option<u64>,
    cursor: Option<u64>,
    limit: usize,
) -> Result<crate::support::page::Page<Payment>, StoreError> {
    let view = tx.open(tables::PAYMENTS)?;
    crate::support::page::newest_first(&view, cursor, limit, |p: &Payment| {
        retailer_id.is_none_or(|r| p.retailer_id == r)
    })
}

/// Returns what was allocated to one invoice back to its payments' credit balances.
pub fn unallocate(tx: &WriteTx, retailer_id: u64, order_id: u64) -> Result<(), StoreError> {
    let index = tx.open(tables::PAYMENTS_BY_RETAILER)?;
    let ids: Vec<u64> = postings::ascending(&index, retailer_id, 0)?.collect::<Result<_, _>>()?;
    drop(index);
    for id in ids {
        let mut p = tx.open(tables::PAYMENTS)?.need(id, "payment of retailer")?;
        let back: i64 = p
            .allocations
            .iter()
            .filter(|a| a.order_id == order_id)
            .map(|a| a.amount_paisa)
            .sum();
        if back > 0 {
            p.allocations.retain(|a| a.order_id != order_id);
            p.unallocated_paisa += back;
            save(tx, &p)?;
        }
    }
    Ok(())
}
