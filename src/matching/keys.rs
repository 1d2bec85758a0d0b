//! Exact and typo-tolerant key lookup through `fst`.
//!
//! The vocabulary (every word key of the catalog) and the exact keys (codes, whole names,
//! aliases) are sorted maps in `fst`s. Typo-tolerant lookup intersects such a map with a
//! Damerau-Levenshtein DFA, built from builders made once per engine (building one is the
//! expensive part). The typo budget depends on the word's length; numbers are never fuzzed.

use fst::{IntoStreamer, Map, Streamer};
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder};

/// FNV-1a, for the many short-string hash lookups of a snapshot build (SipHash, the std
/// default, is built for untrusted keys and costs a third of an upsert here; these keys are
/// the catalog's own words).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A hash map keyed by catalog words.
pub(crate) type WordMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// The FNV-1a hash of a string, to compare spellings without keeping them.
pub(crate) fn spelling_hash(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = Fnv::default();
    h.write(s.as_bytes());
    h.finish()
}

/// At most this many fuzzy neighbours of one word are considered, nearest first.
const MAX_NEIGHBOURS: usize = 24;
/// The DFA walk stops after this many hits, so a pathological key stays cheap.
const MAX_HITS: usize = 256;

/// How many edits a word of `len` characters may carry: none under 5 characters (too many
/// short words are one edit apart), one up to 8, two from 9. A swap of two neighbouring
/// letters counts as one edit.
pub(crate) fn typo_budget(len: usize) -> u8 {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The Levenshtein automaton builders for distances 1 and 2, with transpositions.
pub(crate) struct LevBuilders {
    one: LevenshteinAutomatonBuilder,
    two: LevenshteinAutomatonBuilder,
}

impl LevBuilders {
    pub(crate) fn new() -> LevBuilders {
        LevBuilders {
            one: LevenshteinAutomatonBuilder::new(1, true),
            two: LevenshteinAutomatonBuilder::new(2, true),
        }
    }

    fn builder(&self, distance: u8) -> Option<&LevenshteinAutomatonBuilder> {
        match distance {
            1 => Some(&self.one),
            2 => Some(&self.two),
            _ => None,
        }
    }
}

/// A sorted set of keys, each with a dense id (its rank), searchable exactly or by distance.
pub(crate) struct KeySet {
    map: Map<Vec<u8>>,
}

impl KeySet {
    /// Builds from keys (duplicates allowed); ids are ranks in byte order.
    pub(crate) fn build<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<KeySet, fst::Error> {
        let mut sorted: Vec<&str> = keys.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        let map = Map::from_iter(sorted.into_iter().zip(0u64..))?;
        Ok(KeySet { map })
    }

    /// Builds from (key, id) pairs; a key given twice keeps its first id.
    pub(crate) fn with_ids(mut pairs: Vec<(String, u32)>) -> Result<KeySet, fst::Error> {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|a, b| a.0 == b.0);
        let map = Map::from_iter(pairs.into_iter().map(|(k, v)| (k, u64::from(v))))?;
        Ok(KeySet { map })
    }

    pub(crate) fn get(&self, key: &str) -> Option<u32> {
        self.map.get(key).and_then(|v| u32::try_from(v).ok())
    }

    /// Keys within `distance` edits of `key` (itself included), as (id, distance), nearest
    /// first, ties by id.
    pub(crate) fn near(&self, key: &str, distance: u8, lev: &LevBuilders) -> Vec<(u32, u8)> {
        self.walk(key, distance, lev, None)
    }

    /// Like [`KeySet::near`], but only among keys that start with the same character as
    /// `key`. Two-edit walks over the whole vocabulary are the one slow lookup; people rarely
    /// get the first letter wrong, and a single slip there is still found at one edit.
    pub(crate) fn near_same_start(
        &self,
        key: &str,
        distance: u8,
        lev: &LevBuilders,
    ) -> Vec<(u32, u8)> {
        let Some(first) = key.chars().next() else {
            return Vec::new();
        };
        let mut lo = [0u8; 4];
        let lo = first.encode_utf8(&mut lo).as_bytes().to_vec();
        let mut hi = lo.clone();
        if let Some(last) = hi.last_mut() {
            *last = last.saturating_add(1);
        }
        self.walk(key, distance, lev, Some((lo, hi)))
    }

    fn walk(
        &self,
        key: &str,
        distance: u8,
        lev: &LevBuilders,
        range: Option<(Vec<u8>, Vec<u8>)>,
    ) -> Vec<(u32, u8)> {
        let Some(builder) = lev.builder(distance) else {
            return self.get(key).map(|id| vec![(id, 0)]).unwrap_or_default();
        };
        let dfa = builder.build_dfa(key);
        let search = self.map.search_with_state(&dfa);
        let mut stream = match range {
            Some((lo, hi)) => search.ge(lo).lt(hi).into_stream(),
            None => search.into_stream(),
        };
        let mut hits = Vec::new();
        while let Some((_, id, state)) = stream.next() {
            if let (Distance::Exact(d), Ok(id)) = (dfa.distance(state), u32::try_from(id)) {
                hits.push((id, d));
            }
            if hits.len() >= MAX_HITS {
                break;
            }
        }
        hits.sort_unstable_by_key(|&(id, d)| (d, id));
        hits.truncate(MAX_NEIGHBOURS);
        hits
    }
}

