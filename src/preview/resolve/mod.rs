//! One written item → a priced-to-be line, a question, or why it cannot be ordered.
//!
//! The matcher names the product family (pack words are left out of the phrase it sees, so
//! every pack of a product competes as one); then the message's own words choose the pack:
//! the pack word ("bora", "peti", "lari"), the size ("1kg"), the amount ("5 kg"). A size is
//! priced only as written or as the same amount in another pack of the same product, shown as a
//! conversion. What stays open is asked, offering only what fits everything written.

mod chosen;
mod names;
mod size;

pub(super) use chosen::{chosen, counted};
use chosen::{is_container, pack_text};
use names::{other_brands, without_pack_words};
use size::{base_amount, by_amount, by_size};

use super::packs::{self, fits, grams_or_ml, is_multipack};
use super::{AskWhy, Choice, Conversion, LineProblem, LineState, Reader, Written};
use crate::catalog::{Product, store as catalog};
use crate::matching::{Decision, MatchContext, Ranked, decide_grouped};
use crate::parsing::{Lexicon, Pack, ParsedItem, TraditionalUnits, Unit};
use crate::storage::{StoreError, Tx};

/// Below this share of the phrase explained, a match is only a suggestion: a word the catalog
/// does not have ("bhuja" beside "haldiram") must not be priced as the product it resembles.
const PRICE_MIN_EXPLAINED: f32 = 0.6;

/// Candidates further than this below the best are never meant nor offered ...
const CONSIDERED_WINDOW: f32 = 0.5;

/// ... and at most this many are looked at.
const CONSIDERED: usize = 40;

/// A pack of the named family that explains this much less of the phrase than its best pack
/// misses a word written for the pack ("thulo", "sano"), and is not meant.
const PACK_WORDS_MARGIN: f32 = 0.2;

/// Below this share of the phrase explained, not even a question is asked: most of what was
/// written is not a catalog word ("olive oil", "lipton chiya"), so it is not in the catalog.
const ASK_MIN_EXPLAINED: f32 = 0.55;

/// A candidate explaining at least this share of the phrase fits every word written.
const FITS_EVERY_WORD: f32 = 0.99;

/// At most this many options in one question.
const MAX_OPTIONS: usize = 6;

/// What one family of products makes of the written amount.
enum Pick {
    Ready(LineState),
    Ask(Vec<Product>, AskWhy),
    Problem(LineProblem),
    /// No pack of this family fits the pack word or size written.
    Misfit(AskWhy),
}

/// What the message wrote of the amount, kept with the line so an answer is read the same way.
fn written_of(item: &ParsedItem, phrase_pack: Option<Pack>) -> Written {
    Written {
        quantity: item.quantity.map(|q| q.normalize().to_string()),
        unit: item.unit,
        // A pack word in the phrase ("tel tin 2 ota") says more than a piece counter ("ota").
        pack: match (item.pack, phrase_pack) {
            (None | Some(Pack::Piece), Some(p)) => Some(p),
            (written, _) => written,
        },
        size: item
            .size
            .map(|s| (s.amount.normalize().to_string(), s.unit)),
    }
}

/// Only candidates near the best can be meant or offered.
fn considered(mut ranked: Vec<Ranked>) -> Vec<Ranked> {
    let floor = ranked.first().map_or(0.0, |r| r.score - CONSIDERED_WINDOW);
    ranked.retain(|r| r.score >= floor);
    ranked.truncate(CONSIDERED);
    ranked
}

/// Resolves one parsed item.
pub(super) fn item(
    tx: &impl Tx,
    item: &ParsedItem,
    reader: &Reader<'_>,
    lexicon: &Lexicon,
) -> Result<LineState, StoreError> {
    let (phrase, phrase_pack) = without_pack_words(&item.phrase, lexicon);
    let written = written_of(item, phrase_pack);
    if item.quantity.is_none() {
        return Ok(unavailable(LineProblem::Parse(
            crate::parsing::ProblemKind::NoQuantity,
        )));
    }
    // The family is matched on the words alone: a size written ("150g") is checked against
    // the family's packs below, and must not push a product that has other sizes below one
    // that has none.
    let phrase = lexicon.without_sizes(&phrase);
    let ctx = MatchContext {
        history: reader.history,
        size_hint: None,
    };
    let ranked = considered(reader.matcher.rank_phrase(&phrase, &ctx));
    let families: Vec<String> = ranked
        .iter()
        .map(|r| packs::family(&r.candidate.name))
        .collect();
    let grouped = decide_grouped(&ranked, &families);
    let groups: Vec<Vec<Product>> = grouped
        .groups
        .iter()
        .map(|g| products(tx, &ranked, g))
        .collect::<Result<_, _>>()?;
    let complete = ranked
        .first()
        .is_some_and(|r| r.explained_any >= PRICE_MIN_EXPLAINED);
    let explained = ranked.first().map_or(0.0, |r| r.explained_any);
    Ok(match grouped.decision {
        Decision::NotFound => not_found(&groups),
        _ if explained < ASK_MIN_EXPLAINED || reader.matcher.names_other_goods(&phrase) => {
            not_found(&groups)
        }
        _ if grouped.exact_code => match groups.first() {
            Some(g) if !g.is_empty() => settle(pick(g, &written, reader.units), g, &written),
            _ => not_found(&groups),
        },
        Decision::Matched if complete => {
            let family = groups.first().map(Vec::as_slice).unwrap_or_default();
            let rivals = other_brands(tx, &ranked, &families, family, &phrase, lexicon)?;
            if rivals.is_empty() {
                settle(pick_named(family, &written, reader.units), family, &written)
            } else {
                let all: Vec<Vec<Product>> =
                    std::iter::once(family.to_vec()).chain(rivals).collect();
                among(&all, &written, reader.units, complete)
            }
        }
        _ => among(&groups, &written, reader.units, complete),
    })
}

