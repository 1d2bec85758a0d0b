//! Scores candidate products against a phrase, the way a person reading both would.
//!
//! For each text of a product (name or alias) phrase words are paired one-to-one with product
//! words (exact, spelling variant, or typo within budget, best pairs first). *Query coverage*
//! is the IDF-weighted share of the phrase so explained; *product coverage* the share of the
//! product the phrase names. The score is mostly query coverage, so a short shop-style phrase
//! finds the product holding all its words, and product coverage prefers the product with the
//! fewest unnamed extras, so a full name finds exactly that name.
//!
//! The best candidates are then looked at closer: words left unpaired on both sides that
//! still look alike ("cron"/"corn", below the typo budget) earn partial credit, and words in
//! the same order earn a little. That credit orders candidates but never counts as
//! *explained*; `decision` lets it settle only a phrase mostly explained otherwise. Sizes and
//! the retailer's history adjust the score; ties go to the lower product id, so results are
//! deterministic.

use super::align::{Alignment, VARIANT_SPELLING, pair_words};
use super::product::VariantKind;
use super::query::Query;
use super::rank_detail::{Detail, order_agreement, residual_pairs};
use super::size::Size;
use super::snapshot::{ProductRec, Snapshot, VariantRec};
use super::types::{MatchContext, Reason};

/// Share of query coverage in the score; product coverage has the rest.
const QUERY_SHARE: f32 = 0.7;
/// A size in the phrase that the product has.
const SIZE_MATCH: f32 = 0.2;
/// A size in the phrase when the product has another size of the same kind.
const SIZE_MISMATCH: f32 = -0.25;
/// A size in the phrase when the product declares none comparable.
const SIZE_UNKNOWN: f32 = -0.06;
/// The most that past orders can lift a product.
const HISTORY_LIFT: f32 = 0.12;
/// Past orders lift only products that already cover this much of the phrase.
const HISTORY_MIN_COVERAGE: f32 = 0.5;
/// A phrase that is exactly a product code.
const CODE_EXACT: f32 = 1.0;
/// A phrase that is a product code with a slip.
const CODE_FUZZY: f32 = 0.3;
/// Weight of word-order agreement (a tie-breaker between texts with the same words).
const ORDER_WEIGHT: f32 = 0.02;
/// A phrase that is a product's whole name, brand included, over one that equals a name only
/// with the brand left out ("chakki atta" is Chakki Atta before Gyan Chakki Atta).
const FULL_NAME: f32 = 0.02;
/// Words explained by different texts of one product ("soyabean" by one alias, "tel" by
/// another) count this much of what one text explaining them all would.
const UNION_CREDIT: f32 = 0.95;
/// How many first-pass candidates get the closer look.
const DETAILED: usize = 40;
/// ... and how far below the first they may be.
const DETAIL_WINDOW: f32 = 0.4;

/// How a phrase's size fits a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SizeFit {
    NotAsked,
    Match,
    Mismatch,
    Unknown,
}

/// A scored candidate.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub product: u32,
    pub product_id: u64,
    pub score: f32,
    /// Share of the phrase explained by this product within the typo budget (0..1).
    pub query_cov: f32,
    /// The score without look-alike credit: what the typo budget alone supports.
    pub sure: f32,
    /// Share of the phrase explained by any of the product's texts together ("soyabean" from
    /// one alias, "tel" from another).
    pub explained_any: f32,
    pub reason: Reason,
}

/// How one text of a product fits the phrase.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fit {
    /// Share of phrase weight explained within the typo budget.
    pub explained: f32,
    /// Share of phrase weight credited for ranking (explained + look-alike credit).
    pub query_rank: f32,
    /// Share of product weight the phrase names (with look-alike credit when detailed).
    pub product_rank: f32,
    /// The part of the words score that is look-alike credit.
    pub look_alike: f32,
    pub order: f32,
    pub fuzzy: bool,
    pub kind: Option<VariantKind>,
}

impl Fit {
    fn words_score(&self) -> f32 {
        QUERY_SHARE * self.query_rank
            + (1.0 - QUERY_SHARE) * self.product_rank
            + ORDER_WEIGHT * self.order
    }
}

