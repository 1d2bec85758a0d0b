//! The words of a phrase: pack words left out for the matcher, and the brands it names.

use crate::catalog::{PackUnit, Product, store as catalog};
use crate::matching::Ranked;
use crate::parsing::{Lexicon, Pack};
use crate::preview::packs::{self};
use crate::storage::{StoreError, Tx};

use super::*;

/// The phrase without pack words ("soyabean tel pouch" → "soyabean tel"), and the first pack
/// word it had. A phrase that is only pack words is kept as written.
pub(super) fn without_pack_words(phrase: &str, lexicon: &Lexicon) -> (String, Option<Pack>) {
    let mut pack = None;
    let kept: Vec<&str> = phrase
        .split_whitespace()
        .filter(|w| match lexicon.pack_of(w) {
            Some(p) if !matches!(p, Pack::Piece) => {
                pack = pack.or(Some(p));
                false
            }
            _ => true,
        })
        .collect();
    if kept.is_empty() {
        return (phrase.to_string(), None);
    }
    (kept.join(" "), pack)
}

/// Other brands of the same goods, named by the words written: "sunflower oil" is the plain
/// one and Fortune's alike ("Fortune Sunflower Oil" less its brand is "sunflower oil"), so when
/// no brand is written the shop is asked. Other varieties are not brands ("basmati" rice is
/// not called just "chamal"), and a family the phrase names by brand has no rivals.
pub(super) fn other_brands(
    tx: &impl Tx,
    ranked: &[Ranked],
    families: &[String],
    named: &[Product],
    phrase: &str,
    lexicon: &Lexicon,
) -> Result<Vec<Vec<Product>>, StoreError> {
    let Some(top) = named.first() else {
        return Ok(Vec::new());
    };
    let said: Vec<String> = words_of(phrase).collect();
    let written = |brand: &Option<String>| {
        brand
            .as_deref()
            .is_some_and(|b| words_of(b).any(|w| said.contains(&w)))
    };
    if written(&top.brand) {
        return Ok(Vec::new());
    }
    let own = packs::family(&top.name);
    let mut seen: Vec<&str> = vec![own.as_str()];
    let mut out = Vec::new();
    for (i, r) in ranked.iter().enumerate() {
        if seen.contains(&families[i].as_str()) || r.explained_any < FITS_EVERY_WORD {
            continue;
        }
        seen.push(&families[i]);
        let Some(first) = catalog::product(tx, r.candidate.product_id)? else {
            continue;
        };
        let same_goods = first.unit.map(PackUnit::is_volume) == top.unit.map(PackUnit::is_volume);
        if first.brand == top.brand || written(&first.brand) || !same_goods {
            continue;
        }
        let brand: Vec<String> = first
            .brand
            .as_deref()
            .map(words_of)
            .into_iter()
            .flatten()
            .collect();
        let called = std::iter::once(&first.name)
            .chain(&first.aliases)
            .any(|t| named_by(t, &said, &brand, lexicon));
        if called {
            let group: Vec<usize> = (i..ranked.len())
                .filter(|&k| families[k] == families[i])
                .collect();
            out.push(products(tx, ranked, &group)?);
        }
    }
    Ok(out)
}

/// Lower-case words of a text, without numbers.
pub(super) fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && !is_mark(c))
        .filter(|w| !w.is_empty() && !w.chars().all(char::is_numeric))
        .map(str::to_lowercase)
}

/// Whether a text of a product, less its brand, units and pack words, is made only of words
/// written, and has at least one.
pub(super) fn named_by(text: &str, said: &[String], brand: &[String], lexicon: &Lexicon) -> bool {
    let mut any = false;
    for w in words_of(text) {
        if said.contains(&w) {
            any |= !brand.contains(&w);
        } else if !brand.contains(&w)
            && lexicon.unit_of(&w).is_none()
            && lexicon.pack_of(&w).is_none()
        {
            return false;
        }
    }
    any
}

/// Devanagari vowel signs and viramas are part of a word.
pub(super) fn is_mark(c: char) -> bool {
    ('\u{0900}'..='\u{097F}').contains(&c)
}
