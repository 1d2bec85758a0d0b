//! Pairs phrase words with the words of one product text: which vocabulary terms each phrase
//! word may stand for (exact, spelling variant, typo within budget) and the one-to-one
//! pairing, closest pairs first, that coverage is computed from.

use super::query::{Query, closeness};
use super::snapshot::VariantRec;

/// An exact key reached through another spelling counts this much.
pub(crate) const VARIANT_SPELLING: f32 = 0.96;

/// Phrase words each vocabulary term may stand for: (term, word index, closeness), by term.
pub(crate) struct Alignment {
    entries: Vec<(u32, u8, f32)>,
}

impl Alignment {
    pub(crate) fn new(q: &Query) -> Alignment {
        let mut entries: Vec<(u32, u8, f32)> = q
            .toks
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                let i = u8::try_from(i).unwrap_or(u8::MAX);
                t.expansions
                    .iter()
                    .map(move |e| (e.term, i, closeness(e.distance)))
            })
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        Alignment { entries }
    }

    fn of(&self, term: u32) -> &[(u32, u8, f32)] {
        let start = self.entries.partition_point(|e| e.0 < term);
        let end = self.entries[start..]
            .iter()
            .position(|e| e.0 != term)
            .map_or(self.entries.len(), |n| start + n);
        self.entries.get(start..end).unwrap_or(&[])
    }
}

/// One-to-one pairs of (phrase word, product word, closeness).
pub(crate) type Pairs = Vec<(usize, usize, f32)>;

/// Pairs phrase words with product words one-to-one, closest pairs first, so a word said
/// once covers one product word ("extra large" does not cover "extra extra large").
pub(crate) fn pair_words(q: &Query, align: &Alignment, v: &VariantRec) -> Pairs {
    let mut all: Pairs = Vec::new();
    for (j, p) in v.toks.iter().enumerate() {
        for &(_, i, close) in align.of(p.term) {
            let i = usize::from(i);
            let same = q.toks.get(i).is_some_and(|t| t.spelling == p.spelling);
            let c = if close >= 1.0 && !same {
                VARIANT_SPELLING
            } else {
                close
            };
            all.push((i, j, c));
        }
    }
    if all.len() > 1 {
        all.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    }
    let mut used_q = 0u64;
    let mut used_p = 0u64;
    all.retain(|&(i, j, _)| {
        let (bq, bp) = (1u64 << (i % 64), 1u64 << (j % 64));
        if used_q & bq != 0 || used_p & bp != 0 {
            return false;
        }
        used_q |= bq;
        used_p |= bp;
        true
    });
    all
}