/// Scores `candidates` (product indices) and returns them best first.
pub(crate) fn rank(
    snap: &Snapshot,
    q: &Query,
    candidates: &[u32],
    ctx: &MatchContext<'_>,
) -> Vec<Scored> {
    let align = Alignment::new(q);
    let mut first: Vec<(f32, u32, Fit)> = candidates
        .iter()
        .filter_map(|&p| {
            let product = snap.product(p)?;
            let fit = best_fit(q, &align, product, None);
            Some((total(q, p, product, &fit, ctx).0, p, fit))
        })
        .collect();
    first.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let floor = first.first().map_or(0.0, |f| f.0 - DETAIL_WINDOW);
    let mut detail = Detail::new(snap);
    let mut scored: Vec<Scored> = first
        .into_iter()
        .enumerate()
        .filter_map(|(n, (s, p, fit))| {
            let product = snap.product(p)?;
            let detailed = n < DETAILED && s >= floor;
            let fit = if detailed {
                best_fit(q, &align, product, Some(&mut detail))
            } else {
                fit
            };
            // Several texts can only explain more than one text does for two or more words.
            let union = (detailed && q.toks.len() > 1).then_some(&align);
            Some(scored(q, union, p, product, &fit, ctx))
        })
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.product_id.cmp(&b.product_id))
    });
    scored
}

fn scored(
    q: &Query,
    union_of: Option<&Alignment>,
    p: u32,
    product: &ProductRec,
    fit: &Fit,
    ctx: &MatchContext<'_>,
) -> Scored {
    let (score, code, lift) = total(q, p, product, fit, ctx);
    let union = union_of.map_or(fit.explained, |align| explained_by_any(q, align, product));
    let gain = QUERY_SHARE * (UNION_CREDIT * union - fit.query_rank).max(0.0);
    let full = if is_full_name(q, p, product) {
        FULL_NAME
    } else {
        0.0
    };
    let score = score + gain + full;
    Scored {
        product: p,
        product_id: product.text.item.product_id,
        score,
        query_cov: fit.explained.max(UNION_CREDIT * union),
        sure: score - fit.look_alike,
        explained_any: fit.explained.max(union),
        reason: reason(q, p, code, fit, lift),
    }
}

/// The phrase is the product's whole name with its brand.
fn is_full_name(q: &Query, p: u32, product: &ProductRec) -> bool {
    q.names.contains(&p)
        && product
            .text
            .variants
            .iter()
            .any(|v| v.kind == VariantKind::Name && v.keys.first() == Some(&q.joined))
}

/// The share of the phrase that some text of the product explains, word by word.
fn explained_by_any(q: &Query, align: &Alignment, product: &ProductRec) -> f32 {
    let mut best = vec![0.0f32; q.toks.len()];
    for v in &product.variants {
        for (i, _, c) in pair_words(q, align, v) {
            if let Some(b) = best.get_mut(i) {
                *b = b.max(c);
            }
        }
    }
    let total: f32 = q
        .toks
        .iter()
        .map(|t| t.weight)
        .sum::<f32>()
        .max(f32::EPSILON);
    best.iter()
        .enumerate()
        .map(|(i, c)| weight_q(q, i) * c)
        .sum::<f32>()
        / total
}

/// The full score: words, size, code, history. Also returns the parts the reason needs.
fn total(
    q: &Query,
    p: u32,
    product: &ProductRec,
    fit: &Fit,
    ctx: &MatchContext<'_>,
) -> (f32, Option<u8>, f32) {
    let size = size_fit(&q.sizes, &product.text.sizes);
    let code = q.codes.iter().find(|c| c.0 == p).map(|c| c.1);
    let lift = history_lift(ctx, product.text.item.product_id, fit.explained);
    let score = fit.words_score()
        + match size {
            SizeFit::NotAsked => 0.0,
            SizeFit::Match => SIZE_MATCH,
            SizeFit::Mismatch => SIZE_MISMATCH,
            SizeFit::Unknown => SIZE_UNKNOWN,
        }
        + match code {
            Some(0) => CODE_EXACT,
            Some(_) => CODE_FUZZY,
            None => 0.0,
        }
        + lift;
    (score, code, lift)
}

/// The best-fitting text of a product. With a snapshot, the closer look is taken too.
fn best_fit(
    q: &Query,
    align: &Alignment,
    product: &ProductRec,
    mut detail: Option<&mut Detail<'_>>,
) -> Fit {
    if let Some(fit) = exact_key_fit(q, product) {
        return fit;
    }
    let mut best: Option<Fit> = None;
    for v in &product.variants {
        let fit = fit_variant(q, align, v, detail.as_deref_mut());
        if best
            .as_ref()
            .is_none_or(|b| fit.words_score() > b.words_score())
        {
            best = Some(fit);
        }
    }
    best.unwrap_or_default()
}

