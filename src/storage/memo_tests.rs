use super::*;
use crate::storage::{Store, Tx, scratch_store, tables};

async fn put(store: &Store, key: u64, value: i64) {
    store
        .write(move |tx| tx.open(tables::PASSWORD_CHANGE_REQUIRED)?.put(key, &value))
        .await
        .unwrap();
}

fn read(store: &Store, memo: &Memo<i64>, key: u64) -> Option<i64> {
    store
        .read_now(|tx| memo.get(&tx.open(tables::PASSWORD_CHANGE_REQUIRED)?, key))
        .unwrap()
}

/// A kept value is given only while the stored bytes are the ones it was decoded from: a
/// row rewritten is decoded again, a row taken out reads as missing.
#[tokio::test]
async fn a_kept_value_follows_its_row_through_rewrites_and_removal() {
    let (_dir, store) = scratch_store();
    let memo = Memo::default();
    assert_eq!(read(&store, &memo, 7), None);
    put(&store, 7, 100).await;
    assert_eq!(read(&store, &memo, 7), Some(100));
    assert_eq!(read(&store, &memo, 7), Some(100), "read again, kept");
    assert_eq!(memo.len(), 1);
    put(&store, 7, -5).await;
    assert_eq!(read(&store, &memo, 7), Some(-5), "rewritten: decoded again");
    store
        .write(|tx| tx.open(tables::PASSWORD_CHANGE_REQUIRED)?.remove(7u64))
        .await
        .unwrap();
    assert_eq!(
        read(&store, &memo, 7),
        None,
        "removed: missing, whatever is kept"
    );
}

/// Bytes that do not decode are an error, every time, and nothing is kept for them.
#[tokio::test]
async fn bytes_that_do_not_decode_are_an_error_and_are_not_kept() {
    let (_dir, store) = scratch_store();
    let memo = Memo::<i64>::default();
    store
        .write(|tx| {
            tx.open(tables::PASSWORD_CHANGE_REQUIRED)?
                .raw
                .insert(9u64, [99u8, 1, 2].as_slice())?;
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    for _ in 0..2 {
        let got = store.read_now(|tx| memo.get(&tx.open(tables::PASSWORD_CHANGE_REQUIRED)?, 9));
        assert!(matches!(got, Err(StoreError::Codec(_))), "{got:?}");
    }
    assert_eq!(memo.len(), 0);
}

/// A memo holds at most `ROWS` values; past that it starts again.
#[tokio::test]
async fn a_memo_keeps_a_bounded_number_of_rows() {
    let (_dir, store) = scratch_store();
    let n = ROWS as u64 + 10;
    store
        .write(move |tx| {
            let mut t = tx.open(tables::PASSWORD_CHANGE_REQUIRED)?;
            for k in 0..n {
                t.put(k, &(k as i64 * 3))?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    let memo = Memo::default();
    for k in 0..n {
        assert_eq!(read(&store, &memo, k), Some(k as i64 * 3));
        assert!(memo.len() <= ROWS);
    }
    assert_eq!(memo.len(), 10, "emptied once, at the {ROWS}th new row");
}
