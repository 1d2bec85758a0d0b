use redb::ReadableDatabase;

use super::*;
use crate::storage::{Store, TableRead, Tx, scratch_store};

fn payload(pairs: &[(&str, Option<u64>)]) -> Vec<u8> {
    let meta = tables::ALL.iter().position(|t| *t == "meta").unwrap() as u16;
    let mut buf = Vec::new();
    for (key, value) in pairs {
        let bytes = value.map(|v| codec::encode(&v).unwrap());
        push_op(&mut buf, meta, key.as_bytes(), bytes.as_deref());
    }
    buf
}

fn meta(store: &Store, key: &str) -> Option<u64> {
    store
        .read_now(|tx| tx.open(tables::META)?.get(key))
        .unwrap()
}

#[test]
fn changes_read_back_as_they_were_pushed() {
    let buf = payload(&[("a", Some(7)), ("b", None)]);
    let ops = ops(&buf).unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!((ops[0].key, ops[1].key), (&b"a"[..], &b"b"[..]));
    assert!(ops[0].value.is_some() && ops[1].value.is_none());
    assert!(super::ops(&buf[..buf.len() - 1]).is_err());
}

#[test]
fn the_log_ends_at_a_torn_record_a_bad_checksum_or_a_number_out_of_turn() {
    let mut file = [record(5, b"one"), record(6, b"two"), record(7, b"three")].concat();
    assert_eq!(
        chain(&file).iter().map(|r| r.seq).collect::<Vec<_>>(),
        [5, 6, 7]
    );
    let whole = file.len();
    file.truncate(whole - 2);
    assert_eq!(chain(&file).len(), 2, "a torn last record does not count");
    let mut bad = [record(5, b"one"), record(6, b"two")].concat();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(chain(&bad).len(), 1, "a flipped bit ends the log");
    let stale = [record(9, b"new"), record(3, b"old")].concat();
    assert_eq!(
        chain(&stale).len(),
        1,
        "an older record left behind ends the log"
    );
    assert!(chain(&[0u8; 100]).is_empty());
}

#[test]
fn a_restarted_log_is_read_from_its_start_and_a_voided_record_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.redb");
    let mut wal = Wal::create(&db, 10).unwrap();
    assert_eq!(wal.next_seq(), 11);
    for (seq, body) in [(11, &b"a longer first record"[..]), (12, b"b"), (13, b"c")] {
        wal.append(seq, body).unwrap();
    }
    wal.void_last();
    let read = |_: ()| {
        let bytes = std::fs::read(path_of(&db)).unwrap();
        chain(&bytes).iter().map(|r| r.seq).collect::<Vec<_>>()
    };
    assert_eq!(read(()), [11, 12]);
    assert_eq!(wal.next_seq(), 13);
    wal.restart();
    wal.append(13, b"x").unwrap();
    assert_eq!(
        read(()),
        [13],
        "the records before the restart no longer follow"
    );
    wal.remove().unwrap();
    assert!(!path_of(&db).exists());
}

#[tokio::test]
async fn commits_go_through_the_log_and_a_clean_close_folds_it_in_and_removes_it() {
    let (dir, store) = scratch_store();
    let path = store.path().to_path_buf();
    store
        .write(|tx| crate::storage::meta_put(tx, "k", 42))
        .await
        .unwrap();
    let bytes = std::fs::read(path_of(&path)).unwrap();
    let records = chain(&bytes);
    assert_eq!(records.len(), 1);
    let ops = ops(records[0].payload).unwrap();
    assert!(
        ops.iter().any(|o| o.key == b"k"),
        "the change is in the log"
    );
    drop(store);
    assert!(!path_of(&path).exists(), "a clean close leaves no log");
    let store = Store::open(&path).unwrap().store;
    assert_eq!(meta(&store, "k"), Some(42));
    drop((store, dir));
}

/// A crash, as the disk has it: the database file and its log copied while the server holds
/// them open (the writer idle), then opened elsewhere. redb comes back at its last checkpoint;
/// the log brings back every commit after it.
#[tokio::test]
async fn a_copy_taken_without_closing_comes_back_with_every_acknowledged_change() {
    let (_dir, store) = scratch_store();
    for i in 0..20u64 {
        store
            .write(move |tx| crate::storage::meta_put(tx, &format!("k{i}"), i))
            .await
            .unwrap();
    }
    let crashed = tempfile::tempdir().unwrap();
    let copy = crashed.path().join("khaacho.redb");
    std::fs::copy(store.path(), &copy).unwrap();
    std::fs::copy(path_of(store.path()), path_of(&copy)).unwrap();
    let back = Store::open(&copy).unwrap().store;
    for i in 0..20u64 {
        assert_eq!(meta(&back, &format!("k{i}")), Some(i));
    }
    assert_eq!(meta(&back, SEQ_KEY), meta(&store, SEQ_KEY));
    assert!(
        std::fs::read(path_of(&copy))
            .map(|b| chain(&b).is_empty())
            .unwrap(),
        "the applied log was replaced by an empty one"
    );
}

#[test]
fn a_log_that_does_not_follow_the_file_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.redb");
    drop(Store::open(&path).unwrap());
    let log = [record(5, &payload(&[("x", Some(1))]))].concat();
    std::fs::write(path_of(&path), &log).unwrap();
    let err = Store::open(&path).err().unwrap().to_string();
    assert!(err.contains("belongs to another copy"), "{err}");
    assert!(path_of(&path).exists());
    // The log that does follow is applied once, then gone.
    std::fs::write(
        path_of(&path),
        record(1, &payload(&[("x", Some(1)), ("y", None)])),
    )
    .unwrap();
    let db = redb::Database::create(&path).unwrap();
    assert_eq!(recover(&db, &path).unwrap(), 1);
    assert!(!path_of(&path).exists());
    let tx = db.begin_read().unwrap();
    let meta = tx.open_table(tables::META.def()).unwrap();
    let x: u64 = codec::decode(meta.get("x").unwrap().unwrap().value()).unwrap();
    assert_eq!(x, 1);
}
