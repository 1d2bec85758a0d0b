//! Decoded values kept beside the bytes they were decoded from, for rows read on every order
//! and seldom written (products, vendors, shops).
//!
//! A read still goes to the table for the row's bytes: the memo only saves decoding them
//! (a product's row is zstd-packed, a phone number is checked again as it is decoded). When
//! the bytes stored under a key equal the bytes kept with it, the kept value is what decoding
//! would give, so it is cloned instead; any other bytes are decoded and kept in its place.
//! Which snapshot or database the bytes came from does not matter.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::de::DeserializeOwned;

use super::{StoreError, TableRead, codec};

/// How many rows one memo keeps; when full it starts again empty (a catalogue larger than
/// this is decoded as before).
const ROWS: usize = 4_096;

/// Per key, the bytes a value was decoded from and the value.
type Kept<V> = HashMap<u64, (Box<[u8]>, V)>;

/// One table's kept values, shared by every thread.
pub struct Memo<V> {
    kept: Mutex<Kept<V>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Self {
            kept: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone + DeserializeOwned> Memo<V> {
    /// The value stored under `key` in `view`, decoded or kept.
    pub fn get(&self, view: &impl TableRead<u64, V>, key: u64) -> Result<Option<V>, StoreError> {
        view.get_with(key, |bytes| self.value_of(key, bytes))
    }

    fn value_of(&self, key: u64, bytes: &[u8]) -> Result<V, StoreError> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still a
        // map of keys to values decoded from their bytes.
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((b, v)) = kept.get(&key)
            && **b == *bytes
        {
            return Ok(v.clone());
        }
        let v: V = codec::decode(bytes)?;
        if kept.len() >= ROWS {
            kept.clear();
        }
        kept.insert(key, (bytes.into(), v.clone()));
        Ok(v)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.lock().map_or(0, |k| k.len())
    }
}

#[cfg(test)]
#[path = "memo_tests.rs"]
mod tests;
