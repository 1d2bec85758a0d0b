//! Repacking the rows that are rewritten after they are written.
//!
//! An order is written when it is placed and rewritten at each change of state, its history
//! and routing decisions grow with it, and an invoice or a payment is rewritten as money comes
//! in. A rewrite that makes a row longer than its page has room for splits the page in two,
//! and redb leaves both halves half full: nothing refills them, since new rows go at the end
//! of these tables (their keys are ids handed out in time order). A simulated year left the
//! orders table's pages 53 % full.
//!
//! Once such rows have settled (a few days after they were written), a nightly pass takes them
//! out and puts them back through a redb cursor, which lays rows inserted in a run into full
//! pages; the half-empty pages go to the free list, and the next day's rows reuse them. Values
//! are moved byte for byte: nothing is decoded, so nothing can change. Each table's pass runs
//! in bounded write transactions, like retention, and remembers where it got to
//! (`REPACK_MARKS`): each night covers the rows written since the newest mark at least
//! [`SETTLE_DAYS`] old.

use std::ops::Bound;

use chrono::{DateTime, Duration, Utc};
use redb::ReadableTable;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::typed::OwnedKey;
use super::{Store, StoreError, Table, TableRead, WriteTx, tables};
use crate::support::telemetry::Walked;

/// How long a row may still be rewritten after it was written, as a rule: an order is
/// accepted, packed, dispatched and delivered within days.
pub const SETTLE_DAYS: i64 = 3;

/// When an order's last change (its invoice paid) is behind it, as a rule: the default
/// credit terms and two weeks more.
pub const LATE_DAYS: i64 = 45;

/// How often tables that take new rows all over are repacked whole.
pub const WHOLE_EVERY_DAYS: i64 = 7;

/// Rows moved per write transaction: a few milliseconds of the writer's time.
const ROWS_PER_TX: usize = 2_000;

/// A repack pass: when it started and the id of the table's last row then.
pub type Mark = (i64, u64);

/// Keys a pass can carry from one transaction to the next.
pub trait Keyed: OwnedKey<Owned: Clone + Send> + Send + Sync {}
impl<K: OwnedKey<Owned: Clone + Send> + Send + Sync> Keyed for K {}

/// Keys that start with an id handed out in time order.
pub trait TimeOrdered: Keyed {
    /// The smallest key of the rows of `id`.
    fn first_of(id: u64) -> Self::Owned;
    fn id(key: &Self::Owned) -> u64;
}

impl TimeOrdered for u64 {
    fn first_of(id: u64) -> u64 {
        id
    }
    fn id(key: &u64) -> u64 {
        *key
    }
}

impl TimeOrdered for (u64, u64) {
    fn first_of(id: u64) -> (u64, u64) {
        (id, 0)
    }
    fn id(key: &(u64, u64)) -> u64 {
        key.0
    }
}

/// Repacks the settled rows of every table whose rows are rewritten after they are written.
/// Returns the rows moved and the passes that failed (logged; the next night tries again).
///
/// Orders, their histories and invoices change again when the invoice is paid, within the
/// credit terms (30 days unless configured otherwise), so they get a second pass after
/// [`LATE_DAYS`]. Credit scores are keyed by shop, so each night's new rows land all over
/// the table; it is repacked whole every [`WHOLE_EVERY_DAYS`].
pub async fn run(store: &Store, now: DateTime<Utc>) -> Walked {
    let passes = [
        since(store, tables::ORDERS, SETTLE_DAYS, now).await,
        since(store, tables::ORDERS, LATE_DAYS, now).await,
        since(store, tables::ORDER_HISTORY, SETTLE_DAYS, now).await,
        since(store, tables::ORDER_HISTORY, LATE_DAYS, now).await,
        since(store, tables::ROUTING_DECISIONS, SETTLE_DAYS, now).await,
        since(store, tables::INVOICES, SETTLE_DAYS, now).await,
        since(store, tables::INVOICES, LATE_DAYS, now).await,
        since(store, tables::PAYMENTS, SETTLE_DAYS, now).await,
        whole(store, tables::CREDIT_SCORES, now).await,
    ];
    let mut walked = Walked::default();
    for pass in passes {
        match pass {
            Ok(rows) => walked.done += rows,
            Err(e) => {
                tracing::error!(error = %e, "repack: a pass failed; skipped");
                walked.skipped += 1;
            }
        }
    }
    walked
}

