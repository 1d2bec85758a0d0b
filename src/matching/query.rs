//! Turns a phrase into a query against one snapshot: its words with their exact and fuzzy
//! vocabulary neighbours, its sizes, and any exact-key hits (code, whole name, alias).
//!
//! This is where the typo budget is applied: words shorter than 5 characters and all numbers
//! are looked up exactly; longer words get one or two Damerau-Levenshtein edits.

use super::index::WordClause;
use super::keys::{KeyMap, KeySet, LevBuilders, spelling_hash, typo_budget};
use super::normalize::{Kind, Token, analyze};
use super::other_words::is_other_good;
use super::product::VariantKind;
use super::size::Size;
use super::snapshot::Snapshot;
use super::spelling::{PARTICLE_WEIGHT, fold, is_particle};
use rust_decimal::Decimal;

/// Words weighing less than this (IDF; in more than 1/20 of the catalog) are not retrieved on...
const RETRIEVE_MIN_WEIGHT: f32 = 3.04;
/// ... unless the phrase has fewer heavier words than this.
const RETRIEVE_MIN_WORDS: usize = 2;
/// At most this many terms per phrase word go to tantivy (nearest first).
const RETRIEVE_TERMS: usize = 5;

/// A vocabulary term a phrase word may stand for, and at what distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Expansion {
    pub term: u32,
    pub distance: u8,
}

/// A phrase word, resolved.
#[derive(Debug, Clone)]
pub(crate) struct QTok {
    /// Hash of the spelling, compared with product words' spellings.
    pub spelling: u64,
    /// The folded key; typo distances are measured on keys.
    pub key: String,
    /// Numbers are never fuzzed, not even for ranking.
    pub number: bool,
    /// How much this word says about which product is meant (IDF of its best term).
    pub weight: f32,
    /// Nearest first; empty when the word is in no product.
    pub expansions: Vec<Expansion>,
}

/// A phrase, resolved against a snapshot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pub toks: Vec<QTok>,
    pub sizes: Vec<Size>,
    /// Products whose code the phrase is, with the edit distance (0 = exact).
    pub codes: Vec<(u32, u8)>,
    /// Products whose whole name (brand optional) the phrase is.
    pub names: Vec<u32>,
    /// Products one of whose aliases the phrase is.
    pub aliases: Vec<u32>,
    /// Every word names goods the catalog does not sell ("aalu", "masu"): nothing matches.
    pub only_other_goods: bool,
    /// The phrase's word keys joined by spaces: its exact-name key.
    pub joined: String,
}

/// Resolves `phrase` (plus a size the parser saw next to it) against `snap`.
pub(crate) fn prepare(
    snap: &Snapshot,
    lev: &LevBuilders,
    phrase: &str,
    size_hint: Option<&(Decimal, String)>,
) -> Query {
    let analyzed = analyze(phrase);
    let mut sizes = analyzed.sizes;
    if let Some(size) = size_hint.and_then(|(n, u)| Size::new(*n, &u.to_lowercase())) {
        sizes.push(size);
    }
    let words = rejoin(snap, &analyzed.tokens);
    let mut toks: Vec<QTok> = Vec::with_capacity(words.len());
    let mut resolved: Vec<Token> = Vec::with_capacity(words.len());
    for t in words {
        let tok = resolve(snap, lev, &t);
        if tok.expansions.is_empty()
            && !other_good(snap, &t)
            && let Some((a, b)) = split(snap, &t)
        {
            toks.extend([resolve(snap, lev, &a), resolve(snap, lev, &b)]);
            resolved.extend([a, b]);
            continue;
        }
        toks.push(tok);
        resolved.push(t);
    }
    let words = resolved;
    let joined: Vec<&str> = words.iter().map(|t| t.key.as_str()).collect();
    let joined = joined.join(" ");
    let names = carrying(snap, &snap.names, VariantKind::Name, &joined);
    let aliases = carrying(snap, &snap.aliases, VariantKind::Alias, &joined);
    // "aalu", "masu": every word names other goods and no product is called exactly that.
    let only_other_goods = !words.is_empty()
        && names.is_empty()
        && aliases.is_empty()
        && words
            .iter()
            .all(|t| t.kind == Kind::Word && is_other_good(&t.key));
    Query {
        codes: code_hits(snap, lev, phrase, &analyzed.code_keys),
        names,
        aliases,
        toks,
        sizes,
        only_other_goods,
        joined,
    }
}