/// A phrase that is exactly a name or an alias of the product (brand optional) names it
/// completely, whatever brand words it leaves out: products sharing that name or alias tie,
/// and only a size or the retailer's history may part them.
fn exact_key_fit(q: &Query, product: &ProductRec) -> Option<Fit> {
    let index = product.index;
    let kind = if q.names.contains(&index) {
        VariantKind::Name
    } else if q.aliases.contains(&index) {
        VariantKind::Alias
    } else {
        return None;
    };
    Some(Fit {
        explained: 1.0,
        query_rank: 1.0,
        product_rank: 1.0,
        look_alike: 0.0,
        order: 1.0,
        fuzzy: false,
        kind: Some(kind),
    })
}

fn fit_variant(
    q: &Query,
    align: &Alignment,
    v: &VariantRec,
    detail: Option<&mut Detail<'_>>,
) -> Fit {
    let pairs = pair_words(q, align, v);
    let total_q: f32 = q
        .toks
        .iter()
        .map(|t| t.weight)
        .sum::<f32>()
        .max(f32::EPSILON);
    let total_p = v.weight_sum.max(f32::EPSILON);
    let explained_w: f32 = pairs.iter().map(|&(i, _, c)| weight_q(q, i) * c).sum();
    let named_w: f32 = pairs.iter().map(|&(_, j, c)| weight_p(v, j) * c).sum();
    let (mut query_w, mut product_w) = (explained_w, named_w);
    let mut order = 0.0;
    if let Some(detail) = detail {
        for (i, j, credit) in residual_pairs(detail, q, v, &pairs) {
            query_w += weight_q(q, i) * credit;
            product_w += weight_p(v, j) * credit;
        }
        order = order_agreement(q.toks.len(), &pairs);
    }
    Fit {
        explained: explained_w / total_q,
        query_rank: query_w / total_q,
        product_rank: product_w / total_p,
        look_alike: QUERY_SHARE * (query_w - explained_w) / total_q
            + (1.0 - QUERY_SHARE) * (product_w - named_w) / total_p,
        order,
        fuzzy: pairs.iter().any(|p| p.2 < VARIANT_SPELLING),
        kind: Some(v.kind),
    }
}

fn weight_q(q: &Query, i: usize) -> f32 {
    q.toks.get(i).map_or(0.0, |t| t.weight)
}

fn weight_p(v: &VariantRec, j: usize) -> f32 {
    v.toks.get(j).map_or(0.0, |t| t.weight)
}

/// Whether the phrase's sizes fit the product's.
fn size_fit(asked: &[Size], has: &[Size]) -> SizeFit {
    if asked.is_empty() {
        return SizeFit::NotAsked;
    }
    if asked.iter().any(|a| has.contains(a)) {
        return SizeFit::Match;
    }
    if asked.iter().any(|a| has.iter().any(|h| h.dim == a.dim)) {
        return SizeFit::Mismatch;
    }
    SizeFit::Unknown
}

/// The lift from this retailer's past orders: more orders, more lift, up to [`HISTORY_LIFT`].
fn history_lift(ctx: &MatchContext<'_>, id: u64, explained: f32) -> f32 {
    let Some(count) = ctx.history.and_then(|h| h.get(&id)).copied() else {
        return 0.0;
    };
    if count == 0 || explained < HISTORY_MIN_COVERAGE {
        return 0.0;
    }
    let strength = (1.0 + count as f32).log2() / 4.0;
    HISTORY_LIFT * (0.5 + 0.5 * strength.min(1.0))
}

fn reason(q: &Query, index: u32, code: Option<u8>, fit: &Fit, lift: f32) -> Reason {
    match code {
        Some(0) => return Reason::ExactCode,
        Some(_) => return Reason::FuzzyCode,
        None => {}
    }
    if lift > 0.0 {
        return Reason::History;
    }
    if q.names.contains(&index) {
        return Reason::ExactName;
    }
    if q.aliases.contains(&index) {
        return Reason::Alias;
    }
    let all_words = fit.explained >= 0.999;
    let alias = fit.kind == Some(VariantKind::Alias);
    match (alias, all_words, fit.fuzzy) {
        (false, true, true) => Reason::FuzzyName,
        (true, true, true) => Reason::FuzzyAlias,
        (false, true, false) if fit.product_rank >= 0.999 => Reason::ExactName,
        (true, true, false) if fit.product_rank >= 0.999 => Reason::Alias,
        _ => Reason::Words,
    }
}

#[cfg(test)]
#[path = "rank_tests.rs"]
mod tests;
