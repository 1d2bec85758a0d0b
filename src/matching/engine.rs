//! The matcher the server shares: a current snapshot behind a lock that is only held to clone
//! an `Arc`, and a writer side (tantivy writer + analyzed items) behind a mutex.
//!
//! Matching never waits for an update: an update builds the next snapshot beside the current
//! one and swaps it in before returning, so the next match sees it. Updates are serialized.

use super::decision::decide;
use super::index::{SearchIndex, retrieve};
use super::keys::LevBuilders;
use super::product::ItemText;
use super::query::{Query, prepare};
use super::rank::rank;
use super::snapshot::Snapshot;
use super::types::{CatalogItem, Decision, MatchContext, MatchDecision, MatchError, Ranked};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// How many products tantivy hands to the ranking.
const RETRIEVE: usize = 100;

/// Typo-tolerant product matching over the catalog. `Send + Sync`; share it behind an `Arc`.
pub struct MatchEngine {
    current: RwLock<Arc<Snapshot>>,
    writer: Mutex<Catalog>,
    lev: LevBuilders,
}

/// The writer side: the index and every item (inactive ones too, so a reactivation works).
struct Catalog {
    index: SearchIndex,
    items: BTreeMap<u64, Arc<ItemText>>,
}

impl Catalog {
    fn snapshot(&self) -> Result<Snapshot, MatchError> {
        let active = self
            .items
            .values()
            .filter(|t| t.item.active)
            .cloned()
            .collect();
        Snapshot::build(active, self.index.searcher(), self.index.fields())
    }

    fn reindex(&mut self, version: u64) -> Result<(), MatchError> {
        let docs = self
            .items
            .values()
            .filter(|t| t.item.active)
            .map(|t| (t.item.product_id, t.index_text()));
        self.index.replace_all(docs, version)
    }
}

impl MatchEngine {
    /// Builds the matcher. `index_dir: Some(dir)` is the server's one on-disk index, reused
    /// when it holds `catalog_version` (and the same number of products), else rebuilt;
    /// `None` keeps the index in RAM (match-eval, tests).
    pub fn open(
        index_dir: Option<&Path>,
        items: Vec<CatalogItem>,
        catalog_version: u64,
    ) -> Result<Self, MatchError> {
        let (index, current) = SearchIndex::open(index_dir, catalog_version)?;
        let mut catalog = Catalog {
            index,
            items: analyze_all(items),
        };
        let active = catalog.items.values().filter(|t| t.item.active).count() as u64;
        if !current || catalog.index.searcher().num_docs() != active {
            catalog.reindex(catalog_version)?;
        }
        let snapshot = catalog.snapshot()?;
        Ok(MatchEngine {
            current: RwLock::new(Arc::new(snapshot)),
            writer: Mutex::new(catalog),
            lev: LevBuilders::new(),
        })
    }

    /// Adds or replaces one product (`active: false` withdraws it). Visible to the next
    /// match when this returns.
    pub fn upsert(&self, item: CatalogItem, catalog_version: u64) -> Result<(), MatchError> {
        let mut catalog = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let text = Arc::new(ItemText::new(item));
        let id = text.item.product_id;
        let doc = text.item.active.then(|| text.index_text());
        catalog.index.upsert(id, doc, catalog_version)?;
        catalog.items.insert(id, text);
        self.publish(catalog.snapshot()?);
        Ok(())
    }

    /// Replaces the whole catalog (`khaacho reindex`).
    pub fn rebuild(&self, items: Vec<CatalogItem>, catalog_version: u64) -> Result<(), MatchError> {
        let mut catalog = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        catalog.items = analyze_all(items);
        catalog.reindex(catalog_version)?;
        self.publish(catalog.snapshot()?);
        Ok(())
    }

    /// The decision for one phrase: matched, ambiguous (with options) or not found.
    pub fn match_phrase(&self, phrase: &str, ctx: &MatchContext<'_>) -> MatchDecision {
        let snap = self.snapshot();
        let query = prepare(&snap, &self.lev, phrase, ctx.size_hint.as_ref());
        if query.is_empty() {
            return MatchDecision {
                decision: Decision::NotFound,
                candidates: Vec::new(),
            };
        }
        let candidates = candidates(&snap, &query, ctx, RETRIEVE);
        decide(&snap, &rank(&snap, &query, &candidates, ctx))
    }

