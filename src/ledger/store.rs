//! Ledger reads and writes inside the caller's transaction, and the reconciliation that
//! `khaacho check` runs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Account, AccountKind, LedgerError, NewTransfer, Transfer, TransferState};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, postings, tables};

fn key(kind: AccountKind, owner: u64) -> String {
    format!("{}:{owner}", kind.code())
}

pub fn account(tx: &impl Tx, id: u64) -> Result<Option<Account>, StoreError> {
    tx.open(tables::LEDGER_ACCOUNTS)?.get(id)
}

pub fn account_by_key(
    tx: &impl Tx,
    kind: AccountKind,
    owner: u64,
) -> Result<Option<Account>, StoreError> {
    match tx
        .open(tables::LEDGER_ACCOUNT_KEYS)?
        .get(key(kind, owner).as_str())?
    {
        Some(id) => account(tx, id),
        None => Ok(None),
    }
}

/// The account for (kind, owner), created on first use.
pub fn ensure_account(
    tx: &WriteTx,
    kind: AccountKind,
    owner: u64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let k = key(kind, owner);
    if let Some(id) = tx.open(tables::LEDGER_ACCOUNT_KEYS)?.get(k.as_str())? {
        return Ok(id);
    }
    let id = next_id(tx, "ledger_account")?;
    let acc = Account {
        id,
        kind,
        owner,
        debits_posted: 0,
        credits_posted: 0,
        debits_pending: 0,
        credits_pending: 0,
        created_at: now,
    };
    tx.open(tables::LEDGER_ACCOUNTS)?.put(id, &acc)?;
    tx.open(tables::LEDGER_ACCOUNT_KEYS)?.put(k.as_str(), &id)?;
    Ok(id)
}

/// Records a posted or pending transfer and applies it to both accounts' balances.
pub fn transfer(tx: &WriteTx, new: NewTransfer) -> Result<Transfer, LedgerError> {
    let NewTransfer {
        debit,
        credit,
        amount,
        pending,
        code,
        order_id,
        payment_id,
        at,
    } = new;
    if amount <= 0 {
        return Err(LedgerError::NonPositive(amount));
    }
    let d = account(tx, debit)?.ok_or(LedgerError::NoAccount(debit))?;
    let c = account(tx, credit)?.ok_or(LedgerError::NoAccount(credit))?;
    let state = if pending {
        TransferState::Pending
    } else {
        TransferState::Posted
    };
    let t = Transfer {
        id: next_id(tx, "ledger_transfer")?,
        debit_account: debit,
        credit_account: credit,
        amount,
        state,
        code,
        order_id,
        payment_id,
        at,
    };
    apply_to(tx, &t, d, c)?;
    if pending {
        tx.open(tables::LEDGER_OPEN_HOLDS)?
            .put(t.id, &order_id.unwrap_or(0))?;
    }
    Ok(t)
}

/// Posts an open pending transfer in full.
pub fn post_pending(
    tx: &WriteTx,
    pending_id: u64,
    at: DateTime<Utc>,
) -> Result<Transfer, LedgerError> {
    resolve(tx, pending_id, at, TransferState::PostPending(pending_id))
}

/// Voids an open pending transfer: its amount is released.
pub fn void_pending(
    tx: &WriteTx,
    pending_id: u64,
    at: DateTime<Utc>,
) -> Result<Transfer, LedgerError> {
    resolve(tx, pending_id, at, TransferState::VoidPending(pending_id))
}

