//! Repacking the rows that are rewritten after they are written.
//!
//! An order is written when it is placed and rewritten at each change of state, its history
//! and routing decisions grow with it, and an invoice or a payment is rewritten as money comes
//! in. A rewrite that makes a row longer than its page has room for splits the page in two,
//! and redb leaves both halves half full: nothing refills them, since new rows go at the end
//! of these tables (their keys are ids handed out in time order). Ninety simulated days left
//! the orders table's pages 53 % full.
//!
//! Once such rows have settled (a few days after they were written), a nightly pass takes them
//! out and puts them back through a redb cursor, which lays rows inserted in a run into full
//! pages; the half-empty pages go to the free list, and the next day's rows reuse them. Values
//! are moved byte for byte: nothing is decoded, so nothing can change. Each pass runs in
//! bounded write transactions, like retention, and keeps its progress in `REPACK_MARKS`: every
//! night it notes the table's last id, and repacks the ids noted on nights now old enough that
//! it has not repacked yet, so each row is moved once a pass. Each transaction records how far
//! the pass got, so a pass cut short (a crash, a failed write) goes on from there the next night.

use std::ops::Bound;

use chrono::{DateTime, Duration, Utc};
use redb::ReadableTable;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::typed::OwnedKey;
use super::{Store, StoreError, Table, TableRead, WriteTx, tables};

/// How long a row may still be rewritten after it was written, as a rule: an order is
/// accepted, packed, dispatched and delivered within days.
pub const SETTLE_DAYS: i64 = 3;

/// When an order's invoice is raised, as a rule: at delivery, days after the order (whose id
/// keys the invoice), so invoices come in a little out of order.
pub const INVOICED_DAYS: i64 = 7;

/// When an order's last change (its invoice paid) is behind it, as a rule: the default
/// credit terms and two weeks more.
pub const LATE_DAYS: i64 = 45;

/// When a late payer's invoice is paid, as a rule: a simulated year left the invoices' pages
/// half full after the passes at 7 and 45 days, as shops that pay weeks late close their
/// invoices after both.
pub const LATE_PAYERS_DAYS: i64 = 120;

/// How often tables that take new rows all over are repacked whole.
pub const WHOLE_EVERY_DAYS: i64 = 7;

/// Slack in "a day old" and "a week old", so a job that runs a little early still counts.
const SLACK_MS: i64 = 3_600_000;

/// Rows moved per write transaction: a few milliseconds of the writer's time.
const ROWS_PER_TX: usize = 2_000;

/// What a night's repack did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Repacked {
    /// Rows moved.
    pub rows: usize,
    /// Passes that failed (logged; the next night tries again).
    pub failed: usize,
}

/// A night's note: when, and the id of the table's last row then.
pub type Mark = (i64, u64);

/// One pass's progress over its table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Ids up to this one are repacked.
    pub done: u64,
    /// The nights' notes not yet old enough, oldest first.
    pub marks: Vec<Mark>,
}

/// Keys a pass can carry from one transaction to the next.
pub trait Keyed: OwnedKey<Owned: Clone + Send + Ord> + Send + Sync {}
impl<K: OwnedKey<Owned: Clone + Send + Ord> + Send + Sync> Keyed for K {}

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
/// [`LATE_DAYS`], invoices a third after [`LATE_PAYERS_DAYS`]. Credit scores are keyed by
/// shop, so each night's new rows land all over the table; it is repacked whole every
/// [`WHOLE_EVERY_DAYS`].
pub async fn run(store: &Store, now: DateTime<Utc>) -> Repacked {
    let passes = [
        since(store, tables::ORDERS, SETTLE_DAYS, now).await,
        since(store, tables::ORDERS, LATE_DAYS, now).await,
        since(store, tables::ORDER_HISTORY, SETTLE_DAYS, now).await,
        since(store, tables::ORDER_HISTORY, LATE_DAYS, now).await,
        since(store, tables::ROUTING_DECISIONS, SETTLE_DAYS, now).await,
        since(store, tables::INVOICES, INVOICED_DAYS, now).await,
        since(store, tables::INVOICES, LATE_DAYS, now).await,
        since(store, tables::INVOICES, LATE_PAYERS_DAYS, now).await,
        since(store, tables::PAYMENTS, SETTLE_DAYS, now).await,
        whole(store, tables::CREDIT_SCORES, now).await,
    ];
    let mut night = Repacked::default();
    for pass in passes {
        match pass {
            Ok(rows) => night.rows += rows,
            Err(e) => {
                tracing::error!(error = %e, "repack: a pass failed; skipped");
                night.failed += 1;
            }
        }
    }
    night
}