/// The products of one family, leaving out the packs that do not account for a word the
/// message wrote ("coke thulo": only the big bottle is called "thulo").
fn products(tx: &impl Tx, ranked: &[Ranked], group: &[usize]) -> Result<Vec<Product>, StoreError> {
    let best = group
        .iter()
        .map(|&i| ranked[i].explained_any)
        .fold(0.0f32, f32::max);
    let mut out = Vec::with_capacity(group.len());
    for &i in group {
        if ranked[i].explained_any < best - PACK_WORDS_MARGIN {
            continue;
        }
        if let Some(p) = catalog::product(tx, ranked[i].candidate.product_id)? {
            out.push(p);
        }
    }
    Ok(out)
}

fn unavailable(problem: LineProblem) -> LineState {
    LineState::Unavailable { problem }
}

fn not_found(groups: &[Vec<Product>]) -> LineState {
    unavailable(LineProblem::NotFound {
        suggestions: groups
            .iter()
            .filter_map(|g| g.first())
            .take(3)
            .map(|p| p.name.clone())
            .collect(),
    })
}

fn ask(options: &[Product], why: AskWhy, written: &Written) -> LineState {
    LineState::Ask {
        options: options
            .iter()
            .take(MAX_OPTIONS)
            .map(|p| Choice {
                product_id: p.id,
                sku: p.sku.clone(),
                name: p.name.clone(),
            })
            .collect(),
        why,
        written: written.clone(),
    }
}

/// A family's pick as a line: a misfit is asked, offering every pack the family has.
fn settle(pick: Pick, family: &[Product], written: &Written) -> LineState {
    match pick {
        Pick::Ready(s) => s,
        Pick::Problem(p) => unavailable(p),
        Pick::Ask(options, why) => ask(&options, why, written),
        Pick::Misfit(why) => ask(&same_size_or_all(family, written), why, written),
    }
}

/// The packs of a family of the size written, when it has that size; else all of them.
fn same_size_or_all(family: &[Product], w: &Written) -> Vec<Product> {
    let want = w.size().and_then(|(a, u)| base_amount(a, u));
    let same: Vec<Product> = family
        .iter()
        .filter(|p| want.is_some() && grams_or_ml(p) == want)
        .cloned()
        .collect();
    if same.is_empty() {
        family.to_vec()
    } else {
        same
    }
}

/// How closely a ready line takes what was written: one pack of the size or amount written,
/// or a conversion into other packs.
fn closeness(s: &Pick) -> u8 {
    match s {
        Pick::Ready(LineState::Ready {
            conversion: None, ..
        }) => 0,
        Pick::Ready(LineState::Ready { packs: 1, .. }) => 0,
        // "2 dozen" is a count of the ordinary pack, not another size.
        Pick::Ready(LineState::Ready {
            conversion: Some(Conversion { dozen: true, .. }),
            ..
        }) => 0,
        Pick::Ready(_) => 1,
        // Several packs of exactly what was written, or sizes to choose from.
        Pick::Ask(..) => 0,
        _ => 2,
    }
}