fn resolve(
    tx: &WriteTx,
    pending_id: u64,
    at: DateTime<Utc>,
    state: TransferState,
) -> Result<Transfer, LedgerError> {
    if tx
        .open(tables::LEDGER_OPEN_HOLDS)?
        .get(pending_id)?
        .is_none()
    {
        return Err(LedgerError::NotPending(pending_id));
    }
    let p = tx
        .open(tables::LEDGER_TRANSFERS)?
        .need(pending_id, format_args!("transfer {pending_id}"))?;
    let t = Transfer {
        id: next_id(tx, "ledger_transfer")?,
        debit_account: p.debit_account,
        credit_account: p.credit_account,
        amount: p.amount,
        state,
        code: p.code,
        order_id: p.order_id,
        payment_id: p.payment_id,
        at,
    };
    apply(tx, &t)?;
    tx.open(tables::LEDGER_OPEN_HOLDS)?.remove(pending_id)?;
    Ok(t)
}

/// (Δ posted, Δ pending) a transfer makes on each side.
fn effect(t: &Transfer) -> (i64, i64) {
    match t.state {
        TransferState::Posted => (t.amount, 0),
        TransferState::Pending => (0, t.amount),
        TransferState::PostPending(_) => (t.amount, -t.amount),
        TransferState::VoidPending(_) => (0, -t.amount),
    }
}

/// Applies a transfer to its two accounts and lists it under each, except under order
/// clearing: every order's amount passes through that account (five transfers per delivered
/// order) and nothing reads its list; `check` walks the transfers themselves.
fn apply(tx: &WriteTx, t: &Transfer) -> Result<(), StoreError> {
    let accounts = tx.open(tables::LEDGER_ACCOUNTS)?;
    let d = accounts.need(t.debit_account, "debit account")?;
    let c = accounts.need(t.credit_account, "credit account")?;
    drop(accounts);
    apply_to(tx, t, d, c)
}

/// [`apply`] with the two accounts as the transaction holds them (read once by the caller).
fn apply_to(tx: &WriteTx, t: &Transfer, mut d: Account, mut c: Account) -> Result<(), StoreError> {
    let (posted, pending) = effect(t);
    let mut accounts = tx.open(tables::LEDGER_ACCOUNTS)?;
    d.debits_posted += posted;
    d.debits_pending += pending;
    if c.id == d.id {
        // One account on both sides: both effects land on the one row.
        c = d.clone();
    } else {
        accounts.put(d.id, &d)?;
    }
    c.credits_posted += posted;
    c.credits_pending += pending;
    accounts.put(c.id, &c)?;
    drop(accounts);
    tx.open(tables::LEDGER_TRANSFERS)?.put(t.id, t)?;
    for a in [&d, &c] {
        if a.kind != AccountKind::OrderClearing {
            postings::add(tx, tables::LEDGER_ACCOUNT_TRANSFERS, a.id, t.id)?;
        }
    }
    Ok(())
}

/// Every transfer touching an account, oldest first (order clearing is not listed: see `apply`).
pub fn account_transfers(tx: &impl Tx, account_id: u64) -> Result<Vec<Transfer>, StoreError> {
    let transfers = tx.open(tables::LEDGER_TRANSFERS)?;
    let index = tx.open(tables::LEDGER_ACCOUNT_TRANSFERS)?;
    let mut out = Vec::new();
    for id in postings::ascending(&index, account_id, 0)? {
        let id = id?;
        out.push(transfers.need(id, format_args!("transfer {id}"))?);
    }
    Ok(out)
}

/// Open holds: pending transfer id → order id.
pub fn open_holds(tx: &impl Tx) -> Result<Vec<(u64, u64)>, StoreError> {
    tx.open(tables::LEDGER_OPEN_HOLDS)?.iter()?.collect()
}

#[derive(Default, PartialEq, Eq)]
struct Sums {
    debits_posted: i64,
    credits_posted: i64,
    debits_pending: i64,
    credits_pending: i64,
}

impl Sums {
    fn of(a: &Account) -> Sums {
        Sums {
            debits_posted: a.debits_posted,
            credits_posted: a.credits_posted,
            debits_pending: a.debits_pending,
            credits_pending: a.credits_pending,
        }
    }

    fn add(&mut self, o: &Sums) {
        self.debits_posted += o.debits_posted;
        self.credits_posted += o.credits_posted;
        self.debits_pending += o.debits_pending;
        self.credits_pending += o.credits_pending;
    }
}

