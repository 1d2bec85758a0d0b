//! The matcher's public vocabulary: what goes in (catalog items, a phrase and its context) and
//! what comes out (a decision with ranked, explained candidates), plus its one error type.
//!
//! The JSON shape of [`MatchDecision`] is part of the contract with the web and WhatsApp layers:
//! `{"decision": "matched" | "ambiguous" | "not_found", "candidates": [...]}`, best first.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A catalog product as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub product_id: u64,
    /// Product code such as `RICE-1KG`.
    pub sku: String,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub pack_size: Option<Decimal>,
    /// One of "g", "kg", "ml", "l", "pcs".
    pub unit: Option<String>,
    /// Other names, in any script ("chamal", "चामल").
    pub aliases: Vec<String>,
    /// Inactive products never match.
    pub active: bool,
}

/// What the caller knows besides the phrase.
#[derive(Debug, Clone, Default)]
pub struct MatchContext<'a> {
    /// product_id → how many times this retailer ordered it.
    pub history: Option<&'a HashMap<u64, u32>>,
    /// A size the message parser read next to the phrase, e.g. (25, "kg").
    pub size_hint: Option<(Decimal, String)>,
}

/// The answer to one phrase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchDecision {
    pub decision: Decision,
    /// Best first. One or more for `matched` (the match first), the options to offer for
    /// `ambiguous`, the nearest suggestions (possibly none) for `not_found`.
    pub candidates: Vec<Candidate>,
}

/// A ranked candidate with the figures a decision reads, for callers that decide among groups
/// of products (one product in several packs) with [`crate::matching::decide_grouped`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub candidate: Candidate,
    /// The full score (may exceed 1 with a size or code bonus).
    pub score: f32,
    /// Share of the phrase explained within the typo budget (0..1).
    pub explained: f32,
    /// The score without look-alike credit.
    pub sure: f32,
    /// Share of the phrase explained by the product's texts together.
    pub explained_any: f32,
}

/// The decision over groups of candidates: which group the phrase names, or which groups it
/// may name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupedDecision {
    pub decision: Decision,
    /// The phrase is a product code: the first group holds exactly that product.
    pub exact_code: bool,
    /// Indices into the ranked list, one list per group, best group first: the named group
    /// for `matched`, the groups to ask about for `ambiguous`, suggestions for `not_found`.
    pub groups: Vec<Vec<usize>>,
}

/// Whether the phrase named one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Confident, and clearly ahead of the next candidate.
    Matched,
    /// Several candidates fit: ask "did you mean 1) 2) 3)".
    Ambiguous,
    /// Nothing fits well enough; the candidates are only suggestions.
    NotFound,
}

/// One product the phrase may mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub product_id: u64,
    pub sku: String,
    pub name: String,
    /// 0..1: how completely the phrase and the product explain each other.
    pub confidence: f32,
    pub reason: Reason,
}

/// Why a candidate was proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The phrase is the product code.
    ExactCode,
    /// The phrase is the product's name (brand optional), up to spelling variants.
    ExactName,
    /// The phrase is one of the product's aliases.
    Alias,
    /// The phrase is the product code with a slip.
    FuzzyCode,
    /// Every word of the phrase is in the name, some with typos.
    FuzzyName,
    /// Every word of the phrase is in an alias, some with typos.
    FuzzyAlias,
    /// Some words of the phrase are in the name or an alias.
    Words,
    /// The retailer's past orders lifted it above the others.
    History,
}

/// Why the matcher could not be built or updated.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("key map: {0}")]
    Keys(#[from] fst::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Invalid(String),
}
