//! The write transaction lent to jobs: counted writes, id counters kept until commit, and the
//! tables the batch opened kept open until it commits.
//!
//! Opening a redb table is a lookup in the database's table directory plus bookkeeping, and
//! closing it stages its new root; an order opens about forty tables. The writer runs many jobs
//! in one transaction, so each table is opened once per transaction here and lent to every
//! job that asks for it. Opening a table that is already lent out (two views of one table at
//! the same time) is refused, as redb refuses it.

use std::cell::{Cell, OnceCell, RefCell, RefMut};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::panic::Location;

use super::StoreError;
use super::tables;
use redb::TableHandle;

use super::keyed::KeyIndex;
use super::typed::{AnyTable, OwnedKey, Table, TableRead, WriteView};

/// One table of a write transaction: open once a job asks for it, then lent to one job at a time.
#[derive(Default)]
struct Slot<'t> {
    table: OnceCell<RefCell<AnyTable<'t>>>,
    /// Where it was last lent out, named when a second view of it is refused.
    lent_at: Cell<Option<&'static Location<'static>>>,
}

/// A write transaction lent to a job by the writer; jobs never commit it.
pub struct WriteTx<'t> {
    inner: &'t redb::WriteTransaction,
    /// Every declared table, by its place in `tables::ALL`.
    slots: Vec<Slot<'t>>,
    writes: Cell<u64>,
    /// Why a step failed after writing ([`WriteTx::attempt`]): the job is void however it
    /// ends.
    void: RefCell<Option<String>>,
    /// Id counters handed out in this transaction, written back once at commit: a busy
    /// transaction allocates many ids, and each would otherwise read and write the table.
    counters: RefCell<HashMap<String, u64>>,
    /// The database's index of [`tables::IDEMPOTENCY`] (see `keyed`).
    keyed: &'t KeyIndex,
}

impl<'t> WriteTx<'t> {
    pub(crate) fn new(inner: &'t redb::WriteTransaction, keyed: &'t KeyIndex) -> Self {
        Self {
            inner,
            keyed,
            slots: (0..tables::ALL.len()).map(|_| Slot::default()).collect(),
            writes: Cell::new(0),
            void: RefCell::new(None),
            counters: RefCell::new(HashMap::new()),
        }
    }

