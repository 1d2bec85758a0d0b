//! Typo-tolerant product matching: a shopkeeper's phrase → the catalog product, or a question.
//!
//! - `normalize`, `spelling`, `devanagari`, `size`: one normalization for catalog and phrase (NFC, case,
//!   Devanagari, romanized-Nepali spelling variants, sizes that are never fuzzed).
//! - `product`, `snapshot`: the catalog as the matcher reads it, swapped whole on every change.
//! - `keys` (fst: exact keys, Damerau-Levenshtein neighbours), `index` (tantivy: BM25 retrieval).
//! - `query`, `align`, `rank`, `decision`: resolve, pair, score, and decide matched /
//!   ambiguous / not_found.
//! - `engine`: [`MatchEngine`], the shared entry point; `eval`: the `match-eval` measurement.
//!
//! It must never panic on any input and never read measurement data at run time.

// Product code must not panic on any input; tests may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod align;
mod catalog_csv;
mod decision;
mod devanagari;
mod engine;
pub mod eval;
mod index;
mod keys;
mod normalize;
mod other_words;
mod product;
mod query;
mod rank;
mod rank_detail;
mod size;
mod snapshot;
mod spelling;
mod types;

pub use catalog_csv::{parse_catalog, read_catalog_csv};
pub use decision::decide_grouped;
pub use engine::MatchEngine;
pub use types::{
    Candidate, CatalogItem, Decision, GroupedDecision, MatchContext, MatchDecision, MatchError,
    Ranked, Reason,
};
