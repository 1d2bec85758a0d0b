//! Typed tables over redb: every value goes through the codec, every write is counted.
//!
//! Domain code opens a [`Table`] through a transaction and reads or writes decoded values; it
//! never sees bytes. Writes are counted so the group-commit writer can tell whether a failed
//! job left changes behind (and must not share its transaction with others).

use std::any::Any;
use std::borrow::Borrow;
use std::cell::{Cell, RefMut};
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};
use std::sync::{Arc, OnceLock};

use redb::{Key, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::keyed::KeyIndex;
use super::write_tx::WriteTx;
use super::{StoreError, codec, tables};

/// A table declaration: key type `K` (a native redb key, so ranges sort right) and value `V`.
pub struct Table<K: Key + 'static, V> {
    def: TableDefinition<'static, K, &'static [u8]>,
    name: &'static str,
    /// Its place in [`tables::ALL`], where transactions keep the tables they opened.
    slot: usize,
    _value: PhantomData<fn() -> V>,
}

impl<K: Key + 'static, V> Table<K, V> {
    /// Tables are declared in one place only (`storage::tables`), which gives each its place.
    pub(crate) const fn new(name: &'static str, slot: usize) -> Self {
        Self {
            def: TableDefinition::new(name),
            name,
            slot,
            _value: PhantomData,
        }
    }

    pub const fn name(&self) -> &'static str {
        self.name
    }

    pub(crate) fn slot(&self) -> usize {
        self.slot
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

/// Keys that can be copied out of redb's borrowed form, and kept open in a write
/// transaction's table cache ([`AnyTable`]).
pub trait OwnedKey: Key + Sized + Send + Sync + 'static {
    type Owned;
    fn owned(value: Self::SelfType<'_>) -> Self::Owned;
    /// The borrowed form of an owned key, to look it up or remove it again.
    fn borrowed(owned: &Self::Owned) -> Self::SelfType<'_>;
    fn wrap<'t>(table: redb::Table<'t, Self, &'static [u8]>) -> AnyTable<'t>;
    fn unwrap<'a, 't>(
        table: &'a mut AnyTable<'t>,
    ) -> Option<&'a mut redb::Table<'t, Self, &'static [u8]>>;
}

macro_rules! keys {
    ($($variant:ident: $t:ty => $owned:ty, |$v:ident| $conv:expr, |$o:ident| $back:expr;)*) => {
        /// A table opened in a write transaction, whatever its key type: the transaction keeps
        /// the tables its jobs opened until it commits (see `WriteTx::open`).
        pub enum AnyTable<'t> {
            $($variant(redb::Table<'t, $t, &'static [u8]>),)*
        }
        $(impl OwnedKey for $t {
            type Owned = $owned;
            fn owned($v: Self::SelfType<'_>) -> $owned {
                $conv
            }
            fn borrowed($o: &$owned) -> Self::SelfType<'_> {
                $back
            }
            fn wrap<'t>(table: redb::Table<'t, Self, &'static [u8]>) -> AnyTable<'t> {
                AnyTable::$variant(table)
            }
            fn unwrap<'a, 't>(
                table: &'a mut AnyTable<'t>,
            ) -> Option<&'a mut redb::Table<'t, Self, &'static [u8]>> {
                match table {
                    AnyTable::$variant(t) => Some(t),
                    _ => None,
                }
            }
        })*
    };
}
keys!(
    U64: u64 => u64, |v| v, |o| *o;
    I64: i64 => i64, |v| v, |o| *o;
    U32: u32 => u32, |v| v, |o| *o;
    U64U64: (u64, u64) => (u64, u64), |v| v, |o| *o;
    U64I64: (u64, i64) => (u64, i64), |v| v, |o| *o;
    I64U64: (i64, u64) => (i64, u64), |v| v, |o| *o;
    U64U64U64: (u64, u64, u64) => (u64, u64, u64), |v| v, |o| *o;
    I64U64U64: (i64, u64, u64) => (i64, u64, u64), |v| v, |o| *o;
    U64I64U64: (u64, i64, u64) => (u64, i64, u64), |v| v, |o| *o;
    Str: &'static str => String, |v| v.to_owned(), |o| o.as_str();
    StrU64: (&'static str, u64) => (String, u64), |v| (v.0.to_owned(), v.1), |o| (o.0.as_str(), o.1);
    Bytes: &'static [u8] => Vec<u8>, |v| v.to_vec(), |o| o.as_slice();
);

/// A table a snapshot has opened, whatever its types.
type Opened = Arc<dyn Any + Send + Sync>;

/// A read-only snapshot of the database. It may be shared between threads: the server's
/// short reads share the newest one until the next commit (`Store::read_now`).
pub struct ReadTx {
    inner: redb::ReadTransaction,
    /// The tables this snapshot has opened, by their place in `tables::ALL`, kept for its
    /// later reads: placing an order reads a dozen tables, several of them many times, and
    /// each redb open is a lookup in the snapshot's table directory.
    opened: Vec<OnceLock<Opened>>,
    /// The database's index of [`super::tables::IDEMPOTENCY`] (see `keyed`).
    keyed: Arc<KeyIndex>,
}

impl ReadTx {
    pub(crate) fn new(inner: redb::ReadTransaction, keyed: Arc<KeyIndex>) -> Self {
        Self {
            inner,
            opened: (0..tables::ALL.len()).map(|_| OnceLock::new()).collect(),
            keyed,
        }
    }

    fn table<K: OwnedKey, V>(
        &self,
        table: Table<K, V>,
    ) -> Result<Arc<redb::ReadOnlyTable<K, &'static [u8]>>, StoreError> {
        let slot = self.opened.get(table.slot()).ok_or_else(|| {
            StoreError::Redb(format!("table {} has no place in a snapshot", table.name()))
        })?;
        if let Some(t) = slot.get().and_then(|t| t.clone().downcast().ok()) {
            return Ok(t);
        }
        let t = Arc::new(self.inner.open_table(table.def())?);
        // Two threads may open it at once; either copy reads the same snapshot.
        let _ = slot.set(t.clone());
        Ok(t)
    }
}

