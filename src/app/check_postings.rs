//! `khaacho check`'s look at the per-owner indexes (`storage::postings`): each lists exactly
//! the records that name its owner (a phone's messages under the number as an integer), every
//! row reads, and nothing is listed twice.

use std::collections::{BTreeMap, HashMap};

use crate::ledger::AccountKind;
use crate::storage::postings::{self, Postings};
use crate::storage::{ReadTx, StoreError, TableRead, Tx, tables};

/// Owner → ids, as the records say they should be listed.
type Expected = HashMap<u64, Vec<u64>>;

pub fn check(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    let (mut by_retailer, mut by_vendor) = (Expected::new(), Expected::new());
    for entry in tx.open(tables::ORDERS)?.iter()? {
        let (id, o) = entry?;
        by_retailer.entry(o.retailer_id).or_default().push(id);
        by_vendor.entry(o.vendor_id).or_default().push(id);
    }
    compare(
        tx,
        tables::ORDERS_BY_RETAILER,
        "a retailer's orders",
        by_retailer,
        p,
    )?;
    compare(
        tx,
        tables::ORDERS_BY_VENDOR,
        "a vendor's orders",
        by_vendor,
        p,
    )?;
    let mut payments = Expected::new();
    for entry in tx.open(tables::PAYMENTS)?.iter()? {
        let (id, pay) = entry?;
        payments.entry(pay.retailer_id).or_default().push(id);
    }
    compare(
        tx,
        tables::PAYMENTS_BY_RETAILER,
        "a retailer's payments",
        payments,
        p,
    )?;
    let mut listed = HashMap::new();
    for entry in tx.open(tables::LEDGER_ACCOUNTS)?.iter()? {
        let (id, a) = entry?;
        listed.insert(id, a.kind != AccountKind::OrderClearing);
    }
    let mut transfers = Expected::new();
    for entry in tx.open(tables::LEDGER_TRANSFERS)?.iter()? {
        let (id, t) = entry?;
        for account in [t.debit_account, t.credit_account] {
            if listed.get(&account).copied().unwrap_or(true) {
                transfers.entry(account).or_default().push(id);
            }
        }
    }
    compare(
        tx,
        tables::LEDGER_ACCOUNT_TRANSFERS,
        "an account's transfers",
        transfers,
        p,
    )
}

/// Reports every owner whose listed ids differ from `expected` (ids ascending per owner, as
/// the records were read in id order).
fn compare(
    tx: &ReadTx,
    table: Postings,
    what: &str,
    mut expected: Expected,
    p: &mut Vec<String>,
) -> Result<(), StoreError> {
    let mut found: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for entry in tx.open(table)?.iter()? {
        let ((owner, first), chunk) = entry?;
        match postings::row_ids(first, &chunk) {
            Ok(ids) => found.entry(owner).or_default().extend(ids),
            Err(e) => p.push(format!("index of {what}: owner {owner}: {e}")),
        }
    }
    for (owner, ids) in found {
        let want = expected.remove(&owner).unwrap_or_default();
        if ids != want {
            let missing = want
                .iter()
                .filter(|id| ids.binary_search(id).is_err())
                .count();
            let extra = ids
                .iter()
                .filter(|id| want.binary_search(id).is_err())
                .count();
            p.push(format!(
                "index of {what}: owner {owner} lists {} ids where its records say {} \
                 ({missing} missing, {extra} not its own, or out of order)",
                ids.len(),
                want.len()
            ));
        }
    }
    for (owner, want) in expected {
        p.push(format!(
            "index of {what}: owner {owner} lists none of its {} ids",
            want.len()
        ));
    }
    Ok(())
}
