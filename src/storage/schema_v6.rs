//! 5 → 6: stock moves are kept in the order they happened (`stock_move_log`, keyed by move id,
//! the listing in the value) instead of per listing (`stock_moves`, keyed by listing and move
//! id). Every move is copied, then the old table is dropped.

use chrono::{DateTime, Utc};
use redb::{ReadableTable, TableDefinition, TableHandle, WriteTransaction};
use serde::Deserialize;

use super::{StoreError, codec, tables};
use crate::catalog::{StockMove, StockReason};

/// The table version 5 kept moves in: (listing id, move id) → move.
const OLD: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("stock_moves");

/// A move as version 5 stored it: without its listing, which was in the key.
#[derive(Deserialize)]
struct MoveV5 {
    #[serde(with = "super::ts")]
    at: DateTime<Utc>,
    delta: i64,
    reason: StockReason,
}

pub(super) fn stock_move_log(tx: &WriteTransaction) -> Result<(), StoreError> {
    // Opening a table in a write transaction creates it; look before opening.
    if !tx.list_tables()?.any(|t| t.name() == OLD.name()) {
        return Ok(());
    }
    let copied = {
        let old = tx.open_table(OLD)?;
        let mut log = tx.open_table(tables::STOCK_MOVES.def())?;
        let mut copied = 0u64;
        for entry in old.iter()? {
            let (k, v) = entry?;
            let (listing_id, id) = k.value();
            let m: MoveV5 = codec::decode(v.value())?;
            let moved = StockMove {
                listing_id,
                at: m.at,
                delta: m.delta,
                reason: m.reason,
            };
            if log.insert(id, codec::encode(&moved)?.as_slice())?.is_some() {
                return Err(StoreError::Codec(format!(
                    "stock move {id} is stored twice (listing {listing_id})"
                )));
            }
            copied += 1;
        }
        copied
    };
    tx.delete_table(OLD)?;
    tracing::info!(
        moves = copied,
        "stock moves now kept in the order they happened"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde::Serialize;

    use super::*;
    use crate::storage::{SCHEMA_KEY, Store, TableRead, Tx};

    #[derive(Serialize)]
    struct OldMove {
        #[serde(with = "crate::storage::ts")]
        at: DateTime<Utc>,
        delta: i64,
        reason: StockReason,
    }

    #[tokio::test]
    async fn a_version_5_file_keeps_every_stock_move_in_the_order_they_happened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        super::super::schema::old_file(&path, 5, |tx| {
            let mut old = tx.open_table(OLD).unwrap();
            let moves = [
                ((7, 1), 10, StockReason::Initial),
                ((9, 2), 4, StockReason::Initial),
                ((7, 3), -3, StockReason::Reserve { order_id: 5 }),
            ];
            for (key, delta, reason) in moves {
                let m = OldMove { at, delta, reason };
                old.insert(key, codec::encode(&m).unwrap().as_slice())
                    .unwrap();
            }
        });
        let opened = Store::open(&path).unwrap();
        let (log, version) = opened
            .store
            .read(|tx| {
                let log: Vec<(u64, StockMove)> = tx
                    .open(tables::STOCK_MOVES)?
                    .iter()?
                    .collect::<Result<_, _>>()?;
                let v = crate::storage::meta_get(tx, SCHEMA_KEY)?;
                Ok::<_, StoreError>((log, v))
            })
            .await
            .unwrap();
        assert_eq!(version, Some(super::super::schema::SCHEMA_VERSION));
        let got: Vec<(u64, u64, i64)> = log
            .iter()
            .map(|(id, m)| (*id, m.listing_id, m.delta))
            .collect();
        assert_eq!(got, vec![(1, 7, 10), (2, 9, 4), (3, 7, -3)]);
        assert_eq!(log[2].1.reason, StockReason::Reserve { order_id: 5 });
        assert!(log.iter().all(|(_, m)| m.at == at));
        drop(opened);
        let db = redb::Database::open(&path).unwrap();
        let read = redb::ReadableDatabase::begin_read(&db).unwrap();
        assert!(
            read.open_table(OLD).is_err(),
            "the per-listing table is gone"
        );
    }
}