    /// Where the rows of [`tables::IDEMPOTENCY`] may be, by their key text. A job that writes
    /// such a row adds it here itself, before the commit.
    pub fn keyed(&self) -> &'t KeyIndex {
        self.keyed
    }

    /// Opens a table for reading and writing.
    #[track_caller]
    pub fn open<K: OwnedKey, V>(
        &self,
        table: Table<K, V>,
    ) -> Result<WriteView<'_, 't, K, V>, StoreError> {
        let def = table.def();
        let name = def.name();
        let caller = Location::caller();
        let slot = self.slots.get(table.slot()).ok_or_else(|| {
            StoreError::Redb(format!("table {name} has no place in a transaction"))
        })?;
        if slot.table.get().is_none() {
            let raw = self.inner.open_table(def)?;
            // The slot was empty a moment ago and a transaction is not shared between threads.
            let _ = slot.table.set(RefCell::new(K::wrap(raw)));
        }
        let cell = slot
            .table
            .get()
            .ok_or_else(|| StoreError::Redb(format!("table {name} could not be opened")))?;
        let lent = cell.try_borrow_mut().map_err(|_| {
            let holder = slot
                .lent_at
                .get()
                .map(|l| format!(" (opened at {l})"))
                .unwrap_or_default();
            StoreError::Redb(format!("table {name} is already open{holder}"))
        })?;
        let raw = RefMut::filter_map(lent, K::unwrap)
            .map_err(|_| StoreError::Redb(format!("table {name} opened with another key type")))?;
        slot.lent_at.set(Some(caller));
        Ok(WriteView {
            raw,
            writes: &self.writes,
            _value: PhantomData,
        })
    }

    /// The next value of a counter (1, 2, 3, ...), kept in this transaction until commit.
    pub(crate) fn next_counter(
        &self,
        kind: &str,
        table: Table<&'static str, u64>,
    ) -> Result<u64, StoreError> {
        self.writes.set(self.writes.get() + 1);
        if let Some(v) = self.counters.borrow_mut().get_mut(kind) {
            *v += 1;
            return Ok(*v);
        }
        let next = self.open(table)?.get(kind)?.unwrap_or(0) + 1;
        self.counters.borrow_mut().insert(kind.to_string(), next);
        Ok(next)
    }

    /// The last value handed out for a counter (0 when none was).
    pub fn peek_counter(
        &self,
        kind: &str,
        table: Table<&'static str, u64>,
    ) -> Result<u64, StoreError> {
        if let Some(v) = self.counters.borrow().get(kind) {
            return Ok(*v);
        }
        Ok(self.open(table)?.get(kind)?.unwrap_or(0))
    }

    /// Writes the counters back and closes every table, so the transaction can commit.
    pub(crate) fn close(self, table: Table<&'static str, u64>) -> Result<(), StoreError> {
        let mut t = self.open(table)?;
        for (kind, value) in self.counters.borrow().iter() {
            t.put(kind.as_str(), value)?;
        }
        Ok(())
    }

    pub(crate) fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// Runs one step of a job whose refusals the job turns into answers (the WhatsApp
    /// conversation words a refused move as a reply). A step that fails *after* writing makes
    /// the whole job void: the writer drops everything it wrote and answers with
    /// [`StoreError::Aborted`], whatever the job returns. The step's error is still returned,
    /// so code after it runs as it would; nothing it writes is kept.
    pub fn attempt<T, E: std::fmt::Display>(
        &self,
        step: impl FnOnce(&WriteTx) -> Result<T, E>,
    ) -> Result<T, E> {
        let before = self.writes.get();
        let out = step(self);
        if let Err(e) = &out
            && self.writes.get() != before
        {
            self.void.borrow_mut().get_or_insert_with(|| e.to_string());
        }
        out
    }

    /// Why the job is void, if a step failed after writing.
    pub(crate) fn void_reason(&self) -> Option<String> {
        self.void.borrow().clone()
    }

    /// redb's transaction, for storage's own reads of it (its statistics); never for writes,
    /// which must be counted. Tables the batch holds open count as they were when opened.
    pub(super) fn raw(&self) -> &redb::WriteTransaction {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use redb::ReadableDatabase;

    use super::*;

    fn db() -> (tempfile::TempDir, redb::Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        (dir, db)
    }

    #[test]
    fn a_table_held_through_the_tx_trait_is_named_at_the_callers_line() {
        use crate::storage::typed::Tx;
        let (_dir, db) = db();
        let (raw, keyed) = (db.begin_write().unwrap(), KeyIndex::default());
        let tx = WriteTx::new(&raw, &keyed);
        let (held, at) = (Tx::open(&tx, tables::META).unwrap(), line!());
        let refused = tx.open(tables::META).err().unwrap().to_string();
        assert!(refused.contains(&format!("{}:{at}:", file!())), "{refused}");
        drop(held);
    }

    #[test]
    fn a_table_is_lent_once_at_a_time_and_keeps_its_writes_between_borrowers() {
        let (_dir, db) = db();
        let (raw, keyed) = (db.begin_write().unwrap(), KeyIndex::default());
        let tx = WriteTx::new(&raw, &keyed);
        let (mut first, first_at) = (tx.open(tables::META).unwrap(), line!());
        first.put("a", &1u64).unwrap();
        let second = tx.open(tables::META).err().unwrap();
        // The refusal names where the view still held was taken.
        let held = format!("meta is already open (opened at {}:{first_at}:", file!());
        assert!(second.to_string().contains(&held), "{second}");
        drop(first);
        // The next borrower (the next job of the batch) sees the first one's write.
        assert_eq!(tx.open(tables::META).unwrap().get("a").unwrap(), Some(1));
        assert_eq!(tx.writes(), 1);
        tx.close(tables::COUNTERS).unwrap();
        raw.commit().unwrap();
        let read = db.begin_read().unwrap();
        let meta = read.open_table(tables::META.def()).unwrap();
        let stored = meta.get("a").unwrap().unwrap();
        assert_eq!(
            super::super::codec::decode::<u64>(stored.value()).unwrap(),
            1
        );
    }

    #[test]
    fn counters_handed_out_are_written_back_when_the_transaction_closes() {
        let (_dir, db) = db();
        let (raw, keyed) = (db.begin_write().unwrap(), KeyIndex::default());
        let tx = WriteTx::new(&raw, &keyed);
        assert_eq!(tx.next_counter("orders", tables::COUNTERS).unwrap(), 1);
        assert_eq!(tx.next_counter("orders", tables::COUNTERS).unwrap(), 2);
        tx.close(tables::COUNTERS).unwrap();
        raw.commit().unwrap();
        let (raw, keyed) = (db.begin_write().unwrap(), KeyIndex::default());
        let tx = WriteTx::new(&raw, &keyed);
        assert_eq!(tx.peek_counter("orders", tables::COUNTERS).unwrap(), 2);
        assert_eq!(tx.next_counter("orders", tables::COUNTERS).unwrap(), 3);
    }
}
