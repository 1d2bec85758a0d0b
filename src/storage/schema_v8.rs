//! 7 → 8: four per-owner indexes (an account's transfers, a retailer's orders and payments,
//! a vendor's orders) are kept as postings, many ids to a row (`storage::postings`), instead
//! of one row per (owner, id), and so is each phone's message list, keyed by the number as an
//! integer (`Msisdn::as_u64`); an order's state changes are kept in one row per order
//! (`order_history`) instead of one per change (`order_events`). Each old table is read in key
//! order, written owner by owner, then dropped.

use std::collections::BTreeMap;

use redb::{ReadableTable, TableDefinition, TableHandle, WriteTransaction};

use super::postings::{Postings, rows_of};
use super::{StoreError, codec, tables};
use crate::orders::OrderEvent;
use crate::types::Msisdn;

/// The tables version 7 kept the indexes in, (owner, id) → id, and the postings replacing each.
const STEPS: [(&str, Postings); 4] = [
    ("ledger_account_transfers", tables::LEDGER_ACCOUNT_TRANSFERS),
    ("orders_by_retailer", tables::ORDERS_BY_RETAILER),
    ("orders_by_vendor", tables::ORDERS_BY_VENDOR),
    ("payments_by_retailer", tables::PAYMENTS_BY_RETAILER),
];

/// The table version 7 kept state changes in: (order id, event id) → event.
const EVENTS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("order_events");

/// The table version 7 indexed each phone's messages in: (phone, message id) → message id.
const BY_PHONE: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("messages_by_phone");

pub(super) fn migrate(tx: &WriteTransaction) -> Result<(), StoreError> {
    postings(tx)?;
    phone_postings(tx)?;
    order_history(tx)
}

/// The phone index, keyed by the number as an integer: gathered first, since the numbers'
/// order as text is not their order as integers.
fn phone_postings(tx: &WriteTransaction) -> Result<(), StoreError> {
    if !exists(tx, BY_PHONE.name())? {
        return Ok(());
    }
    let mut lists: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let from = tx.open_table(BY_PHONE)?;
    for entry in from.iter()? {
        let key = entry?.0;
        let (phone, id) = key.value();
        let phone = Msisdn::parse_e164(phone)
            .map_err(|e| StoreError::Codec(format!("messages_by_phone: {e}")))?;
        lists.entry(phone.as_u64()).or_default().push(id);
    }
    drop(from);
    {
        let mut to = tx.open_table(tables::MESSAGES_BY_PHONE.def())?;
        for (phone, ids) in lists {
            write_list(&mut to, phone, &ids)?;
        }
    }
    tx.delete_table(BY_PHONE)?;
    Ok(())
}

/// Writes one owner's ascending ids as full postings rows.
fn write_list(
    to: &mut redb::Table<(u64, u64), &[u8]>,
    owner: u64,
    ids: &[u64],
) -> Result<(), StoreError> {
    for (first, chunk) in rows_of(ids) {
        to.insert((owner, first), codec::encode(&chunk)?.as_slice())?;
    }
    Ok(())
}

fn exists(tx: &WriteTransaction, name: &str) -> Result<bool, StoreError> {
    // Opening a table in a write transaction creates it; look before opening.
    Ok(tx.list_tables()?.any(|t| t.name() == name))
}

fn order_history(tx: &WriteTransaction) -> Result<(), StoreError> {
    if !exists(tx, EVENTS.name())? {
        return Ok(());
    }
    {
        let from = tx.open_table(EVENTS)?;
        let mut to = tx.open_table(tables::ORDER_HISTORY.def())?;
        let (mut order, mut events) = (None, Vec::<OrderEvent>::new());
        for entry in from.iter()? {
            let (k, v) = entry?;
            let o = k.value().0;
            if let Some(current) = order.filter(|&c| c != o) {
                to.insert(current, codec::encode(&events)?.as_slice())?;
                events.clear();
            }
            order = Some(o);
            events.push(codec::decode(v.value())?);
        }
        if let Some(current) = order {
            to.insert(current, codec::encode(&events)?.as_slice())?;
        }
    }
    tx.delete_table(EVENTS)?;
    Ok(())
}