/// What the transfers add up to: per account, how often each pending transfer was resolved,
/// and the pending transfers.
#[derive(Default)]
struct Walked {
    sums: HashMap<u64, Sums>,
    resolved: HashMap<u64, u32>,
    pending: Vec<u64>,
}

/// Σ debits = Σ credits, every account equal to the sum of its transfers, every pending
/// transfer either resolved once or listed as open.
pub fn check(tx: &impl Tx) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let walked = walk_transfers(tx)?;
    let total = check_accounts(tx, walked.sums, &mut problems)?;
    if total.debits_posted != total.credits_posted || total.debits_pending != total.credits_pending
    {
        problems.push(format!(
            "ledger unbalanced: posted debits {} vs credits {}, pending debits {} vs credits {}",
            total.debits_posted, total.credits_posted, total.debits_pending, total.credits_pending
        ));
    }
    check_holds(tx, &walked.pending, &walked.resolved, &mut problems)?;
    Ok(problems)
}

fn walk_transfers(tx: &impl Tx) -> Result<Walked, StoreError> {
    let mut w = Walked::default();
    for entry in tx.open(tables::LEDGER_TRANSFERS)?.iter()? {
        let (_, t) = entry?;
        let (posted, pend) = effect(&t);
        let d = w.sums.entry(t.debit_account).or_default();
        d.debits_posted += posted;
        d.debits_pending += pend;
        let c = w.sums.entry(t.credit_account).or_default();
        c.credits_posted += posted;
        c.credits_pending += pend;
        match t.state {
            TransferState::Pending => w.pending.push(t.id),
            TransferState::PostPending(p) | TransferState::VoidPending(p) => {
                *w.resolved.entry(p).or_default() += 1
            }
            TransferState::Posted => {}
        }
    }
    Ok(w)
}

/// Every account against the sum of its transfers; returns the accounts' total.
fn check_accounts(
    tx: &impl Tx,
    mut sums: HashMap<u64, Sums>,
    problems: &mut Vec<String>,
) -> Result<Sums, StoreError> {
    let mut total = Sums::default();
    for entry in tx.open(tables::LEDGER_ACCOUNTS)?.iter()? {
        let (id, a) = entry?;
        let kept = Sums::of(&a);
        if kept != sums.remove(&id).unwrap_or_default() {
            problems.push(format!(
                "ledger account {id} ({:?} {}): balances differ from the sum of its transfers",
                a.kind, a.owner
            ));
        }
        // A delivered order's posted hold is split out in full, and a reversal undoes both.
        if a.kind == AccountKind::OrderClearing && a.debits_posted != a.credits_posted {
            problems.push(format!(
                "order clearing does not net to zero: posted debits {} vs credits {}",
                a.debits_posted, a.credits_posted
            ));
        }
        total.add(&kept);
    }
    for id in sums.keys() {
        problems.push(format!(
            "ledger: transfers name account {id}, which does not exist"
        ));
    }
    Ok(total)
}

/// Every pending transfer is resolved once, or open and listed as an open hold.
fn check_holds(
    tx: &impl Tx,
    pending: &[u64],
    resolved: &HashMap<u64, u32>,
    problems: &mut Vec<String>,
) -> Result<(), StoreError> {
    let open: HashMap<u64, u64> = open_holds(tx)?.into_iter().collect();
    for &id in pending {
        match (
            resolved.get(&id).copied().unwrap_or(0),
            open.contains_key(&id),
        ) {
            (0, true) | (1, false) => {}
            (0, false) => problems.push(format!(
                "pending transfer {id} is neither resolved nor open"
            )),
            (1, true) => problems.push(format!(
                "pending transfer {id} is resolved but still listed as open"
            )),
            (n, _) => problems.push(format!("pending transfer {id} was resolved {n} times")),
        }
    }
    Ok(())
}
