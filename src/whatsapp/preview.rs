//! From order text to preview lines: each item matched (never guessed), converted to whole
//! packs of the matched product (never rounded), or asked back; and the preview the retailer
//! reads, priced at the vendors routing would choose.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::texts;
use super::{Choice, LineState, Pending, PendingLine};
use crate::catalog::{PackUnit, Product, store as catalog};
use crate::matching::{Decision, MatchContext, MatchEngine};
use crate::orders::{OrderError, Rules, quote, route};
use crate::parsing::{
    self, PackSpec, ParsedMessage, TraditionalUnits, Unit, choose_pack, to_packs,
};
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, Tx};

/// What reading an order text needs.
pub struct Reading<'a> {
    pub matcher: &'a MatchEngine,
    pub history: Option<&'a HashMap<u64, u32>>,
    pub units: &'a TraditionalUnits,
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

/// Converts a written quantity to packs of `p`, or says why it cannot.
pub fn convert(
    p: &Product,
    quantity: Option<Decimal>,
    unit: Option<Unit>,
    units: &TraditionalUnits,
    phrase: &str,
) -> LineState {
    let Some(q) = quantity else {
        return LineState::Problem {
            reason: format!("quantity missing for '{phrase}': how many?"),
        };
    };
    match to_packs(q, unit, &spec(p), units) {
        Ok(c) => LineState::Ready {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            packs: c.packs,
            note: c.note,
        },
        Err(e) => LineState::Problem {
            reason: format!("{}: {e}", p.name),
        },
    }
}

/// A product name without its size words: "Mansuli Rice 25 kg" → "mansuli rice".
fn family(name: &str) -> String {
    const SIZE_WORDS: &[&str] = &[
        "kg", "g", "gm", "ml", "l", "ltr", "litre", "pcs", "pack", "sack", "bora", "pouch",
        "bottle", "jar", "tin",
    ];
    name.to_lowercase()
        .split_whitespace()
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()) && !SIZE_WORDS.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lines of an order text.
pub fn lines(
    tx: &impl Tx,
    parsed: &ParsedMessage,
    r: &Reading<'_>,
) -> Result<Vec<PendingLine>, StoreError> {
    let mut out = Vec::new();
    for item in &parsed.items {
        let size_hint = item.size.map(|s| (s.amount, unit_name(s.unit).to_string()));
        let ctx = MatchContext {
            history: r.history,
            size_hint,
        };
        let d = r.matcher.match_phrase(&item.phrase, &ctx);
        let state = match d.decision {
            Decision::Matched => match d
                .candidates
                .first()
                .map(|c| catalog::product(tx, c.product_id))
                .transpose()?
                .flatten()
            {
                Some(p) => convert(&p, item.quantity, item.unit, r.units, &item.phrase),
                None => LineState::Problem {
                    reason: texts::not_found(&item.phrase),
                },
            },
            Decision::Ambiguous | Decision::NotFound => {
                let products: Vec<Product> = d
                    .candidates
                    .iter()
                    .take(5)
                    .map(|c| catalog::product(tx, c.product_id))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .collect();
                by_pack_size(&products, item.quantity, item.unit, r.units)
                    .unwrap_or_else(|| ask(&products, item, &d.decision))
            }
        };
        out.push(PendingLine {
            phrase: item.phrase.clone(),
            state,
        });
    }
    for p in &parsed.problems {
        if !parsed.items.iter().any(|i| p.text.contains(&i.phrase)) {
            out.push(PendingLine {
                phrase: p.text.clone(),
                state: LineState::Problem {
                    reason: p.reason.clone(),
                },
            });
        }
    }
    Ok(out)
}

/// Sizes of one product ("25 kg" of rice sold in 1, 5 and 25 kg packs): the pack that takes the
/// quantity exactly in the fewest packs, so "25 kg" is one sack.
fn by_pack_size(
    products: &[Product],
    quantity: Option<Decimal>,
    unit: Option<Unit>,
    units: &TraditionalUnits,
) -> Option<LineState> {
    let q = quantity?;
    let weight_or_volume = matches!(
        unit,
        Some(
            Unit::G
                | Unit::Kg
                | Unit::Ml
                | Unit::L
                | Unit::Pau
                | Unit::Dharni
                | Unit::Mana
                | Unit::Pathi
        )
    );
    let first = products.first()?;
    let same_family = products.len() > 1
        && products
            .iter()
            .all(|p| family(&p.name) == family(&first.name));
    if !weight_or_volume || !same_family {
        return None;
    }
    let specs: Vec<PackSpec> = products.iter().map(spec).collect();
    let (i, c) = choose_pack(q, unit, &specs, units)?;
    let p = &products[i];
    Some(LineState::Ready {
        product_id: p.id,
        sku: p.sku.clone(),
        name: p.name.clone(),
        packs: c.packs,
        note: c.note,
    })
}

