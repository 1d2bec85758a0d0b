//! An immutable, consistent view of the active catalog that a match reads from.
//!
//! It holds the vocabulary fst with term weights (IDF), the exact-key maps, per-product token
//! lists with term ids, and the tantivy searcher of the same commit. A catalog change builds a
//! new snapshot and swaps it in whole, so a match never sees half an update.

use super::index::Fields;
use super::keys::{KeyMap, KeySet, WordMap, spelling_hash};
use super::normalize::{Kind, Token};
use super::product::{ItemText, VariantKind, VariantText, joined_key};
use super::spelling::{PARTICLE_WEIGHT, is_particle};
use super::types::MatchError;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tantivy::Searcher;

/// A brand word counts this much of its weight towards how completely a phrase names a
/// product: shopkeepers often leave the brand out ("tea" for "Tokla Tea").
const BRAND_SHARE: f32 = 0.5;
/// A word in this many products or more is common.
const COMMON_DF: f32 = 30.0;
/// Brands are at most this many words long.
const MAX_BRAND_WORDS: usize = 3;

/// A word of a product text, resolved against the vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct PTok {
    pub term: u32,
    /// Hash of its spelling, to tell an exact spelling from a spelling variant.
    pub spelling: u64,
    /// Its weight in product coverage: IDF, less for brand words.
    pub weight: f32,
}

/// One way to call a product (name or alias), resolved.
#[derive(Debug, Clone)]
pub(crate) struct VariantRec {
    pub kind: VariantKind,
    pub toks: Vec<PTok>,
    pub weight_sum: f32,
}

/// A product as the ranking reads it.
#[derive(Debug, Clone)]
pub(crate) struct ProductRec {
    /// Its position in [`Snapshot::products`].
    pub index: u32,
    pub text: Arc<ItemText>,
    pub variants: Vec<VariantRec>,
}

/// The view a match reads from.
pub(crate) struct Snapshot {
    pub products: Vec<ProductRec>,
    pub by_id: HashMap<u64, u32>,
    pub vocab: KeySet,
    /// Surface spellings → vocabulary term: a fallback where folding moved a typo further
    /// from its word ("chease" is one edit from "cheese", two from its folded key).
    pub surfaces: KeySet,
    pub terms: Vec<Box<str>>,
    pub idf: Vec<f32>,
    /// The weight of a phrase word that is in no product.
    pub unknown_weight: f32,
    /// Words weighing no more than this are common (in [`COMMON_DF`] products or more).
    pub common_weight: f32,
    pub codes: KeyMap,
    pub names: KeyMap,
    pub aliases: KeyMap,
    pub searcher: Searcher,
    pub fields: Fields,
    /// The order-message vocabulary with this catalog's names kept whole.
    pub lexicon: Arc<crate::parsing::Lexicon>,
}

impl Snapshot {
    /// Builds from the active items (any order) and the searcher of the matching commit.
    pub(crate) fn build(
        mut items: Vec<Arc<ItemText>>,
        searcher: Searcher,
        fields: Fields,
    ) -> Result<Snapshot, MatchError> {
        items.sort_by_key(|t| t.item.product_id);
        let distinct: WordMap<&str, ()> = tokens(&items).map(|t| (t.key.as_str(), ())).collect();
        let mut sorted: Vec<&str> = distinct.into_keys().collect();
        sorted.sort_unstable();
        // Term ids are ranks in the fst; the hash map answers the many build-time lookups.
        let ids: WordMap<&str, u32> = sorted.iter().copied().zip(0u32..).collect();
        let vocab = KeySet::build(sorted.iter().copied())?;
        let terms: Vec<Box<str>> = sorted.iter().map(|&k| Box::from(k)).collect();
        let surfaces = surface_set(&items, &ids)?;
        let idf = idf(&items, &ids);
        let unknown_weight = idf.iter().copied().fold(0.0, f32::max) * 0.5;
        let brands = known_brands(&items);
        let products: Vec<ProductRec> = items
            .iter()
            .zip(0u32..)
            .map(|(t, i)| resolve(t, i, &ids, &idf, &brands))
            .collect();
        let by_id = items
            .iter()
            .zip(0u32..)
            .map(|(t, i)| (t.item.product_id, i))
            .collect();
        let (codes, names, aliases) = exact_maps(&items)?;
        let lexicon = Arc::new(catalog_lexicon(&items));
        Ok(Snapshot {
            products,
            by_id,
            vocab,
            surfaces,
            terms,
            idf,
            unknown_weight,
            common_weight: (1.0 + items.len() as f32 / COMMON_DF).ln(),
            codes,
            names,
            aliases,
            searcher,
            fields,
            lexicon,
        })
    }

    pub(crate) fn product(&self, index: u32) -> Option<&ProductRec> {
        self.products.get(index as usize)
    }

    pub(crate) fn idf_of(&self, term: u32) -> f32 {
        self.idf.get(term as usize).copied().unwrap_or(0.0)
    }

    pub(crate) fn term(&self, term: u32) -> &str {
        self.terms.get(term as usize).map_or("", |s| s)
    }
}

