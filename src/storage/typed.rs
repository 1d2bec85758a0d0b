//! Typed tables over redb: every value goes through the codec, every write is counted.
//!
//! Domain code opens a [`Table`] through a transaction and reads or writes decoded values; it
//! never sees bytes. Writes are counted so the group-commit writer can tell whether a failed
//! job left changes behind (and must not share its transaction with others).

use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};

use redb::{Key, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{StoreError, codec};

/// A table declaration: key type `K` (a native redb key, so ranges sort right) and value `V`.
pub struct Table<K: Key + 'static, V> {
    def: TableDefinition<'static, K, &'static [u8]>,
    _value: PhantomData<fn() -> V>,
}

impl<K: Key + 'static, V> Table<K, V> {
    pub const fn new(name: &'static str) -> Self {
        Self {
            def: TableDefinition::new(name),
            _value: PhantomData,
        }
    }

    pub(crate) fn def(&self) -> TableDefinition<'static, K, &'static [u8]> {
        self.def
    }
}

impl<K: Key + 'static, V> Clone for Table<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Key + 'static, V> Copy for Table<K, V> {}

/// Keys that can be copied out of redb's borrowed form.
pub trait OwnedKey: Key + 'static {
    type Owned;
    fn owned(value: Self::SelfType<'_>) -> Self::Owned;
}

macro_rules! copy_keys {
    ($($t:ty),*) => {$(
        impl OwnedKey for $t {
            type Owned = $t;
            fn owned(value: $t) -> $t { value }
        }
    )*};
}
copy_keys!(
    u64,
    i64,
    u32,
    (u64, u64),
    (u64, i64),
    (i64, u64),
    (u64, u64, u64),
    (i64, u64, u64),
    (u64, i64, u64)
);

impl OwnedKey for &'static str {
    type Owned = String;
    fn owned(value: &str) -> String {
        value.to_owned()
    }
}

impl OwnedKey for (&'static str, u64) {
    type Owned = (String, u64);
    fn owned(value: (&str, u64)) -> (String, u64) {
        (value.0.to_owned(), value.1)
    }
}

impl OwnedKey for &'static [u8] {
    type Owned = Vec<u8>;
    fn owned(value: &[u8]) -> Vec<u8> {
        value.to_vec()
    }
}

/// A read-only snapshot of the database.
pub struct ReadTx {
    inner: redb::ReadTransaction,
}

impl ReadTx {
    pub(crate) fn new(inner: redb::ReadTransaction) -> Self {
        Self { inner }
    }
}

/// A write transaction lent to a job by the writer; jobs never commit it.
pub struct WriteTx {
    inner: redb::WriteTransaction,
    writes: Cell<u64>,
    /// Why a step failed after writing ([`WriteTx::attempt`]): the job is void however it
    /// ends.
    void: RefCell<Option<String>>,
    /// Id counters handed out in this transaction, written back once at commit: a busy
    /// transaction allocates many ids, and each would otherwise read and write the table.
    counters: RefCell<HashMap<String, u64>>,
}

impl WriteTx {
    pub(crate) fn new(inner: redb::WriteTransaction) -> Self {
        Self {
            inner,
            writes: Cell::new(0),
            void: RefCell::new(None),
            counters: RefCell::new(HashMap::new()),
        }
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

    /// Writes the counters back and commits.
    pub(crate) fn commit(self, table: Table<&'static str, u64>) -> Result<(), StoreError> {
        {
            let mut t = self.open(table)?;
            for (kind, value) in self.counters.borrow().iter() {
                t.put(kind.as_str(), value)?;
            }
        }
        self.inner.commit()?;
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
    /// which must be counted.
    pub(super) fn raw(&self) -> &redb::WriteTransaction {
        &self.inner
    }

    pub(crate) fn into_inner(self) -> redb::WriteTransaction {
        self.inner
    }

    /// Opens a table for reading and writing.
    pub fn open<K: OwnedKey, V>(
        &self,
        table: Table<K, V>,
    ) -> Result<WriteView<'_, K, V>, StoreError> {
        Ok(WriteView {
            raw: self.inner.open_table(table.def())?,
            writes: &self.writes,
            _value: PhantomData,
        })
    }
}

/// Anything tables can be read through: a read snapshot or the current write transaction.
pub trait Tx {
    type View<'a, K: OwnedKey, V: DeserializeOwned + 'static>: TableRead<K, V>
    where
        Self: 'a;
    fn open<K: OwnedKey, V: DeserializeOwned + 'static>(
        &self,
        table: Table<K, V>,
    ) -> Result<Self::View<'_, K, V>, StoreError>;
}

impl Tx for ReadTx {
    type View<'a, K: OwnedKey, V: DeserializeOwned + 'static> = ReadView<K, V>;
    fn open<K: OwnedKey, V: DeserializeOwned + 'static>(
        &self,
        table: Table<K, V>,
    ) -> Result<ReadView<K, V>, StoreError> {
        Ok(ReadView {
            raw: self.inner.open_table(table.def())?,
            _value: PhantomData,
        })
    }
}