fn ask(products: &[Product], item: &parsing::ParsedItem, decision: &Decision) -> LineState {
    if products.is_empty() {
        return LineState::Problem {
            reason: texts::not_found(&item.phrase),
        };
    }
    let take = if *decision == Decision::NotFound {
        3
    } else {
        4
    };
    LineState::Ask {
        options: products
            .iter()
            .take(take)
            .map(|p| Choice {
                product_id: p.id,
                sku: p.sku.clone(),
                name: p.name.clone(),
            })
            .collect(),
        quantity: item.quantity.map(|q| q.normalize().to_string()),
        unit: item.unit,
    }
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::G => "g",
        Unit::Kg => "kg",
        Unit::Ml => "ml",
        Unit::L => "l",
        _ => "pcs",
    }
}

/// Adds new lines to a preview: a product already in it takes the new quantity; new ones are
/// added at the end.
pub fn merge(pending: &mut Pending, new: Vec<PendingLine>) {
    for line in new {
        let same = match &line.state {
            LineState::Ready { product_id, .. } => pending.lines.iter().position(
                |l| matches!(&l.state, LineState::Ready { product_id: p, .. } if p == product_id),
            ),
            _ => pending
                .lines
                .iter()
                .position(|l| l.phrase.eq_ignore_ascii_case(&line.phrase)),
        };
        match same {
            Some(i) => pending.lines[i] = line,
            None => pending.lines.push(line),
        }
    }
}

/// Removes the lines a phrase names ("remove oil"); returns whether any was removed.
pub fn remove(pending: &mut Pending, what: &str, matcher: &MatchEngine) -> bool {
    let what_l = what.to_lowercase();
    let matched = matcher.match_phrase(what, &MatchContext::default());
    let ids: Vec<u64> = matched
        .candidates
        .iter()
        .take(5)
        .map(|c| c.product_id)
        .collect();
    let before = pending.lines.len();
    pending.lines.retain(|l| {
        let named = l.phrase.to_lowercase().contains(&what_l);
        let same_product = matches!(&l.state, LineState::Ready { product_id, name, .. }
            if (ids.first() == Some(product_id)) || name.to_lowercase().contains(&what_l));
        !(named || same_product)
    });
    pending.lines.len() != before
}

/// The preview text: lines priced where routing would send them, questions, problems,
/// totals and what is left of the credit.
pub fn render(
    tx: &impl Tx,
    pending: &Pending,
    retailer: &Retailer,
    lang: Language,
    rules: &Rules,
    ttl_mins: u64,
) -> Result<String, StoreError> {
    let mut wants: Vec<(Product, u32)> = Vec::new();
    for (pid, packs) in pending.ready() {
        if let Some(p) = catalog::product(tx, pid)? {
            wants.push((p, packs));
        }
    }
    let quoted = if wants.is_empty() {
        Ok(Vec::new())
    } else {
        quote(tx, &wants, &route::place_of(retailer), rules)
    };
    let prices: HashMap<u64, (i64, i64, i64)> = match &quoted {
        Ok(parts) => parts
            .iter()
            .flat_map(|(_, ls)| {
                ls.iter().map(|l| {
                    (
                        l.product_id,
                        (l.unit_price_paisa, l.vat_paisa, l.total_paisa),
                    )
                })
            })
            .collect(),
        Err(_) => HashMap::new(),
    };
    let mut out = vec![texts::preview_header(lang).to_string()];
    for (i, line) in pending.lines.iter().enumerate() {
        out.push(format!("{}. {}", i + 1, line_text(line, &prices, lang)));
    }
    if let Err(e) = &quoted {
        let why = match e {
            OrderError::NoVendor(why) => why.clone(),
            other => other.to_string(),
        };
        out.push(texts::not_understood(lang, "", &why).replace("\"\" — ", ""));
    } else if !prices.is_empty() {
        let vat: i64 = prices.values().map(|(_, vat, _)| vat).sum();
        let sub: i64 = prices.values().map(|(_, vat, total)| total - vat).sum();
        let pos = crate::credit::position(tx, retailer)?;
        out.push(texts::totals(
            lang,
            sub,
            vat,
            sub + vat,
            pos.available_paisa - sub - vat,
        ));
    }
    out.push(texts::preview_footer(lang, ttl_mins));
    Ok(out.join("\n"))
}

fn line_text(line: &PendingLine, prices: &HashMap<u64, (i64, i64, i64)>, lang: Language) -> String {
    match &line.state {
        LineState::Ready {
            product_id,
            name,
            packs,
            note,
            ..
        } => {
            let price = prices
                .get(product_id)
                .map(|(unit, _, total)| {
                    format!(
                        " @ {} = {}",
                        crate::money::format_npr(*unit),
                        crate::money::format_npr(*total)
                    )
                })
                .unwrap_or_default();
            let note = note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            format!("{name} × {packs}{price}{note}")
        }
        LineState::Ask { options, .. } => {
            let names: Vec<String> = options.iter().map(|o| o.name.clone()).collect();
            texts::did_you_mean(lang, &line.phrase, &names)
        }
        LineState::Problem { reason } => texts::not_understood(lang, &line.phrase, reason),
    }
}