/// A pass over a table in time order: the rows written since its newest mark at least
/// `settle_days` old.
async fn since<K: TimeOrdered, V: Serialize + DeserializeOwned + 'static>(
    store: &Store,
    table: Table<K, V>,
    settle_days: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let key = format!("{}@{settle_days}", table.name());
    let from = store
        .write(move |tx| begin(tx, table, &key, settle_days, now))
        .await?;
    match from {
        Some(id) => repack_to_end(store, table, Bound::Included(K::first_of(id))).await,
        None => Ok(0),
    }
}

/// A pass over a whole table, when the last one is [`WHOLE_EVERY_DAYS`] old.
async fn whole<K: Keyed, V: Serialize + DeserializeOwned + 'static>(
    store: &Store,
    table: Table<K, V>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let key = format!("{}@whole", table.name());
    let due = store
        .write(move |tx| {
            let mut marks = tx.open(tables::REPACK_MARKS)?;
            let last = marks.get(key.as_str())?.and_then(|m| m.last().copied());
            let every = Duration::days(WHOLE_EVERY_DAYS).num_milliseconds();
            let due = last.is_none_or(|(at, _)| at <= now.timestamp_millis() - every);
            if due {
                marks.put(key.as_str(), &vec![(now.timestamp_millis(), 0)])?;
            }
            Ok::<_, StoreError>(due)
        })
        .await?;
    if !due {
        return Ok(0);
    }
    repack_to_end(store, table, Bound::Unbounded).await
}

/// Repacks from `from` to the end of the table, [`ROWS_PER_TX`] rows a transaction.
async fn repack_to_end<K: Keyed, V: Serialize + DeserializeOwned + 'static>(
    store: &Store,
    table: Table<K, V>,
    mut from: Bound<K::Owned>,
) -> Result<usize, StoreError> {
    let mut moved = 0;
    loop {
        let bound = from.clone();
        let (rows, last) = store
            .write(move |tx| repack_from(tx, table, bound.clone(), ROWS_PER_TX))
            .await?;
        moved += rows;
        match last {
            Some(last) if rows == ROWS_PER_TX => from = Bound::Excluded(last),
            _ => return Ok(moved),
        }
    }
}

/// Chooses where a pass starts and records the pass: the newest mark at least `settle_days`
/// old, else the oldest there is (rows written in the days before the first pass are
/// repacked once, young); a table never repacked starts at its first row. Marks older than
/// the one chosen are dropped. None for an empty table.
fn begin<K: TimeOrdered, V: Serialize + DeserializeOwned>(
    tx: &WriteTx,
    table: Table<K, V>,
    key: &str,
    settle_days: i64,
    now: DateTime<Utc>,
) -> Result<Option<u64>, StoreError> {
    let last = match tx.open(table)?.raw.last()? {
        Some((key, _)) => K::id(&K::owned(key.value())),
        None => return Ok(None),
    };
    let mut marks = tx.open(tables::REPACK_MARKS)?.get(key)?.unwrap_or_default();
    let settled = (now - Duration::days(settle_days)).timestamp_millis();
    let chosen = marks
        .iter()
        .rposition(|(at, _)| *at <= settled)
        .unwrap_or(0);
    let from = marks.get(chosen).map_or(0, |(_, id)| *id);
    marks.drain(..chosen);
    marks.push((now.timestamp_millis(), last));
    tx.open(tables::REPACK_MARKS)?.put(key, &marks)?;
    Ok(Some(from))
}

/// Takes up to `limit` rows out from `from` on and puts them back in one run of a cursor,
/// which packs them into full pages. Returns the rows moved and the last one's key.
pub fn repack_from<K: Keyed, V: Serialize + DeserializeOwned>(
    tx: &WriteTx,
    table: Table<K, V>,
    from: Bound<K::Owned>,
    limit: usize,
) -> Result<(usize, Option<K::Owned>), StoreError> {
    let mut view = tx.open(table)?;
    let bound = match &from {
        Bound::Included(k) => Bound::Included(K::borrowed(k)),
        Bound::Excluded(k) => Bound::Excluded(K::borrowed(k)),
        Bound::Unbounded => Bound::Unbounded,
    };
    let mut cursor = view.raw.lower_bound_mut(bound)?;
    let mut rows: Vec<(K::Owned, Vec<u8>)> = Vec::with_capacity(limit.min(4_096));
    while rows.len() < limit {
        match cursor.remove_next()? {
            Some((key, value)) => rows.push((K::owned(key.value()), value.value().to_vec())),
            None => break,
        }
    }
    for (key, value) in &rows {
        cursor
            .insert_before(K::borrowed(key), value.as_slice())
            .map_err(|e| StoreError::Redb(format!("repacking {}: {e}", table.name())))?;
    }
    cursor.close()?;
    view.count_writes(2 * rows.len() as u64);
    Ok((rows.len(), rows.pop().map(|(key, _)| key)))
}