fn postings(tx: &WriteTransaction) -> Result<(), StoreError> {
    for (old, new) in STEPS {
        let old = TableDefinition::<(u64, u64), &[u8]>::new(old);
        if !exists(tx, old.name())? {
            continue;
        }
        {
            let from = tx.open_table(old)?;
            let mut to = tx.open_table(new.def())?;
            let (mut owner, mut ids) = (None, Vec::new());
            for entry in from.iter()? {
                let (o, id) = entry?.0.value();
                if owner.is_some_and(|current| current != o) {
                    write_list(&mut to, owner.unwrap_or_default(), &ids)?;
                    ids.clear();
                }
                owner = Some(o);
                ids.push(id);
            }
            if let Some(o) = owner {
                write_list(&mut to, o, &ids)?;
            }
        }
        tx.delete_table(old)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::OrderState;
    use crate::storage::postings;
    use crate::storage::{Store, Tx};

    /// A version 7 file's indexes read back the same through the postings, each order's
    /// history in one row in the order it happened, and the old tables are gone.
    #[tokio::test]
    async fn a_version_7_files_indexes_become_postings_and_histories_one_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let many: Vec<u64> = (1..=500).map(|i| i * 37).collect();
        let event = |from, to, actor: &str| OrderEvent {
            at: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            from,
            to,
            actor: actor.into(),
            note: String::new(),
        };
        let placed = event(None, OrderState::Placed, "retailer:2");
        let accepted = event(Some(OrderState::Placed), OrderState::Accepted, "vendor:1");
        super::super::schema::old_file(&path, 7, |tx| {
            let old = TableDefinition::<(u64, u64), &[u8]>::new("orders_by_retailer");
            let mut old = tx.open_table(old).unwrap();
            for (owner, id) in many.iter().map(|&i| (4, i)).chain([(2, 9), (9, 1)]) {
                let v = codec::encode(&id).unwrap();
                old.insert((owner, id), v.as_slice()).unwrap();
            }
            let mut by_phone = tx.open_table(BY_PHONE).unwrap();
            for (phone, id) in [
                ("+14155550100", 4),
                ("+9779800000001", 3),
                ("+9779800000001", 5),
            ] {
                let v = codec::encode(&id).unwrap();
                by_phone.insert((phone, id), v.as_slice()).unwrap();
            }
            let mut events = tx.open_table(EVENTS).unwrap();
            for (order, seq, e) in [(1, 10, &placed), (2, 11, &placed), (1, 12, &accepted)] {
                let v = codec::encode(e).unwrap();
                events.insert((order, seq), v.as_slice()).unwrap();
            }
        });
        let opened = Store::open(&path).unwrap();
        let (lists, one, two, phones) = opened
            .store
            .read(|tx| {
                let view = tx.open(tables::ORDERS_BY_RETAILER)?;
                let lists = (2..=9)
                    .map(|owner| postings::ascending(&view, owner, 0)?.collect())
                    .collect::<Result<Vec<Vec<u64>>, StoreError>>()?;
                let h = |o| crate::orders::store::history(tx, o);
                let by_phone = tx.open(tables::MESSAGES_BY_PHONE)?;
                let phone = |p| -> Result<Vec<u64>, StoreError> {
                    postings::descending(&by_phone, p, u64::MAX)?.collect()
                };
                let phones = (phone(9_779_800_000_001)?, phone(14_155_550_100)?);
                Ok::<_, StoreError>((lists, h(1)?, h(2)?, phones))
            })
            .await
            .unwrap();
        assert_eq!((one, two), (vec![placed.clone(), accepted], vec![placed]));
        assert_eq!(phones, (vec![5, 3], vec![4]));
        assert_eq!(lists[2], many);
        assert_eq!(
            (&lists[0][..], &lists[7][..], &lists[1][..]),
            (&[9][..], &[1][..], &[][..])
        );
        drop(opened);
        let db = redb::Database::open(&path).unwrap();
        let names: Vec<String> = redb::ReadableDatabase::begin_read(&db)
            .unwrap()
            .list_tables()
            .unwrap()
            .map(|t| t.name().to_string())
            .collect();
        assert!(
            !names.iter().any(|n| n == "orders_by_retailer"),
            "{names:?}"
        );
    }
}