/// A pass over a table in time order: the rows noted on nights at least `settle_days` ago
/// that it has not repacked yet.
async fn since<K: TimeOrdered, V: Serialize + DeserializeOwned + 'static>(
    store: &Store,
    table: Table<K, V>,
    settle_days: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let key = format!("{}@{settle_days}", table.name());
    let at_begin = key.clone();
    let range = store
        .write(move |tx| begin(tx, table, &at_begin, settle_days, now))
        .await?;
    let Some(Range { after, upto, noted }) = range else {
        return Ok(0);
    };
    let from = Bound::Included(K::first_of(after + 1));
    let at_chunk = key.clone();
    let done = move |tx: &WriteTx, last: &K::Owned| reached::<K>(tx, &at_chunk, last);
    let moved = repack(store, table, from, Some(K::first_of(upto + 1)), done).await?;
    store
        .write(move |tx| {
            progress(tx, &key, |p| {
                p.done = p.done.max(upto);
                p.marks.retain(|(at, _)| *at > noted);
            })
        })
        .await?;
    Ok(moved)
}

/// Records that a pass's transaction got to `last`. An id is done once every row of it is: the
/// last id a transaction reached may have rows left for the next one.
fn reached<K: TimeOrdered>(tx: &WriteTx, key: &str, last: &K::Owned) -> Result<(), StoreError> {
    progress(tx, key, |p| {
        p.done = p.done.max(K::id(last).saturating_sub(1))
    })
}

/// Changes a pass's progress inside the caller's transaction.
fn progress(tx: &WriteTx, key: &str, change: impl FnOnce(&mut Progress)) -> Result<(), StoreError> {
    let mut marks = tx.open(tables::REPACK_MARKS)?;
    let mut p = marks.get(key)?.unwrap_or_default();
    change(&mut p);
    marks.put(key, &p)
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
            let last = marks
                .get(key.as_str())?
                .and_then(|p| p.marks.last().copied());
            let every = Duration::days(WHOLE_EVERY_DAYS).num_milliseconds() - SLACK_MS;
            let due = last.is_none_or(|(at, _)| at <= now.timestamp_millis() - every);
            if due {
                let progress = Progress {
                    done: 0,
                    marks: vec![(now.timestamp_millis(), 0)],
                };
                marks.put(key.as_str(), &progress)?;
            }
            Ok::<_, StoreError>(due)
        })
        .await?;
    if !due {
        return Ok(0);
    }
    repack(
        store,
        table,
        Bound::Unbounded,
        None,
        |_: &WriteTx, _: &K::Owned| Ok(()),
    )
    .await
}

/// Repacks from `from` up to (not including) `until`, or to the end of the table,
/// [`ROWS_PER_TX`] rows a transaction; `done` records each transaction's last key in it, so a
/// pass cut short (a crash, a failed write) goes on from there the next night.
async fn repack<K: Keyed, V: Serialize + DeserializeOwned + 'static, D>(
    store: &Store,
    table: Table<K, V>,
    mut from: Bound<K::Owned>,
    until: Option<K::Owned>,
    done: D,
) -> Result<usize, StoreError>
where
    D: Fn(&WriteTx, &K::Owned) -> Result<(), StoreError> + Clone + Send + 'static,
{
    let mut moved = 0;
    loop {
        let (bound, until, done) = (from.clone(), until.clone(), done.clone());
        let (rows, last) = store
            .write(move |tx| {
                let (rows, last) =
                    repack_from(tx, table, bound.clone(), until.as_ref(), ROWS_PER_TX)?;
                if let Some(last) = &last {
                    done(tx, last)?;
                }
                Ok::<_, StoreError>((rows, last))
            })
            .await?;
        moved += rows;
        match last {
            Some(last) if rows == ROWS_PER_TX => from = Bound::Excluded(last),
            _ => return Ok(moved),
        }
    }
}