/// Exact keys (codes, whole names, aliases) → the products that carry them.
pub(crate) struct KeyMap {
    keys: KeySet,
    targets: Vec<Vec<u32>>,
    fingerprints: bool,
}

/// A whole name as an fst key: its 64-bit fingerprint, big-endian. An fst over 35k long
/// names costs ~80 ms to build on every catalog edit; over fingerprints ~3 ms. Callers check
/// a hit against the product's own keys, so a collision cannot fake an exact match.
fn fingerprint(key: &str) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    format!("{:016x}", h.finish())
}

impl KeyMap {
    /// Builds from (key, product index) pairs; a key may name several products.
    pub(crate) fn build(pairs: Vec<(String, u32)>) -> Result<KeyMap, fst::Error> {
        Self::build_keys(pairs, false)
    }

    /// Like [`KeyMap::build`] for long keys looked up only exactly (whole names, aliases):
    /// the fst holds fingerprints, so hits must be checked against the product's keys.
    pub(crate) fn build_fingerprinted(pairs: Vec<(String, u32)>) -> Result<KeyMap, fst::Error> {
        let pairs = pairs
            .into_iter()
            .filter(|p| !p.0.is_empty())
            .map(|(k, p)| (fingerprint(&k), p))
            .collect();
        Self::build_keys(pairs, true)
    }

    fn build_keys(mut pairs: Vec<(String, u32)>, fingerprints: bool) -> Result<KeyMap, fst::Error> {
        pairs.retain(|p| !p.0.is_empty());
        pairs.sort_unstable();
        pairs.dedup();
        let mut keys: Vec<(&str, u32)> = Vec::new();
        let mut targets: Vec<Vec<u32>> = Vec::new();
        for (key, product) in &pairs {
            match (keys.last(), targets.last_mut()) {
                (Some(&(last, _)), Some(list)) if last == key => list.push(*product),
                _ => {
                    keys.push((key, u32::try_from(targets.len()).unwrap_or(u32::MAX)));
                    targets.push(vec![*product]);
                }
            }
        }
        let map = Map::from_iter(keys.into_iter().map(|(k, v)| (k, u64::from(v))))?;
        Ok(KeyMap {
            keys: KeySet { map },
            targets,
            fingerprints,
        })
    }

    /// Products carrying exactly this key (for a fingerprinted map: possibly, to be checked).
    pub(crate) fn get(&self, key: &str) -> &[u32] {
        let found = if self.fingerprints {
            self.keys.get(&fingerprint(key))
        } else {
            self.keys.get(key)
        };
        found
            .and_then(|id| self.targets.get(id as usize))
            .map_or(&[], Vec::as_slice)
    }

    /// Products carrying a key within `distance` edits, as (product, distance).
    pub(crate) fn near(&self, key: &str, distance: u8, lev: &LevBuilders) -> Vec<(u32, u8)> {
        let mut out = Vec::new();
        for (id, d) in self.keys.near(key, distance, lev) {
            if let Some(products) = self.targets.get(id as usize) {
                out.extend(products.iter().map(|&p| (p, d)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> KeySet {
        KeySet::build(["sugar", "suger", "biskut", "herbal", "warmer", "tea", "tel"]).unwrap()
    }

    #[test]
    fn the_budget_grows_with_the_word() {
        assert_eq!(typo_budget(4), 0);
        assert_eq!(typo_budget(5), 1);
        assert_eq!(typo_budget(8), 1);
        assert_eq!(typo_budget(9), 2);
    }

    #[test]
    fn a_swap_of_neighbouring_letters_is_one_edit() {
        let lev = LevBuilders::new();
        let s = set();
        let herbal = s.get("herbal").unwrap();
        assert_eq!(s.near("herabl", 1, &lev), vec![(herbal, 1)]);
    }

    #[test]
    fn a_doubled_or_dropped_letter_is_one_edit() {
        let lev = LevBuilders::new();
        let s = set();
        assert_eq!(
            s.near("warrmer", 1, &lev),
            vec![(s.get("warmer").unwrap(), 1)]
        );
        assert_eq!(
            s.near("biskt", 1, &lev),
            vec![(s.get("biskut").unwrap(), 1)]
        );
    }

    #[test]
    fn the_exact_key_comes_first() {
        let lev = LevBuilders::new();
        let s = set();
        let hits = s.near("sugar", 1, &lev);
        assert_eq!(hits[0], (s.get("sugar").unwrap(), 0));
        assert_eq!(hits[1], (s.get("suger").unwrap(), 1));
    }

    #[test]
    fn with_no_budget_only_the_exact_key_is_found() {
        let lev = LevBuilders::new();
        assert_eq!(
            set().near("tea", 0, &lev),
            vec![(set().get("tea").unwrap(), 0)]
        );
        assert!(set().near("tee", 0, &lev).is_empty());
    }

    #[test]
    fn a_key_map_lists_every_product_with_the_key() {
        let m = KeyMap::build(vec![
            ("rice1kg".into(), 3),
            ("x".into(), 1),
            ("x".into(), 0),
        ])
        .unwrap();
        assert_eq!(m.get("rice1kg"), &[3]);
        assert_eq!(m.get("x"), &[0, 1]);
        assert!(m.get("nothing").is_empty());
    }
}