impl Tx for WriteTx {
    type View<'a, K: OwnedKey, V: DeserializeOwned + 'static> = WriteView<'a, K, V>;
    fn open<K: OwnedKey, V: DeserializeOwned + 'static>(
        &self,
        table: Table<K, V>,
    ) -> Result<WriteView<'_, K, V>, StoreError> {
        WriteTx::open(self, table)
    }
}

/// Decoded `(key, value)` pairs of a range, in key order (or reversed).
pub struct Iter<'t, K: OwnedKey, V> {
    raw: redb::Range<'t, K, &'static [u8]>,
    _value: PhantomData<fn() -> V>,
}

impl<K: OwnedKey, V: DeserializeOwned> Iter<'_, K, V> {
    fn decode_entry(
        item: Result<
            (
                redb::AccessGuard<'_, K>,
                redb::AccessGuard<'_, &'static [u8]>,
            ),
            redb::StorageError,
        >,
    ) -> Result<(K::Owned, V), StoreError> {
        let (k, v) = item?;
        Ok((K::owned(k.value()), codec::decode(v.value())?))
    }
}

impl<K: OwnedKey, V: DeserializeOwned> Iterator for Iter<'_, K, V> {
    type Item = Result<(K::Owned, V), StoreError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.raw.next().map(Self::decode_entry)
    }
}

impl<K: OwnedKey, V: DeserializeOwned> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.raw.next_back().map(Self::decode_entry)
    }
}

/// Reading a table, whichever transaction it was opened through.
pub trait TableRead<K: OwnedKey, V> {
    fn get<'k>(&self, key: impl Borrow<K::SelfType<'k>>) -> Result<Option<V>, StoreError>;
    fn range<'k, KR>(&self, range: impl RangeBounds<KR>) -> Result<Iter<'_, K, V>, StoreError>
    where
        KR: Borrow<K::SelfType<'k>> + Clone + 'k;
    fn iter(&self) -> Result<Iter<'_, K, V>, StoreError>;
    fn len(&self) -> Result<u64, StoreError>;
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
    /// Like `get`, but a missing key is `StoreError::Missing` naming what was looked for.
    fn need<'k>(&self, key: impl Borrow<K::SelfType<'k>>, what: &str) -> Result<V, StoreError> {
        self.get(key)?
            .ok_or_else(|| StoreError::Missing(what.to_string()))
    }
}

fn owned_bounds<KR: Clone>(range: &impl RangeBounds<KR>) -> (Bound<KR>, Bound<KR>) {
    (range.start_bound().cloned(), range.end_bound().cloned())
}

macro_rules! impl_table_read {
    ($view:ty) => {
        impl<K: OwnedKey, V: DeserializeOwned> TableRead<K, V> for $view {
            fn get<'k>(&self, key: impl Borrow<K::SelfType<'k>>) -> Result<Option<V>, StoreError> {
                match self.raw.get(key)? {
                    Some(bytes) => Ok(Some(codec::decode(bytes.value())?)),
                    None => Ok(None),
                }
            }
            fn range<'k, KR>(
                &self,
                range: impl RangeBounds<KR>,
            ) -> Result<Iter<'_, K, V>, StoreError>
            where
                KR: Borrow<K::SelfType<'k>> + Clone + 'k,
            {
                Ok(Iter {
                    raw: self.raw.range(owned_bounds(&range))?,
                    _value: PhantomData,
                })
            }
            fn iter(&self) -> Result<Iter<'_, K, V>, StoreError> {
                Ok(Iter {
                    raw: self.raw.range::<K::SelfType<'_>>(..)?,
                    _value: PhantomData,
                })
            }
            fn len(&self) -> Result<u64, StoreError> {
                Ok(self.raw.len()?)
            }
        }
    };
}

/// A table opened through a read snapshot.
pub struct ReadView<K: OwnedKey, V> {
    raw: redb::ReadOnlyTable<K, &'static [u8]>,
    _value: PhantomData<fn() -> V>,
}
impl_table_read!(ReadView<K, V>);

/// A table opened through the write transaction.
pub struct WriteView<'t, K: OwnedKey, V> {
    raw: redb::Table<'t, K, &'static [u8]>,
    writes: &'t Cell<u64>,
    _value: PhantomData<fn() -> V>,
}
impl_table_read!(WriteView<'_, K, V>);

impl<K: OwnedKey, V: Serialize + DeserializeOwned> WriteView<'_, K, V> {
    /// Inserts or replaces the value under `key`.
    pub fn put<'k>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
        value: &V,
    ) -> Result<(), StoreError> {
        let bytes = codec::encode(value)?;
        self.writes.set(self.writes.get() + 1);
        self.raw.insert(key, bytes.as_slice())?;
        Ok(())
    }

    /// Removes the value under `key`, returning it when there was one.
    pub fn remove<'k>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
    ) -> Result<Option<V>, StoreError> {
        self.writes.set(self.writes.get() + 1);
        match self.raw.remove(key)? {
            Some(bytes) => Ok(Some(codec::decode(bytes.value())?)),
            None => Ok(None),
        }
    }
}