/// The ids a pass repacks tonight: after `after`, up to `upto` (both ids), which the newest
/// note old enough (made at `noted`) recorded.
struct Range {
    after: u64,
    upto: u64,
    noted: i64,
}

/// Notes the table's last id and chooses the ids a pass repacks tonight: from where the pass
/// got to, to the id of the newest note at least `settle_days` old. The notes up to that one
/// are dropped once the range is repacked (at once when there is nothing to repack), so a pass
/// cut short is taken up again the next night. A pass's first note covers the rows the table
/// already held. None when there is nothing to repack.
fn begin<K: TimeOrdered, V: Serialize + DeserializeOwned>(
    tx: &WriteTx,
    table: Table<K, V>,
    key: &str,
    settle_days: i64,
    now: DateTime<Utc>,
) -> Result<Option<Range>, StoreError> {
    let last = match tx.open(table)?.raw.last()? {
        Some((key, _)) => K::id(&K::owned(key.value())),
        None => return Ok(None),
    };
    let mut progress = tx.open(tables::REPACK_MARKS)?.get(key)?.unwrap_or_default();
    progress.marks.push((now.timestamp_millis(), last));
    let settled = (now - Duration::days(settle_days)).timestamp_millis() + SLACK_MS;
    let range = match progress.marks.iter().rposition(|(at, _)| *at <= settled) {
        Some(newest) => {
            let (noted, upto) = progress.marks[newest];
            let after = progress.done;
            if upto > after {
                Some(Range { after, upto, noted })
            } else {
                progress.marks.drain(..=newest);
                None
            }
        }
        None => None,
    };
    tx.open(tables::REPACK_MARKS)?.put(key, &progress)?;
    Ok(range)
}

/// Takes up to `limit` rows out from `from` on (before `until`) and puts them back in one run
/// of a cursor, which packs them into full pages. Returns the rows moved and the last one's
/// key.
pub fn repack_from<K: Keyed, V: Serialize + DeserializeOwned>(
    tx: &WriteTx,
    table: Table<K, V>,
    from: Bound<K::Owned>,
    until: Option<&K::Owned>,
    limit: usize,
) -> Result<(usize, Option<K::Owned>), StoreError> {
    let mut view = tx.open(table)?;
    let bound = match &from {
        Bound::Included(k) => Bound::Included(K::borrowed(k)),
        Bound::Excluded(k) => Bound::Excluded(K::borrowed(k)),
        Bound::Unbounded => Bound::Unbounded,
    };
    // Counted before each change, so a failure part-way makes the writer drop the job's
    // transaction (a job that fails having written nothing would be committed beside the
    // others).
    let writes = view.writes;
    let mut cursor = view.raw.lower_bound_mut(bound)?;
    let mut rows: Vec<(K::Owned, Vec<u8>)> = Vec::with_capacity(limit.min(4_096));
    while rows.len() < limit {
        if let Some(until) = until {
            match cursor.peek_next()? {
                Some((key, _)) if K::owned(key.value()) < *until => {}
                _ => break,
            }
        }
        writes.set(writes.get() + 1);
        match cursor.remove_next()? {
            Some((key, value)) => rows.push((K::owned(key.value()), value.value().to_vec())),
            None => break,
        }
    }
    for (key, value) in &rows {
        writes.set(writes.get() + 1);
        cursor
            .insert_before(K::borrowed(key), value.as_slice())
            .map_err(|e| StoreError::Redb(format!("repacking {}: {e}", table.name())))?;
    }
    cursor.close()?;
    Ok((rows.len(), rows.pop().map(|(key, _)| key)))
}

#[cfg(test)]
#[path = "repack_tests.rs"]
mod tests;
