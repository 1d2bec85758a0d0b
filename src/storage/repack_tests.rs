use redb::ReadableTableMetadata;

use super::*;
use crate::storage::scratch_store;

/// How full the table's pages are, as redb counts them.
fn fill<V>(tx: &WriteTx, table: Table<u64, V>) -> f64 {
    let stats = tx.open(table).unwrap().raw.stats().unwrap();
    let pages = stats.stored_bytes() + stats.metadata_bytes() + stats.fragmented_bytes();
    stats.stored_bytes() as f64 / pages as f64
}

fn rows<V>(tx: &WriteTx, table: Table<u64, V>) -> Vec<(u64, Vec<u8>)> {
    let view = tx.open(table).unwrap();
    let all = view.raw.range::<u64>(..).unwrap();
    all.map(|e| {
        let (k, v) = e.unwrap();
        (k.value(), v.value().to_vec())
    })
    .collect()
}

/// Rows rewritten longer, in key order, leave pages half full; a repack puts the same
/// bytes back under the same keys in full pages.
#[tokio::test]
async fn rows_grown_by_rewrites_are_put_back_in_full_pages() {
    let (_dir, store) = scratch_store();
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
            let (moved, last) = repack_from(tx, t, Bound::Unbounded, None, 10_000)?;
            assert_eq!(last, Some(3_000));
            Ok::<_, StoreError>((moved, fill(tx, t), rows(tx, t)))
        })
        .await
        .unwrap();
    assert_eq!(moved, 3_000);
    assert!(after > 0.9, "repacked pages are {after:.2} full");
    assert_eq!(now, was);
}

/// Each night notes the table's last id; a pass repacks the ids noted on nights old
/// enough that it has not repacked yet, in bounded transactions. Orders get a pass at
/// SETTLE_DAYS and one at LATE_DAYS; credit scores are repacked whole once a week.
#[tokio::test]
async fn each_row_is_repacked_once_a_pass_when_its_night_is_old_enough() {
    let (_dir, store) = scratch_store();
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
    let night = |d: i64| {
        let store = store.clone();
        async move {
            let w = run(&store, t0 + Duration::days(d)).await;
            assert_eq!(w.failed, 0);
            w.rows
        }
    };
    assert_eq!(night(0).await, 0, "empty tables");
    store.write(add(1..=4_500)).await.unwrap();
    assert_eq!(night(0).await, 0, "noted, not yet settled");
    store.write(add(4_501..=4_600)).await.unwrap();
    assert_eq!(night(1).await, 0);
    // Day 3: the note of day 0 is settled for the short pass: the rows the table held.
    assert_eq!(night(3).await, 4_500);
    store.write(add(4_601..=4_700)).await.unwrap();
    assert_eq!(night(4).await, 100, "day 1's note: 4,501 to 4,600");
    // Day 45: the short pass takes day 4's note; the long pass its first, day 0's.
    assert_eq!(night(45).await, 100 + 4_500);
    let progress = |key: &'static str| {
        let store = store.clone();
        async move {
            store
                .write(move |tx| tx.open(tables::REPACK_MARKS)?.get(key))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let short = progress("orders@3").await;
    assert_eq!((short.done, short.marks), (4_700, vec![(day(45), 4_700)]));
    let long = progress("orders@45").await;
    assert_eq!(long.done, 4_500);
    let notes = vec![
        (day(1), 4_600),
        (day(3), 4_600),
        (day(4), 4_700),
        (day(45), 4_700),
    ];
    assert_eq!(long.marks, notes);
    assert_eq!(
        progress("credit_scores@whole").await.marks,
        vec![(day(45), 0)]
    );
}

/// A pass cut short (a crash, a failed write part-way) keeps what its finished transactions
/// did and goes on from there the next night, instead of counting its whole range as done.
#[tokio::test]
async fn a_pass_cut_short_goes_on_from_where_it_got_the_next_night() {
    let (_dir, store) = scratch_store();
    let t = tables::ORDERS;
    store
        .write(move |tx| {
            for id in 1..=4_500u64 {
                tx.open(t)?.raw.insert(id, [1u8; 40].as_slice())?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    let t0 = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 1, 20, 0, 0).unwrap();
    assert_eq!(run(&store, t0).await.rows, 0, "noted, not yet settled");
    // Night 3: the short pass takes ids 1 to 4,500; its second transaction fails.
    let night3 = t0 + Duration::days(3);
    let range = store
        .write(move |tx| begin(tx, t, "orders@3", SETTLE_DAYS, night3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((range.after, range.upto), (0, 4_500));
    // The writer runs a failed job again on its own, so the failure is the chunk's, not a call's.
    let done = move |tx: &WriteTx, last: &u64| {
        if *last > 2_000 {
            return Err(StoreError::Writer("cut short".into()));
        }
        reached::<u64>(tx, "orders@3", last)
    };
    let cut = repack(&store, t, Bound::Included(1), Some(4_501), done).await;
    assert!(cut.is_err());
    // Night 4: the pass goes on after the first transaction's last whole id.
    assert_eq!(
        run(&store, t0 + Duration::days(4)).await.rows,
        4_500 - 1_999
    );
    let p = store
        .write(|tx| tx.open(tables::REPACK_MARKS)?.get("orders@3"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.done, 4_500);
    assert!(p.marks.iter().all(|(at, _)| *at > t0.timestamp_millis()));
}
