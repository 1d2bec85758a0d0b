//! Rows found by a text key but stored in the order they were written.
//!
//! A table keyed by a client's text (an `Idempotency-Key`) puts every new row at a random
//! place in its tree, so each commit rewrites a page of its own for it: about a fifth of what
//! an order's commit wrote to disk. Here such rows are keyed by an id that only grows (the new
//! row goes on the tree's last page, shared by the whole batch), and this index in memory
//! maps a hash of the text to the ids that may carry it. It is built from the table when the
//! database is opened.
//!
//! The index only says where to look: a reader fetches each candidate from its own
//! transaction and keeps the one whose stored text is the key. So an entry added by a job
//! whose batch was then dropped (the row is not there), a row written after a snapshot was
//! taken (not in that snapshot), or two texts with one hash all read correctly. What must
//! never happen is a committed row missing from the index: a writer adds the entry in the
//! same job that writes the row, before the commit.

use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::sync::Mutex;

/// A row the index can be built from: its key text.
pub trait Keyed {
    fn key_text(&self) -> &str;
}

/// Hash of a key text → the ids of rows that may carry it.
#[derive(Default)]
pub struct KeyIndex {
    /// Seeded at random for each index, so no one can choose texts that collide.
    hasher: std::collections::hash_map::RandomState,
    entries: Mutex<BTreeSet<(u64, u64)>>,
}

impl std::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyIndex({} entries)", self.len())
    }
}

impl KeyIndex {
    fn hash(&self, text: &str) -> u64 {
        self.hasher.hash_one(text)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeSet<(u64, u64)>> {
        // A panic elsewhere cannot leave the set half changed: each call is one insert or
        // remove.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The ids that may carry `text`, ascending.
    pub fn candidates(&self, text: &str) -> Vec<u64> {
        let h = self.hash(text);
        self.entries()
            .range((h, 0)..=(h, u64::MAX))
            .map(|&(_, id)| id)
            .collect()
    }

    /// Notes that row `id` carries `text`.
    pub fn add(&self, text: &str, id: u64) {
        let h = self.hash(text);
        self.entries().insert((h, id));
    }

    /// Forgets that row `id` carries `text` (the row is being removed).
    pub fn forget(&self, text: &str, id: u64) {
        let h = self.hash(text);
        self.entries().remove(&(h, id));
    }

    fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_finds_every_row_that_carries_it_and_only_those_forgotten_go() {
        let index = KeyIndex::default();
        index.add("order:1:a", 10);
        index.add("order:1:b", 11);
        index.add("order:1:a", 12);
        assert_eq!(index.candidates("order:1:a"), vec![10, 12]);
        assert_eq!(index.candidates("order:1:b"), vec![11]);
        assert!(index.candidates("order:2:a").is_empty());
        index.forget("order:1:a", 10);
        index.forget("order:1:a", 99);
        assert_eq!(index.candidates("order:1:a"), vec![12]);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn two_indexes_hash_differently() {
        // Each index is seeded on its own, so a text's place cannot be worked out ahead.
        let (a, b) = (KeyIndex::default(), KeyIndex::default());
        let differ = (0..8).any(|i| {
            let t = format!("key-{i}");
            a.hash(&t) != b.hash(&t)
        });
        assert!(differ);
    }
}