/// Products with a name (or alias) exactly `key`, checked against their own keys.
fn carrying(snap: &Snapshot, map: &KeyMap, kind: VariantKind, key: &str) -> Vec<u32> {
    map.get(key)
        .iter()
        .copied()
        .filter(|&p| {
            snap.product(p).is_some_and(|r| {
                r.text
                    .variants
                    .iter()
                    .any(|v| v.kind == kind && v.keys.iter().any(|k| k == key))
            })
        })
        .collect()
}

/// A word for other goods that the catalog does not use ("bhuja", "kera"): read exactly.
pub(crate) fn other_good(snap: &Snapshot, t: &Token) -> bool {
    t.kind == Kind::Word && is_other_good(&t.key) && snap.vocab.get(&t.key).is_none()
}

/// A phrase word with its vocabulary neighbours and weight.
fn resolve(snap: &Snapshot, lev: &LevBuilders, t: &Token) -> QTok {
    let budget = match t.kind {
        Kind::Number => 0,
        Kind::Word if other_good(snap, t) => 0,
        Kind::Word => typo_budget(t.len_chars()),
    };
    let expansions: Vec<Expansion> = neighbours(snap, lev, t, budget)
        .into_iter()
        .map(|(term, distance)| Expansion { term, distance })
        .collect();
    let mut weight = expansions
        .first()
        .map_or(snap.unknown_weight, |e| snap.idf_of(e.term));
    if is_particle(&t.key) {
        weight = weight.min(PARTICLE_WEIGHT);
    }
    QTok {
        spelling: spelling_hash(&t.surface),
        key: t.key.clone(),
        number: t.kind == Kind::Number,
        weight,
        expansions,
    }
}

/// Joins two words whose concatenation is a catalog word while one of them is not
/// ("ching s" → "chings"; "hand wash" stays as it is).
fn rejoin(snap: &Snapshot, tokens: &[Token]) -> Vec<Token> {
    let known = |t: &Token| snap.vocab.get(&t.key).is_some();
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        if let Some(next) = tokens.get(i + 1) {
            let both_words = t.kind == Kind::Word && next.kind == Kind::Word;
            if both_words && (!known(t) || !known(next) || next.surface.len() == 1) {
                let merged = word(format!("{}{}", t.surface, next.surface));
                if known(&merged) {
                    out.push(merged);
                    i += 2;
                    continue;
                }
            }
        }
        out.push(t.clone());
        i += 1;
    }
    out
}

/// A word with no neighbour in the vocabulary that is two known words run together
/// ("handwash" → "hand wash"), split where the shorter part is longest.
fn split(snap: &Snapshot, t: &Token) -> Option<(Token, Token)> {
    let chars: Vec<char> = t.surface.chars().collect();
    if t.kind != Kind::Word || chars.len() < 6 || snap.vocab.get(&t.key).is_some() {
        return None;
    }
    (3..=chars.len() - 3)
        .map(|k| {
            (
                word(chars[..k].iter().collect()),
                word(chars[k..].iter().collect()),
            )
        })
        .filter(|(a, b)| snap.vocab.get(&a.key).is_some() && snap.vocab.get(&b.key).is_some())
        .max_by_key(|(a, b)| a.surface.len().min(b.surface.len()))
}

fn word(surface: String) -> Token {
    Token {
        key: fold(&surface),
        surface,
        kind: Kind::Word,
    }
}

/// Vocabulary terms within the budget of a word: by folded key, one edit anywhere, and when
/// that finds nothing and the budget allows, two edits among keys with the same first
/// letter. A word the catalog never spells this way is also looked up by its spelling, since
/// folding can move a typo away from its word ("chease" is one edit from "cheese" but two
/// from its folded key; "banna" folds onto "bana", not "banana").
fn neighbours(snap: &Snapshot, lev: &LevBuilders, tok: &Token, budget: u8) -> Vec<(u32, u8)> {
    let spelled_so = snap.surfaces.get(&tok.surface);
    if let Some(term) = spelled_so.filter(|&t| snap.idf_of(t) <= snap.common_weight) {
        // A common catalog word spelled as the catalog spells it is meant as written; its
        // neighbours (plurals aside) would only add noise, and the walk is the costly part.
        return vec![(term, 0)];
    }
    let mut near = within(&snap.vocab, lev, &tok.key, budget);
    if budget == 0 || spelled_so.is_some() {
        return near;
    }
    near.extend(within(&snap.surfaces, lev, &tok.surface, budget));
    near.sort_unstable_by_key(|&(term, d)| (term, d));
    near.dedup_by_key(|h| h.0);
    near.sort_unstable_by_key(|&(term, d)| (d, term));
    near
}

