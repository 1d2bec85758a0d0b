//! The closer look `rank` takes at its best candidates: look-alike words below the typo budget
//! and word order. Both only order candidates; neither makes a word count as explained.
//!
//! Look-alike credit is what lets "Organic Tattva Flour - cron" prefer "Flour - Corn" over
//! "Flour - Rice" when everything else ties, without letting "cron" alone find corn.

use super::align::Pairs;
use super::query::Query;
use super::snapshot::{Snapshot, VariantRec};
use std::collections::HashMap;

/// What the closer look needs: the snapshot, and similarities already computed for this
/// phrase (candidates share many words).
pub(crate) struct Detail<'a> {
    snap: &'a Snapshot,
    cache: HashMap<(usize, u32), f32>,
}

impl<'a> Detail<'a> {
    pub(crate) fn new(snap: &'a Snapshot) -> Detail<'a> {
        Detail {
            snap,
            cache: HashMap::new(),
        }
    }

    fn similarity(&mut self, q: &Query, i: usize, term: u32) -> f32 {
        let snap = self.snap;
        *self.cache.entry((i, term)).or_insert_with(|| {
            let key = snap.term(term);
            match q.toks.get(i) {
                Some(t) if !key.starts_with(|c: char| c.is_ascii_digit()) => {
                    similarity(&t.key, key)
                }
                _ => 0.0,
            }
        })
    }
}

/// Look-alike words earn this share of a full match, times their similarity.
const RESIDUAL_CREDIT: f32 = 0.6;
/// Words less similar than this earn nothing.
const MIN_SIMILARITY: f32 = 0.5;
/// Words are compared on at most this many characters.
const MAX_LEN: usize = 24;

/// Pairs of words left unpaired on both sides that look alike, one-to-one, with their credit.
pub(crate) fn residual_pairs(
    d: &mut Detail<'_>,
    q: &Query,
    v: &VariantRec,
    pairs: &Pairs,
) -> Pairs {
    let paired_q = |i: usize| pairs.iter().any(|p| p.0 == i);
    let paired_p = |j: usize| pairs.iter().any(|p| p.1 == j);
    let mut all: Pairs = Vec::new();
    for (i, t) in q.toks.iter().enumerate() {
        if t.number || paired_q(i) || t.key.chars().count() < 2 {
            continue;
        }
        for (j, p) in v.toks.iter().enumerate() {
            if paired_p(j) {
                continue;
            }
            let sim = d.similarity(q, i, p.term);
            if sim >= MIN_SIMILARITY {
                all.push((i, j, RESIDUAL_CREDIT * sim));
            }
        }
    }
    all.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut used_q: Vec<usize> = Vec::new();
    let mut used_p: Vec<usize> = Vec::new();
    all.retain(|&(i, j, _)| {
        if used_q.contains(&i) || used_p.contains(&j) {
            return false;
        }
        used_q.push(i);
        used_p.push(j);
        true
    });
    all
}

/// Share of neighbouring phrase words that are neighbours in the same order in the product.
pub(crate) fn order_agreement(words: usize, pairs: &Pairs) -> f32 {
    if words < 2 {
        return 0.0;
    }
    let at = |i: usize| pairs.iter().find(|p| p.0 == i).map(|p| p.1);
    let kept = (0..words - 1)
        .filter(|&i| matches!((at(i), at(i + 1)), (Some(a), Some(b)) if b == a + 1))
        .count();
    kept as f32 / (words - 1) as f32
}

/// 1 − edit distance / longer length (transpositions count once); an abbreviation of three
/// or more letters ("choc" for "chocolate") counts as similar.
pub(crate) fn similarity(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().take(MAX_LEN).collect();
    let b: Vec<char> = b.chars().take(MAX_LEN).collect();
    let longer = a.len().max(b.len());
    if longer == 0 {
        return 0.0;
    }
    if a.len() >= 3 && b.starts_with(&a) {
        return 0.7f32.max(a.len() as f32 / longer as f32);
    }
    if a.len().abs_diff(b.len()) * 2 > longer {
        return 0.0; // more than half the letters would have to change
    }
    1.0 - osa_distance(&a, &b) as f32 / longer as f32
}

/// Optimal-string-alignment distance (Damerau-Levenshtein without repeated edits).
fn osa_distance(a: &[char], b: &[char]) -> usize {
    let w = b.len() + 1;
    let mut d = [0usize; (MAX_LEN + 1) * (MAX_LEN + 1)];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        d[at(i, 0)] = i;
    }
    for j in 0..=b.len() {
        d[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[at(i - 1, j)] + 1)
                .min(d[at(i, j - 1)] + 1)
                .min(d[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[at(i - 2, j - 2)] + 1);
            }
            d[at(i, j)] = best;
        }
    }
    d[at(a.len(), b.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(
            osa_distance(&['c', 'r', 'o', 'n'], &['c', 'o', 'r', 'n']),
            1
        );
    }

    #[test]
    fn look_alike_short_words_are_similar_and_unrelated_ones_are_not() {
        assert!(similarity("kron", "korn") >= 0.7);
        assert!(similarity("hed", "head") >= 0.7);
        assert!(similarity("tea", "salt") < MIN_SIMILARITY);
        assert!(similarity("kok", "kokolate") >= 0.7);
    }

    #[test]
    fn order_counts_neighbours_kept_in_order() {
        assert_eq!(
            order_agreement(3, &vec![(0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0)]),
            1.0
        );
        assert_eq!(
            order_agreement(3, &vec![(0, 2, 1.0), (1, 1, 1.0), (2, 0, 1.0)]),
            0.0
        );
    }
}