/// Several families may be meant. Those that cannot take what was written drop out; one left,
/// fully named, is the answer; otherwise the question lists what fits.
fn among(
    groups: &[Vec<Product>],
    written: &Written,
    units: &TraditionalUnits,
    complete: bool,
) -> LineState {
    let picks: Vec<(usize, Pick)> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (i, pick(g, written, units)))
        .filter(|(_, p)| !matches!(p, Pick::Misfit(_)))
        .collect();
    if picks.is_empty() && written.size.is_some() && written.pack.is_some_and(is_container) {
        let plain = without_container(written);
        let ready: Vec<(usize, Pick)> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (i, pick(g, &plain, units)))
            .filter(|(_, p)| !matches!(p, Pick::Misfit(_)))
            .collect();
        if !ready.is_empty() {
            return among(groups, &plain, units, complete);
        }
    }
    if picks.is_empty() {
        return nothing_fits(groups, written, units);
    }
    // A product that comes in the very size or amount written beats one that takes it only
    // as a conversion into several packs of another size.
    let best = picks.iter().map(|(_, p)| closeness(p)).min().unwrap_or(2);
    let picks: Vec<(usize, Pick)> = picks
        .into_iter()
        .filter(|(_, p)| closeness(p) == best || best == 2)
        .collect();
    if let [(i, only)] = picks.as_slice()
        && complete
    {
        let family = &groups[*i];
        return match only {
            Pick::Ready(s) => s.clone(),
            Pick::Problem(p) => unavailable(p.clone()),
            Pick::Ask(options, why) => ask(options, why.clone(), written),
            Pick::Misfit(why) => ask(family, why.clone(), written),
        };
    }
    let why = if complete {
        AskWhy::Which
    } else {
        AskWhy::Unsure
    };
    ask(&options_of(groups, &picks), why, written)
}

/// Nothing comes in the pack or size written: say so, offering what exists (for a sack or a
/// carton, each product's biggest pack).
fn nothing_fits(groups: &[Vec<Product>], written: &Written, units: &TraditionalUnits) -> LineState {
    let first = groups.first().map(Vec::as_slice).unwrap_or_default();
    let why = match pick(first, written, units) {
        Pick::Misfit(why) => why,
        _ => AskWhy::Which,
    };
    let big = written.pack.is_some_and(|p| {
        matches!(
            p,
            Pack::Sack | Pack::Carton | Pack::Crate | Pack::Tray | Pack::Strip | Pack::Bundle
        )
    });
    let offered: Vec<Product> = groups
        .iter()
        .filter_map(|g| match big {
            true => g
                .iter()
                .max_by_key(|p| grams_or_ml(p).unwrap_or_default())
                .cloned(),
            false => g.first().cloned(),
        })
        .collect();
    ask(&offered, why, written)
}

/// The products a question offers: each family's ready pack, its own options, or its first.
fn options_of(groups: &[Vec<Product>], picks: &[(usize, Pick)]) -> Vec<Product> {
    let mut options: Vec<Product> = Vec::new();
    for (i, p) in picks {
        match p {
            Pick::Ready(LineState::Ready { product_id, .. }) => {
                options.extend(groups[*i].iter().filter(|g| g.id == *product_id).cloned());
            }
            Pick::Ask(opts, _) => options.extend(opts.iter().cloned()),
            _ => options.extend(groups[*i].first().cloned()),
        }
    }
    options
}

/// Which pack of the one family the phrase names: "red bull 24 cans" of a product with one
/// pack is that pack, whatever the shop calls it.
fn pick_named(family: &[Product], w: &Written, units: &TraditionalUnits) -> Pick {
    match pick(family, w, units) {
        Pick::Misfit(_) | Pick::Ask(..) if w.pack.is_some_and(is_container) => {
            match pick(family, &without_container(w), units) {
                ready @ Pick::Ready(LineState::Ready { .. }) => ready,
                _ => pick(family, w, units),
            }
        }
        p => p,
    }
}

/// "sugar 5 kg 3 bags", "red bull 24 cans": a bag, jar or can may be only what the shop calls
/// the pack. Read without it when reading with it prices nothing.
fn without_container(w: &Written) -> Written {
    Written {
        pack: None,
        ..w.clone()
    }
}

/// Which pack of one family the message means.
fn pick(family: &[Product], w: &Written, units: &TraditionalUnits) -> Pick {
    let fitting: Vec<&Product> = match w.pack {
        Some(pack) => family.iter().filter(|p| fits(pack, p)).collect(),
        // A dozen or pieces mean the ordinary pack, never a carton of them.
        None if matches!(w.unit, Some(Unit::Dozen | Unit::Pcs)) => {
            let single: Vec<&Product> = family.iter().filter(|p| !is_multipack(p)).collect();
            if single.is_empty() {
                family.iter().collect()
            } else {
                single
            }
        }
        None => family.iter().collect(),
    };
    if fitting.is_empty() {
        return Pick::Misfit(match w.pack {
            Some(pack) => AskWhy::NoSuchPack { pack },
            None => AskWhy::Which,
        });
    }
    if let Some((amount, unit)) = w.size() {
        return by_size(&fitting, amount, unit, w, units);
    }
    if w.unit.is_some_and(Unit::is_measure) {
        return by_amount(&fitting, w, units);
    }
    match fitting.as_slice() {
        [only] => Pick::Ready(chosen(only, w, units)),
        _ => Pick::Ask(fitting.into_iter().cloned().collect(), AskWhy::Size),
    }
}