#[cfg(test)]
mod tests {
    use redb::ReadableTableMetadata;

    use super::*;

    /// How full the table's pages are, as redb counts them.
    fn fill(tx: &WriteTx, table: Table<u64, crate::orders::Order>) -> f64 {
        let stats = tx.open(table).unwrap().raw.stats().unwrap();
        let pages = stats.stored_bytes() + stats.metadata_bytes() + stats.fragmented_bytes();
        stats.stored_bytes() as f64 / pages as f64
    }

    fn rows(tx: &WriteTx, table: Table<u64, crate::orders::Order>) -> Vec<(u64, Vec<u8>)> {
        let view = tx.open(table).unwrap();
        let all = view.raw.range::<u64>(..).unwrap();
        all.map(|e| {
            let (k, v) = e.unwrap();
            (k.value(), v.value().to_vec())
        })
        .collect()
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap().store;
        (dir, store)
    }

    /// Rows rewritten longer, in key order, leave pages half full; a repack puts the same
    /// bytes back under the same keys in full pages.
    #[tokio::test]
    async fn rows_grown_by_rewrites_are_put_back_in_full_pages() {
        let (_dir, store) = store().await;
        let t = tables::ORDERS;
        let value = |id: u64, len: usize| vec![(id % 251) as u8; len];
        store
            .write(move |tx| {
                for id in 1..=3_000u64 {
                    tx.open(t)?.raw.insert(id, value(id, 100).as_slice())?;
                }
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
        let (before, was) = store
            .write(move |tx| {
                for id in 1..=3_000u64 {
                    tx.open(t)?.raw.insert(id, value(id, 130).as_slice())?;
                }
                Ok::<_, StoreError>((fill(tx, t), rows(tx, t)))
            })
            .await
            .unwrap();
        assert!(before < 0.7, "the rewrites left pages {before:.2} full");
        let (moved, after, now) = store
            .write(move |tx| {
                let (moved, last) = repack_from(tx, t, Bound::Unbounded, 10_000)?;
                assert_eq!(last, Some(3_000));
                Ok::<_, StoreError>((moved, fill(tx, t), rows(tx, t)))
            })
            .await
            .unwrap();
        assert_eq!(moved, 3_000);
        assert!(after > 0.9, "repacked pages are {after:.2} full");
        assert_eq!(now, was);
    }

    /// Each pass starts at the newest mark old enough (else the oldest), and moves on in
    /// bounded transactions to the end of the table; orders get a pass at SETTLE_DAYS and one
    /// at LATE_DAYS; credit scores are repacked whole once a week.
    #[tokio::test]
    async fn each_night_covers_the_rows_since_the_newest_settled_mark() {
        let (_dir, store) = store().await;
        let t = tables::ORDERS;
        let add = |ids: std::ops::RangeInclusive<u64>| {
            move |tx: &WriteTx| {
                for id in ids.clone() {
                    tx.open(t)?.raw.insert(id, [1u8; 40].as_slice())?;
                }
                Ok::<_, StoreError>(())
            }
        };
        let t0 = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 1, 20, 0, 0).unwrap();
        let day = |d: i64| (t0 + Duration::days(d)).timestamp_millis();
        assert_eq!(run(&store, t0).await.done, 0, "empty tables");
        store.write(add(1..=4_500)).await.unwrap();
        let first = run(&store, t0).await;
        assert_eq!((first.done, first.skipped), (2 * 4_500, 0));
        store.write(add(4_501..=4_600)).await.unwrap();
        // One day on: no mark is settled, so both passes start at the oldest (4,500).
        assert_eq!(run(&store, t0 + Duration::days(1)).await.done, 2 * 101);
        // Four days on: the short pass's mark of day 1 (4,600) is settled; the long one's not.
        assert_eq!(run(&store, t0 + Duration::days(4)).await.done, 1 + 101);
        let marks = |key: &'static str| {
            let store = store.clone();
            async move {
                store
                    .write(move |tx| tx.open(tables::REPACK_MARKS)?.get(key))
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        assert_eq!(
            marks("orders@3").await,
            vec![(day(1), 4_600), (day(4), 4_600)]
        );
        assert_eq!(
            marks("orders@45").await,
            vec![(day(0), 4_500), (day(1), 4_600), (day(4), 4_600)]
        );
        assert_eq!(marks("credit_scores@whole").await, vec![(day(0), 0)]);
    }
}