/// The parser's lexicon, with every name, brand + name, brand and alias kept whole.
fn catalog_lexicon(items: &[Arc<ItemText>]) -> crate::parsing::Lexicon {
    let mut lexicon = crate::parsing::Lexicon::default();
    let mut texts: Vec<String> = Vec::new();
    for t in items {
        let item = &t.item;
        texts.push(item.name.clone());
        if let Some(brand) = &item.brand {
            texts.push(brand.clone());
            texts.push(format!("{brand} {}", item.name));
        }
        texts.extend(item.aliases.iter().cloned());
    }
    lexicon.protect_phrases(texts.iter().map(String::as_str));
    for t in items {
        lexicon.protect_leading_word(&t.item.name, &t.item.aliases);
    }
    lexicon
}

fn tokens(items: &[Arc<ItemText>]) -> impl Iterator<Item = &Token> {
    items
        .iter()
        .flat_map(|t| t.variants.iter().flat_map(|v| v.tokens.iter()))
}

fn surface_set(items: &[Arc<ItemText>], ids: &WordMap<&str, u32>) -> Result<KeySet, MatchError> {
    let mut seen: WordMap<&str, ()> = WordMap::default();
    let pairs = tokens(items)
        .filter(|t| t.kind == Kind::Word && seen.insert(t.surface.as_str(), ()).is_none())
        .filter_map(|t| Some((t.surface.clone(), *ids.get(t.key.as_str())?)))
        .collect();
    Ok(KeySet::with_ids(pairs)?)
}

/// Brand names as the catalog spells them in its brand fields (joined keys).
fn known_brands(items: &[Arc<ItemText>]) -> HashSet<String> {
    items
        .iter()
        .filter_map(|t| {
            let name = t.variants.first()?;
            let brand = name.tokens.get(..name.brand_len)?;
            (!brand.is_empty()).then(|| joined_key(brand))
        })
        .collect()
}

/// How many leading words of a text are a brand: the item's own brand, or, for an item
/// listed without one ("Everest Dry Mango Powder"), a brand other items declare. Without this
/// the same product scores differently depending on how it was listed.
fn brand_len(v: &VariantText, brands: &HashSet<String>) -> usize {
    if v.brand_len > 0 {
        return v.brand_len;
    }
    (1..=v.tokens.len().min(MAX_BRAND_WORDS))
        .rev()
        .find(|&n| {
            n < v.tokens.len()
                && v.tokens
                    .get(..n)
                    .is_some_and(|b| brands.contains(&joined_key(b)))
        })
        .unwrap_or(0)
}

/// ln(1 + N / df): a word in few products says much about which product is meant.
fn idf(items: &[Arc<ItemText>], ids: &WordMap<&str, u32>) -> Vec<f32> {
    let mut df = vec![0u32; ids.len()];
    let mut seen: Vec<u32> = Vec::new();
    for item in items {
        seen.clear();
        for tok in item.variants.iter().flat_map(|v| v.tokens.iter()) {
            if let Some(&id) = ids.get(tok.key.as_str()) {
                seen.push(id);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for &id in &seen {
            if let Some(n) = df.get_mut(id as usize) {
                *n += 1;
            }
        }
    }
    let n = items.len().max(1) as f32;
    df.into_iter()
        .map(|d| (1.0 + n / d.max(1) as f32).ln())
        .collect()
}

fn resolve(
    text: &Arc<ItemText>,
    index: u32,
    ids: &WordMap<&str, u32>,
    idf: &[f32],
    brands: &HashSet<String>,
) -> ProductRec {
    let variants = text
        .variants
        .iter()
        .map(|v| {
            let brand_len = brand_len(v, brands);
            let toks: Vec<PTok> = v
                .tokens
                .iter()
                .enumerate()
                .filter_map(|(i, t)| {
                    let term = *ids.get(t.key.as_str())?;
                    let mut weight = idf.get(term as usize).copied().unwrap_or(0.0);
                    if i < brand_len {
                        weight *= BRAND_SHARE;
                    }
                    if t.kind == Kind::Number {
                        weight *= 0.8;
                    }
                    if is_particle(&t.key) {
                        weight = weight.min(PARTICLE_WEIGHT);
                    }
                    Some(PTok {
                        term,
                        spelling: spelling_hash(&t.surface),
                        weight,
                    })
                })
                .collect();
            let weight_sum = toks.iter().map(|t| t.weight).sum();
            VariantRec {
                kind: v.kind,
                toks,
                weight_sum,
            }
        })
        .collect();
    ProductRec {
        index,
        text: Arc::clone(text),
        variants,
    }
}

/// Codes, whole names (with and without the brand) and whole aliases → products.
fn exact_maps(items: &[Arc<ItemText>]) -> Result<(KeyMap, KeyMap, KeyMap), MatchError> {
    let mut codes = Vec::new();
    let mut names = Vec::new();
    let mut aliases = Vec::new();
    for (t, i) in items.iter().zip(0u32..) {
        codes.push((t.code.clone(), i));
        for v in &t.variants {
            let keys = match v.kind {
                VariantKind::Name => &mut names,
                VariantKind::Alias => &mut aliases,
            };
            keys.extend(v.keys.iter().map(|k| (k.clone(), i)));
        }
    }
    Ok((
        KeyMap::build(codes)?,
        KeyMap::build_fingerprinted(names)?,
        KeyMap::build_fingerprinted(aliases)?,
    ))
}
