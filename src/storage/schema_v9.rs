//! 8 → 9: an order request's `Idempotency-Key` record is kept under the id of the first order
//! it created (`idempotency_log`, in the order requests came), its key inside the record and
//! found through the store's index (`storage::keyed`), instead of under the key itself
//! (`idempotency`), where every new record landed on a page of its own.

use chrono::{DateTime, Utc};
use redb::{ReadableTable, TableDefinition, TableHandle, WriteTransaction};
use serde::Deserialize;

use super::{StoreError, codec, tables};
use crate::orders::create_types::IdempotencyRecord;

/// The table version 8 kept the records in: "order:<retailer>:<key>" → record.
const OLD: TableDefinition<&str, &[u8]> = TableDefinition::new("idempotency");

/// A record as version 8 stored it: without its key, which was the row's.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct RecordV8 {
    request_hash: String,
    order_ids: Vec<u64>,
    #[serde(with = "super::ts")]
    at: DateTime<Utc>,
}

pub(super) fn idempotency_log(tx: &WriteTransaction) -> Result<(), StoreError> {
    // Opening a table in a write transaction creates it; look before opening.
    if !tx.list_tables()?.any(|t| t.name() == OLD.name()) {
        return Ok(());
    }
    {
        let old = tx.open_table(OLD)?;
        let mut log = tx.open_table(tables::IDEMPOTENCY.def())?;
        for entry in old.iter()? {
            let (k, v) = entry?;
            let scope = k.value().to_owned();
            let r: RecordV8 = codec::decode(v.value())?;
            // A keyed request that created nothing was never stored: placing creates at
            // least one order or fails whole.
            let Some(&first) = r.order_ids.first() else {
                return Err(StoreError::Codec(format!(
                    "idempotency record {scope:?} names no order"
                )));
            };
            let request_hash = hex::decode(&r.request_hash)
                .ok()
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
                .ok_or_else(|| {
                    StoreError::Codec(format!("idempotency record {scope:?}: bad request hash"))
                })?;
            let record = IdempotencyRecord {
                scope,
                request_hash,
                order_ids: r.order_ids,
                at: r.at,
            };
            if log
                .insert(first, codec::encode(&record)?.as_slice())?
                .is_some()
            {
                return Err(StoreError::Codec(format!(
                    "two idempotency records name order {first} first"
                )));
            }
        }
    }
    tx.delete_table(OLD)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Store, TableRead, Tx};

    /// A version 8 file's records are found by their keys after the move, and the old table
    /// is gone.
    #[tokio::test]
    async fn a_version_8_files_keys_are_found_in_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let at = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let old = |hash: &str, ids: Vec<u64>| RecordV8 {
            request_hash: hash.into(),
            order_ids: ids,
            at,
        };
        super::super::schema::old_file(&path, 8, |tx| {
            let mut t = tx.open_table(OLD).unwrap();
            for (key, r) in [
                ("order:2:retry-me", old(&"aa".repeat(32), vec![7])),
                ("order:3:split", old(&"bb".repeat(32), vec![9, 10])),
            ] {
                t.insert(key, codec::encode(&r).unwrap().as_slice())
                    .unwrap();
            }
        });
        let store = Store::open(&path).unwrap().store;
        let found = store
            .read_now(|tx| {
                let log = tx.open(tables::IDEMPOTENCY)?;
                let mut found = Vec::new();
                for key in ["order:2:retry-me", "order:3:split", "order:2:other"] {
                    for id in tx.keyed().candidates(key) {
                        let r = log.need(id, format_args!("record {id}"))?;
                        found.push((id, r.scope, r.request_hash, r.order_ids));
                    }
                }
                Ok::<_, StoreError>(found)
            })
            .unwrap();
        assert_eq!(
            found,
            vec![
                (7, "order:2:retry-me".into(), [0xaa; 32], vec![7]),
                (9, "order:3:split".into(), [0xbb; 32], vec![9, 10]),
            ]
        );
        drop(store);
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        assert!(!tx.list_tables().unwrap().any(|t| t.name() == OLD.name()));
    }
}