    /// Every candidate worth ranking for a phrase, best first, with the figures the decision
    /// reads; decide over groups of them with [`super::decide_grouped`].
    pub fn rank_phrase(&self, phrase: &str, ctx: &MatchContext<'_>) -> Vec<Ranked> {
        let snap = self.snapshot();
        let query = prepare(&snap, &self.lev, phrase, ctx.size_hint.as_ref());
        if query.is_empty() {
            return Vec::new();
        }
        let candidates = candidates(&snap, &query, ctx, RETRIEVE);
        rank(&snap, &query, &candidates, ctx)
            .into_iter()
            .filter_map(|s| {
                let item = &snap.product(s.product)?.text.item;
                Some(Ranked {
                    candidate: super::types::Candidate {
                        product_id: item.product_id,
                        sku: item.sku.clone(),
                        name: item.name.clone(),
                        confidence: s.score.clamp(0.0, 1.0),
                        reason: s.reason,
                    },
                    score: s.score,
                    explained: s.query_cov,
                    sure: s.sure,
                    explained_any: s.explained_any,
                })
            })
            .collect()
    }

    /// Whether the phrase names goods the catalog does not sell: one of its words is written
    /// exactly as a word for other goods that no catalog text uses ("ice cream", "frooti").
    pub fn names_other_goods(&self, phrase: &str) -> bool {
        let snap = self.snapshot();
        super::normalize::analyze(phrase).tokens.iter().any(|t| {
            super::query::other_good(&snap, t) && super::other_words::is_other_good_word(&t.surface)
        })
    }

    /// The parser's vocabulary with this catalog's names kept whole ("aayo nun", "clinic
    /// plus"), for reading order messages against this catalog.
    pub fn lexicon(&self) -> Arc<crate::parsing::Lexicon> {
        Arc::clone(&self.snapshot().lexicon)
    }

    /// Product ids best first for a catalog search box (inactive products are never listed).
    pub fn search(&self, query: &str, limit: usize) -> Vec<u64> {
        let snap = self.snapshot();
        let q = prepare(&snap, &self.lev, query, None);
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let ctx = MatchContext::default();
        let candidates = candidates(&snap, &q, &ctx, RETRIEVE.max(limit));
        rank(&snap, &q, &candidates, &ctx)
            .into_iter()
            .filter(|s| s.query_cov > 0.0 || s.reason == super::types::Reason::ExactCode)
            .take(limit)
            .map(|s| s.product_id)
            .collect()
    }

    /// The ranked candidates behind a decision, as (sku, score, explained share, score
    /// without look-alike credit), for failure analysis in `match-eval --log`; not part of
    /// the stable API.
    #[doc(hidden)]
    pub fn diagnose(&self, phrase: &str, limit: usize) -> Vec<(String, f32, f32, f32)> {
        let snap = self.snapshot();
        let ctx = MatchContext::default();
        let query = prepare(&snap, &self.lev, phrase, None);
        let candidates = candidates(&snap, &query, &ctx, RETRIEVE);
        rank(&snap, &query, &candidates, &ctx)
            .into_iter()
            .take(limit)
            .filter_map(|s| {
                let item = &snap.product(s.product)?.text.item;
                Some((item.sku.clone(), s.score, s.query_cov, s.sure))
            })
            .collect()
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn publish(&self, snapshot: Snapshot) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
    }
}

fn analyze_all(items: Vec<CatalogItem>) -> BTreeMap<u64, Arc<ItemText>> {
    items
        .into_iter()
        .map(|item| (item.product_id, Arc::new(ItemText::new(item))))
        .collect()
}

/// Products worth ranking: tantivy's best by BM25, exact-key hits, and the products this
/// retailer ordered before (they may rank low on words alone, e.g. "tea").
fn candidates(snap: &Snapshot, q: &Query, ctx: &MatchContext<'_>, limit: usize) -> Vec<u32> {
    let hits = retrieve(&snap.searcher, snap.fields, &q.clauses(snap), limit);
    let mut out: Vec<u32> = hits
        .iter()
        .filter_map(|(id, _)| snap.by_id.get(id).copied())
        .collect();
    out.extend(q.codes.iter().map(|c| c.0));
    out.extend(q.names.iter().chain(&q.aliases).copied());
    if let Some(history) = ctx.history {
        out.extend(history.keys().filter_map(|id| snap.by_id.get(id).copied()));
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<MatchEngine>();
    }
}
