//! One written item → a priced-to-be line, a question, or why it cannot be ordered.
//!
//! The matcher names the product family (pack words are left out of the phrase it sees, so
//! every pack of a product competes as one); then the message's own words choose the pack:
//! the pack word ("bora", "peti", "lari"), the size ("1kg"), the amount ("5 kg"). A size is
//! priced only as written or as the same amount in another pack of the same product, shown as a
//! conversion. What stays open is asked, offering only what fits everything written.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::packs::{self, fits, grams_or_ml, is_multipack, names_own_pack};
use super::{AskWhy, Choice, Conversion, LineProblem, LineState, Reader, SoldBy, Written};
use crate::catalog::{PackUnit, Product, store as catalog};
use crate::matching::{Decision, MatchContext, Ranked, decide_grouped};
use crate::parsing::{
    ConversionError, Lexicon, MAX_PACKS, Pack, PackSpec, ParsedItem, TraditionalUnits, Unit,
    to_packs,
};
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

/// Resolves one parsed item.
pub(super) fn item(
    tx: &impl Tx,
    item: &ParsedItem,
    reader: &Reader<'_>,
    lexicon: &Lexicon,
) -> Result<LineState, StoreError> {
    let (phrase, phrase_pack) = without_pack_words(&item.phrase, lexicon);
    let written = Written {
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
    };
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
    let mut ranked = reader.matcher.rank_phrase(&phrase, &ctx);
    // Only candidates near the best can be meant or offered.
    let floor = ranked.first().map_or(0.0, |r| r.score - CONSIDERED_WINDOW);
    ranked.retain(|r| r.score >= floor);
    ranked.truncate(CONSIDERED);
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

/// The phrase without pack words ("soyabean tel pouch" → "soyabean tel"), and the first pack
/// word it had. A phrase that is only pack words is kept as written.
fn without_pack_words(phrase: &str, lexicon: &Lexicon) -> (String, Option<Pack>) {
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
fn other_brands(
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
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && !is_mark(c))
        .filter(|w| !w.is_empty() && !w.chars().all(char::is_numeric))
        .map(str::to_lowercase)
}

/// Whether a text of a product, less its brand, units and pack words, is made only of words
/// written, and has at least one.
fn named_by(text: &str, said: &[String], brand: &[String], lexicon: &Lexicon) -> bool {
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
fn is_mark(c: char) -> bool {
    ('\u{0900}'..='\u{097F}').contains(&c)
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
        // Nothing comes in that pack or size: say so, offering what exists (for a sack or a
        // carton, each product's biggest pack).
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
            .filter_map(|g| {
                if big {
                    g.iter()
                        .max_by_key(|p| grams_or_ml(p).unwrap_or_default())
                        .cloned()
                } else {
                    g.first().cloned()
                }
            })
            .collect();
        return ask(&offered, why, written);
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
    let mut options: Vec<Product> = Vec::new();
    for (i, p) in &picks {
        match p {
            Pick::Ready(LineState::Ready { product_id, .. }) => {
                options.extend(groups[*i].iter().filter(|g| g.id == *product_id).cloned());
            }
            Pick::Ask(opts, _) => options.extend(opts.iter().cloned()),
            _ => options.extend(groups[*i].first().cloned()),
        }
    }
    let why = if complete {
        AskWhy::Which
    } else {
        AskWhy::Unsure
    };
    ask(&options, why, written)
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

/// A size was written: that size, or the same amount in another pack of the family.
fn by_size(
    fitting: &[&Product],
    amount: Decimal,
    unit: Unit,
    w: &Written,
    units: &TraditionalUnits,
) -> Pick {
    let want = base_amount(amount, unit);
    let same: Vec<&Product> = fitting
        .iter()
        .copied()
        .filter(|p| want.is_some() && grams_or_ml(p) == want && same_dimension(p, unit))
        .collect();
    let count_only = Written {
        size: None,
        ..w.clone()
    };
    match same.as_slice() {
        [only] => return Pick::Ready(chosen(only, &count_only, units)),
        [_, _, ..] => return Pick::Ask(same.into_iter().cloned().collect(), AskWhy::Which),
        [] => {}
    }
    let shown = format!("{} {}", amount.normalize(), unit);
    let packs_written = match (w.quantity(), w.unit) {
        (Some(q), None | Some(Unit::Packet | Unit::Bottle | Unit::Bag | Unit::Pcs)) => Some(q),
        (Some(q), Some(Unit::Dozen)) => q.checked_mul(Decimal::from(12)),
        _ => None,
    };
    let total = packs_written.zip(want).and_then(|(n, a)| n.checked_mul(a));
    // Only into smaller packs that make up the size written ("1 kg" = 2 × 500 g), and never
    // for drinks, whose bottle size is the product.
    let converted = total.zip(want).and_then(|(t, size)| {
        fitting
            .iter()
            .filter(|p| same_dimension(p, unit) && !is_bottled_drink(p))
            .filter_map(|p| {
                let per = grams_or_ml(p)?;
                let whole = |d: Decimal| d.fract().is_zero() && d >= Decimal::ONE;
                let n = t.checked_div(per)?;
                let fits_size = size.checked_div(per).is_some_and(whole);
                (fits_size && whole(n) && n <= Decimal::from(MAX_PACKS)).then(|| (n.to_u32(), *p))
            })
            .filter_map(|(n, p)| Some((n?, p)))
            .min_by_key(|(n, p)| (*n, p.id))
    });
    match (converted, packs_written) {
        (Some((packs, p)), Some(n)) => Pick::Ready(LineState::Ready {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            packs,
            conversion: Some(Conversion {
                written: match w.unit {
                    Some(Unit::Dozen) => format!("{} dozen × {shown}", n / Decimal::from(12)),
                    _ => format!("{} × {shown}", n.normalize()),
                },
                packs,
                pack: pack_text(p),
                dozen: false,
            }),
        }),
        _ => Pick::Misfit(AskWhy::NoSuchSize { size: shown }),
    }
}

/// "chini 5 kg": the pack that takes the amount exactly in the fewest packs.
fn by_amount(fitting: &[&Product], w: &Written, units: &TraditionalUnits) -> Pick {
    let results: Vec<(&Product, LineState)> =
        fitting.iter().map(|p| (*p, chosen(p, w, units))).collect();
    let best = results
        .iter()
        .filter_map(|(p, s)| match s {
            LineState::Ready { packs, .. } => Some((*packs, p.id, s)),
            _ => None,
        })
        .min_by_key(|(n, id, _)| (*n, *id));
    if let Some((_, _, s)) = best {
        return Pick::Ready(s.clone());
    }
    // None divides: the smallest pack's answer says what is possible.
    let smallest = results
        .iter()
        .min_by_key(|(p, _)| grams_or_ml(p).unwrap_or(Decimal::MAX));
    match smallest {
        Some((_, LineState::Unavailable { problem })) => Pick::Problem(problem.clone()),
        Some((_, asked @ LineState::Ask { .. })) => Pick::Ready(asked.clone()),
        _ => Pick::Misfit(AskWhy::Which),
    }
}

/// A soft drink, juice or water: sold by the bottle size, which is never converted.
fn is_bottled_drink(p: &Product) -> bool {
    p.category.as_deref() == Some("Beverages") && matches!(p.unit, Some(PackUnit::Ml | PackUnit::L))
}

fn same_dimension(p: &Product, unit: Unit) -> bool {
    matches!(
        (p.unit, unit),
        (Some(PackUnit::G | PackUnit::Kg), Unit::G | Unit::Kg)
            | (Some(PackUnit::Ml | PackUnit::L), Unit::Ml | Unit::L)
            | (Some(PackUnit::Pcs), Unit::Pcs)
    )
}

fn base_amount(amount: Decimal, unit: Unit) -> Option<Decimal> {
    let factor = match unit {
        Unit::Kg | Unit::L => Decimal::ONE_THOUSAND,
        Unit::G | Unit::Ml | Unit::Pcs => Decimal::ONE,
        _ => return None,
    };
    amount.checked_mul(factor).map(|d| d.normalize())
}

fn spec(p: &Product) -> PackSpec {
    let unit = match p.unit {
        Some(PackUnit::G) => Unit::G,
        Some(PackUnit::Kg) => Unit::Kg,
        Some(PackUnit::Ml) => Unit::Ml,
        Some(PackUnit::L) => Unit::L,
        Some(PackUnit::Pcs) | None => Unit::Pcs,
    };
    PackSpec {
        size: p.pack_size.unwrap_or(Decimal::ONE),
        unit,
        carton_packs: None,
    }
}

fn pack_text(p: &Product) -> String {
    let s = spec(p);
    format!("{} {}", s.size.normalize(), s.unit)
}

/// The written amount as packs of one product (its size already settled).
pub(super) fn chosen(p: &Product, w: &Written, units: &TraditionalUnits) -> LineState {
    let Some(q) = w.quantity() else {
        return unavailable(LineProblem::Parse(crate::parsing::ProblemKind::NoQuantity));
    };
    // "2 carton" of a carton product, "2 bora" of a sack: the count is of its own packs.
    let unit = match (w.pack, w.unit) {
        (Some(pack), Some(u)) if !u.is_measure() && names_own_pack(pack, p) => None,
        (_, u) => u,
    };
    match to_packs(q, unit, &spec(p), units) {
        Ok(c) => LineState::Ready {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            packs: c.packs,
            conversion: c.note.map(|_| Conversion {
                written: match unit {
                    Some(u) => format!("{} {u}", q.normalize()),
                    None => format!("{}", q.normalize()),
                },
                packs: c.packs,
                pack: pack_text(p),
                dozen: unit == Some(Unit::Dozen),
            }),
        },
        Err(e) => match problem_of(e, p) {
            // "1 kg" of a 400 g pack: fewer or more packs is a question the shop answers with
            // a number, each option the line it would make.
            LineProblem::NotWhole {
                written,
                lower,
                upper,
                lower_total,
                upper_total,
            } => {
                let (counts, totals) = if lower == 0 {
                    (vec![upper], vec![upper_total])
                } else {
                    (vec![lower, upper], vec![lower_total, upper_total])
                };
                let one = Choice {
                    product_id: p.id,
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                };
                LineState::Ask {
                    options: vec![one; counts.len()],
                    why: AskWhy::HowMany {
                        written,
                        counts,
                        totals,
                    },
                    written: w.clone(),
                }
            }
            other => unavailable(other),
        },
    }
}

fn problem_of(e: ConversionError, p: &Product) -> LineProblem {
    match e {
        ConversionError::NotPositive { .. } => {
            LineProblem::Parse(crate::parsing::ProblemKind::Zero)
        }
        ConversionError::NotWhole {
            written,
            lower,
            upper,
            lower_total,
            upper_total,
            ..
        } => LineProblem::NotWhole {
            written,
            lower,
            upper,
            lower_total,
            upper_total,
        },
        ConversionError::UnitMismatch { sold, .. } => LineProblem::UnitMismatch {
            product: p.name.clone(),
            sold_by: match sold {
                "by weight" => SoldBy::Weight,
                "by volume" => SoldBy::Volume,
                _ => SoldBy::Piece,
            },
        },
        ConversionError::UnknownCartonSize { .. } => LineProblem::UnknownCarton {
            product: p.name.clone(),
        },
        ConversionError::TooLarge { written } => LineProblem::TooLarge { written },
        ConversionError::InvalidPack { .. } => LineProblem::BadPack {
            product: p.name.clone(),
        },
    }
}

/// The line for a chosen pack count of a product, shown as a conversion of the amount written.
pub(super) fn counted(p: &Product, written: &str, packs: Option<u32>) -> LineState {
    match packs {
        Some(packs) if packs > 0 => LineState::Ready {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            packs,
            conversion: Some(Conversion {
                written: written.to_string(),
                packs,
                pack: pack_text(p),
                dozen: false,
            }),
        },
        _ => unavailable(LineProblem::Parse(crate::parsing::ProblemKind::Zero)),
    }
}

/// A pack word that names one container of the product, not several of its packs together.
fn is_container(pack: Pack) -> bool {
    matches!(
        pack,
        Pack::Sack | Pack::Packet | Pack::Jar | Pack::Tin | Pack::Can | Pack::Bottle | Pack::Pouch
    )
}
