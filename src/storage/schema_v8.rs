//! 7 → 8: four per-owner indexes (an account's transfers, a retailer's orders and payments,
//! a vendor's orders) are kept as postings, many ids to a row (`storage::postings`), instead
//! of one row per (owner, id). Each old table is read in key order, written owner by owner as
//! full rows, then dropped.

use redb::{ReadableTable, TableDefinition, TableHandle, WriteTransaction};

use super::postings::{Postings, rows_of};
use super::{StoreError, codec, tables};

/// The tables version 7 kept the indexes in, (owner, id) → id, and the postings replacing each.
const STEPS: [(&str, Postings); 4] = [
    ("ledger_account_transfers", tables::LEDGER_ACCOUNT_TRANSFERS),
    ("orders_by_retailer", tables::ORDERS_BY_RETAILER),
    ("orders_by_vendor", tables::ORDERS_BY_VENDOR),
    ("payments_by_retailer", tables::PAYMENTS_BY_RETAILER),
];

pub(super) fn postings(tx: &WriteTransaction) -> Result<(), StoreError> {
    for (old, new) in STEPS {
        let old = TableDefinition::<(u64, u64), &[u8]>::new(old);
        // Opening a table in a write transaction creates it; look before opening.
        if !tx.list_tables()?.any(|t| t.name() == old.name()) {
            continue;
        }
        {
            let from = tx.open_table(old)?;
            let mut to = tx.open_table(new.def())?;
            let mut write = |owner: u64, ids: &[u64]| -> Result<(), StoreError> {
                for (first, chunk) in rows_of(ids) {
                    to.insert((owner, first), codec::encode(&chunk)?.as_slice())?;
                }
                Ok(())
            };
            let (mut owner, mut ids) = (None, Vec::new());
            for entry in from.iter()? {
                let (o, id) = entry?.0.value();
                if owner.is_some_and(|current| current != o) {
                    write(owner.unwrap_or_default(), &ids)?;
                    ids.clear();
                }
                owner = Some(o);
                ids.push(id);
            }
            if let Some(o) = owner {
                write(o, &ids)?;
            }
        }
        tx.delete_table(old)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::postings;
    use crate::storage::{Store, Tx};

    /// A version 7 file's indexes read back the same through the postings, and the old tables
    /// are gone.
    #[tokio::test]
    async fn a_version_7_files_indexes_become_postings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let many: Vec<u64> = (1..=500).map(|i| i * 37).collect();
        {
            let db = redb::Database::create(&path).unwrap();
            let tx = db.begin_write().unwrap();
            {
                let mut meta = tx.open_table(tables::META.def()).unwrap();
                let seven = codec::encode(&7u64).unwrap();
                meta.insert(super::super::SCHEMA_KEY, seven.as_slice())
                    .unwrap();
                let old = TableDefinition::<(u64, u64), &[u8]>::new("orders_by_retailer");
                let mut old = tx.open_table(old).unwrap();
                for (owner, id) in many.iter().map(|&i| (4, i)).chain([(2, 9), (9, 1)]) {
                    let v = codec::encode(&id).unwrap();
                    old.insert((owner, id), v.as_slice()).unwrap();
                }
            }
            tx.commit().unwrap();
        }
        let opened = Store::open(&path).unwrap();
        let lists = opened
            .store
            .read(|tx| {
                let view = tx.open(tables::ORDERS_BY_RETAILER)?;
                (2..=9)
                    .map(|owner| postings::ascending(&view, owner, 0)?.collect())
                    .collect::<Result<Vec<Vec<u64>>, StoreError>>()
            })
            .await
            .unwrap();
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