/// Anything tables can be read through: a read snapshot or the current write transaction.
pub trait Tx {
    type View<'a, K: OwnedKey, V: DeserializeOwned + 'static>: TableRead<K, V>
    where
        Self: 'a;
    /// Tracks its caller, so a write transaction's "already open" refusal names the place
    /// that holds the table (through helpers taking `&impl Tx`, the helper's line).
    #[track_caller]
    fn open<K: OwnedKey, V: DeserializeOwned + 'static>(
        &self,
        table: Table<K, V>,
    ) -> Result<Self::View<'_, K, V>, StoreError>;

    /// Where the rows of [`super::tables::IDEMPOTENCY`] may be, by their key text.
    fn keyed(&self) -> &KeyIndex;
}

impl Tx for ReadTx {
    type View<'a, K: OwnedKey, V: DeserializeOwned + 'static> = ReadView<K, V>;
    fn open<K: OwnedKey, V: DeserializeOwned + 'static>(
        &self,
        table: Table<K, V>,
    ) -> Result<ReadView<K, V>, StoreError> {
        Ok(ReadView {
            raw: self.table(table)?,
            _value: PhantomData,
        })
    }

    fn keyed(&self) -> &KeyIndex {
        &self.keyed
    }
}

impl<'t> Tx for WriteTx<'t> {
    type View<'a, K: OwnedKey, V: DeserializeOwned + 'static>
        = WriteView<'a, 't, K, V>
    where
        Self: 'a;
    fn open<K: OwnedKey, V: DeserializeOwned + 'static>(
        &self,
        table: Table<K, V>,
    ) -> Result<WriteView<'_, 't, K, V>, StoreError> {
        WriteTx::open(self, table)
    }

    fn keyed(&self) -> &KeyIndex {
        WriteTx::keyed(self)
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
    /// The stored bytes under `key`, given to `f` (which decodes them its own way).
    fn get_with<'k, R>(
        &self,
        key: impl Borrow<K::SelfType<'k>>,
        f: impl FnOnce(&[u8]) -> Result<R, StoreError>,
    ) -> Result<Option<R>, StoreError>;
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
    /// Like `get`, but a missing key is `StoreError::Missing` naming what was looked for
    /// (`what` is only formatted then: pass `format_args!`, not `&format!`).
    fn need<'k>(
        &self,
        key: impl Borrow<K::SelfType<'k>>,
        what: impl std::fmt::Display,
    ) -> Result<V, StoreError> {
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
            fn get_with<'k, R>(
                &self,
                key: impl Borrow<K::SelfType<'k>>,
                f: impl FnOnce(&[u8]) -> Result<R, StoreError>,
            ) -> Result<Option<R>, StoreError> {
                match self.raw.get(key)? {
                    Some(bytes) => Ok(Some(f(bytes.value())?)),
                    None => Ok(None),
                }
            }
        }
    };
}

/// A table opened through a read snapshot.
pub struct ReadView<K: OwnedKey, V> {
    raw: Arc<redb::ReadOnlyTable<K, &'static [u8]>>,
    _value: PhantomData<fn() -> V>,
}
impl_table_read!(ReadView<K, V>);

/// A table opened through the write transaction: borrowed from the transaction's open tables.
pub struct WriteView<'a, 't, K: OwnedKey, V> {
    pub(super) raw: RefMut<'a, redb::Table<'t, K, &'static [u8]>>,
    pub(super) writes: &'a Cell<u64>,
    pub(super) _value: PhantomData<fn() -> V>,
}
impl_table_read!(WriteView<'_, '_, K, V>);

/// A value already through the codec, as a table of `V` stores it: encoding (and compressing)
/// can then happen before the write transaction, off the single writer.
pub struct Encoded<V> {
    bytes: Vec<u8>,
    _value: PhantomData<fn() -> V>,
}

impl<V: Serialize> Encoded<V> {
    pub fn of(value: &V) -> Result<Self, StoreError> {
        Ok(Self {
            bytes: codec::encode(value)?,
            _value: PhantomData,
        })
    }
}

impl<V> Clone for Encoded<V> {
    fn clone(&self) -> Self {
        Self {
            bytes: self.bytes.clone(),
            _value: PhantomData,
        }
    }
}

impl<V> std::fmt::Debug for Encoded<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encoded({} bytes)", self.bytes.len())
    }
}

impl<K: OwnedKey, V: Serialize + DeserializeOwned> WriteView<'_, '_, K, V> {
    /// Inserts or replaces the value under `key`.
    pub fn put<'k>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
        value: &V,
    ) -> Result<(), StoreError> {
        self.put_encoded(key, &Encoded::of(value)?)
    }

    /// Inserts or replaces the value under `key`, encoded beforehand.
    pub fn put_encoded<'k>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
        value: &Encoded<V>,
    ) -> Result<(), StoreError> {
        self.writes.set(self.writes.get() + 1);
        self.raw.insert(key, value.bytes.as_slice())?;
        Ok(())
    }

    /// Inserts or replaces the value under `key`; whether there was one.
    pub fn replace<'k>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
        value: &V,
    ) -> Result<bool, StoreError> {
        self.writes.set(self.writes.get() + 1);
        let bytes = Encoded::of(value)?.bytes;
        Ok(self.raw.insert(key, bytes.as_slice())?.is_some())
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
