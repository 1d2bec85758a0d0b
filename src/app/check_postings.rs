//! `khaacho check`'s look at the per-owner indexes (`storage::postings`): each lists exactly
//! the records that name its owner (a phone's messages under the number as an integer), every
//! row reads, and nothing is listed twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::ledger::AccountKind;
use crate::storage::postings::Postings;
use crate::storage::{ReadTx, StoreError, TableRead, Tx, tables};

/// Owner → ids, as the records say they should be listed.
type Expected = HashMap<u64, Vec<u64>>;

pub fn check(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    let (mut by_retailer, mut by_vendor) = (Expected::new(), Expected::new());
    for entry in tx.open(tables::ORDERS)?.iter()? {
        let (id, o) = entry?;
        list(&mut by_retailer, o.retailer_id, id);
        list(&mut by_vendor, o.vendor_id, id);
    }
    let mut payments = Expected::new();
    for entry in tx.open(tables::PAYMENTS)?.iter()? {
        let (id, pay) = entry?;
        list(&mut payments, pay.retailer_id, id);
    }
    let mut messages = Expected::new();
    for entry in tx.open(tables::MESSAGES)?.iter()? {
        let (id, m) = entry?;
        list(&mut messages, m.phone.as_u64(), id);
    }
    let mut unlisted = HashSet::new();
    for entry in tx.open(tables::LEDGER_ACCOUNTS)?.iter()? {
        let (id, a) = entry?;
        if a.kind == AccountKind::OrderClearing {
            unlisted.insert(id);
        }
    }
    let mut transfers = Expected::new();
    for entry in tx.open(tables::LEDGER_TRANSFERS)?.iter()? {
        let (id, t) = entry?;
        for account in [t.debit_account, t.credit_account] {
            if !unlisted.contains(&account) {
                list(&mut transfers, account, id);
            }
        }
    }
    let indexes = [
        (
            tables::ORDERS_BY_RETAILER,
            "a retailer's orders",
            by_retailer,
        ),
        (tables::ORDERS_BY_VENDOR, "a vendor's orders", by_vendor),
        (
            tables::PAYMENTS_BY_RETAILER,
            "a retailer's payments",
            payments,
        ),
        (tables::MESSAGES_BY_PHONE, "a phone's messages", messages),
        (
            tables::LEDGER_ACCOUNT_TRANSFERS,
            "an account's transfers",
            transfers,
        ),
    ];
    for (table, what, expected) in indexes {
        compare(tx, table, what, expected, p)?;
    }
    Ok(())
}

fn list(expected: &mut Expected, owner: u64, id: u64) {
    expected.entry(owner).or_default().push(id);
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
        let (key, chunk) = entry?;
        let owner = crate::storage::postings::owner_of(key.0);
        match crate::storage::postings::row_ids(key, &chunk) {
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