fn within(set: &KeySet, lev: &LevBuilders, key: &str, budget: u8) -> Vec<(u32, u8)> {
    let near = set.near(key, budget.min(1), lev);
    if budget < 2 || !near.is_empty() {
        return near;
    }
    set.near_same_start(key, 2, lev)
}

/// Exact code hits for any form of the phrase; failing those, codes one slip away from the
/// whole phrase whose digits are all the same (a code's numbers are never fuzzed).
fn code_hits(snap: &Snapshot, lev: &LevBuilders, phrase: &str, keys: &[String]) -> Vec<(u32, u8)> {
    let mut hits: Vec<(u32, u8)> = keys
        .iter()
        .flat_map(|k| snap.codes.get(k).iter().map(|&p| (p, 0)))
        .collect();
    if hits.is_empty() && looks_like_code(phrase) {
        hits = fuzzy_code_hits(snap, lev, keys);
    }
    hits.sort_unstable();
    hits.dedup_by_key(|h| h.0);
    hits
}

/// Codes one slip away from the longest form of the phrase, with exactly its digits.
fn fuzzy_code_hits(snap: &Snapshot, lev: &LevBuilders, keys: &[String]) -> Vec<(u32, u8)> {
    let Some(whole) = keys.iter().max_by_key(|k| k.len()) else {
        return Vec::new();
    };
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let want = digits(whole);
    snap.codes
        .near(whole, typo_budget(whole.len()).min(1), lev)
        .into_iter()
        .filter(|&(p, d)| {
            d > 0
                && snap
                    .product(p)
                    .is_some_and(|r| digits(&r.text.code) == want)
        })
        .collect()
}

/// One chunk of letters and digits, short, with a digit: worth a fuzzy code lookup.
fn looks_like_code(phrase: &str) -> bool {
    let phrase = phrase.trim();
    phrase.len() <= 24
        && !phrase.contains(char::is_whitespace)
        && phrase.chars().any(|c| c.is_ascii_digit())
}

impl Query {
    /// The tantivy clauses: per informative word, its terms boosted by closeness, and the
    /// sizes asked for. Words in a large share of the catalog ("masala", "oil") are left to
    /// the ranking unless the phrase has too few other words: they find thousands of
    /// products and decide nothing. A size brings the products of that size forward, so
    /// "amul poch 500 ml" still retrieves the 500 ml pouch among two hundred Amul products.
    pub(crate) fn clauses(&self, snap: &Snapshot) -> Vec<WordClause> {
        let mut by_weight: Vec<f32> = self.toks.iter().map(|t| t.weight).collect();
        by_weight.sort_by(|a, b| b.total_cmp(a));
        let floor = by_weight
            .get(RETRIEVE_MIN_WORDS - 1)
            .map_or(0.0, |w| w.min(RETRIEVE_MIN_WEIGHT));
        self.toks
            .iter()
            .filter(|t| t.weight >= floor)
            .map(|t| {
                t.expansions
                    .iter()
                    .take(RETRIEVE_TERMS)
                    .map(|e| (snap.term(e.term).to_string(), closeness(e.distance)))
                    .collect()
            })
            .chain(self.sizes.iter().map(|s| vec![(s.term(), 1.0)]))
            .collect()
    }

    /// True when the phrase has nothing to match on.
    pub(crate) fn is_empty(&self) -> bool {
        (self.toks.is_empty() || self.only_other_goods) && self.codes.is_empty()
    }
}

/// How much a term at `distance` edits counts, relative to an exact term.
pub(crate) fn closeness(distance: u8) -> f32 {
    match distance {
        0 => 1.0,
        1 => 0.8,
        _ => 0.65,
    }
}
