//! The preview a retailer reads: ready lines priced at the vendors routing would choose now,
//! the questions, what was not added and why, in the shop's language.
//!
//! A line no vendor can supply is reported as not added instead of leaving the whole preview
//! unpriced. The order itself is routed and priced again when it is placed.

use std::collections::HashMap;

use serde::Serialize;

use super::{LineState, PendingLine, answered};
use crate::catalog::{Product, store as catalog};
use crate::messaging::texts;
use crate::orders::{OrderError, Rules, quote, route};
use crate::parsing::TraditionalUnits;
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, Tx};

/// The priced preview, as `POST /api/v1/orders/preview` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub retailer_id: u64,
    /// The language the texts below are in: the shop's setting.
    pub language: Language,
    pub lines: Vec<PreviewLine>,
    pub questions: Vec<Question>,
    pub not_added: Vec<NotAdded>,
    pub subtotal_paisa: i64,
    pub vat_paisa: i64,
    pub total_paisa: i64,
    /// The shop's available credit once this order is placed (negative: it would not fit).
    pub available_after_paisa: i64,
    /// Why the shop cannot order now (an overdue payment, a block by the operator), in its
    /// language: the same check CONFIRM makes, told before the shop answers.
    pub blocked: Option<String>,
    /// The entries in the order they were written, for the WhatsApp text.
    #[serde(skip)]
    pub order: Vec<Entry>,
}

/// One entry of a preview, in the order written: an index into `lines`, `questions` or
/// `not_added`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Line(usize),
    Question(usize),
    NotAdded(usize),
}

/// A line that would be ordered.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PreviewLine {
    pub phrase: String,
    pub product_id: u64,
    pub sku: String,
    pub name: String,
    /// Packs of the product.
    pub quantity: u32,
    /// How the written amount became packs ("2 kg = 4 × 500 g"), or null.
    pub conversion: Option<String>,
    pub unit_price_paisa: i64,
    pub vat_paisa: i64,
    pub total_paisa: i64,
    /// The vendor routing would choose now.
    pub vendor_id: u64,
}

/// A line waiting for the shop's answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Question {
    pub phrase: String,
    /// The question as the shop reads it.
    pub text: String,
    pub options: Vec<QuestionOption>,
}

/// One answer to a question, and the line it would make.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuestionOption {
    pub product_id: u64,
    pub sku: String,
    pub name: String,
    /// Packs of this product if it is chosen, converted as the line was written; null when
    /// the written amount does not fit it.
    pub quantity: Option<u32>,
    pub conversion: Option<String>,
}

/// A line that cannot be ordered as written.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NotAdded {
    pub phrase: String,
    pub reason: String,
    /// The nearest catalog names, when the phrase named nothing in the catalog.
    pub suggestions: Vec<String>,
}

/// Prices preview lines for a retailer, writing nothing.
pub fn price(
    tx: &impl Tx,
    lines: &[PendingLine],
    retailer: &Retailer,
    rules: &Rules,
    units: &TraditionalUnits,
    lang: Language,
) -> Result<Preview, StoreError> {
    let (prices, unsupplied) = priced(tx, &ready_lines(tx, lines)?, retailer, rules)?;
    let mut p = Preview {
        retailer_id: retailer.id,
        language: lang,
        lines: Vec::new(),
        questions: Vec::new(),
        not_added: Vec::new(),
        subtotal_paisa: 0,
        vat_paisa: 0,
        total_paisa: 0,
        available_after_paisa: 0,
        blocked: None,
        order: Vec::with_capacity(lines.len()),
    };
    for l in lines {
        let options = question_options(tx, l, units, lang)?;
        entry(&mut p, l, &prices, &unsupplied, options, lang);
    }
    p.vat_paisa = p.lines.iter().map(|l| l.vat_paisa).sum();
    p.total_paisa = p.lines.iter().map(|l| l.total_paisa).sum();
    p.subtotal_paisa = p.total_paisa - p.vat_paisa;
    let pos = crate::credit::position(tx, retailer)?;
    p.available_after_paisa = pos.available_paisa - p.total_paisa;
    Ok(p)
}

/// The lines that name one product and a number of packs, with their products.
fn ready_lines(
    tx: &impl Tx,
    lines: &[PendingLine],
) -> Result<Vec<(usize, Product, u32)>, StoreError> {
    let mut wants = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let LineState::Ready {
            product_id, packs, ..
        } = &l.state
            && let Some(p) = catalog::product(tx, *product_id)?
        {
            wants.push((i, p, *packs));
        }
    }
    Ok(wants)
}

/// A question's options, each with the packs and conversion choosing it would give.
fn question_options(
    tx: &impl Tx,
    l: &PendingLine,
    units: &TraditionalUnits,
    lang: Language,
) -> Result<Vec<QuestionOption>, StoreError> {
    let LineState::Ask {
        options,
        why,
        written,
    } = &l.state
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(options.len());
    for (i, o) in options.iter().enumerate() {
        let line =
            catalog::product(tx, o.product_id)?.map(|prod| answered(&prod, why, written, i, units));
        let (quantity, conversion) = match line {
            Some(LineState::Ready {
                packs, conversion, ..
            }) => (Some(packs), conversion.map(|c| texts::conversion(lang, &c))),
            _ => (None, None),
        };
        out.push(QuestionOption {
            product_id: o.product_id,
            sku: o.sku.clone(),
            name: o.name.clone(),
            quantity,
            conversion,
        });
    }
    Ok(out)
}

/// Unit price, VAT, total and vendor of one line.
type Price = (i64, i64, i64, u64);
/// Prices by product, and the packs of each product no vendor can supply.
type Priced = (HashMap<u64, Price>, HashMap<u64, u32>);

fn entry(
    p: &mut Preview,
    l: &PendingLine,
    prices: &HashMap<u64, Price>,
    unsupplied: &HashMap<u64, u32>,
    options: Vec<QuestionOption>,
    lang: Language,
) {
    match &l.state {
        LineState::Ready { .. } => priced_entry(p, l, prices, unsupplied, lang),
        LineState::Ask { why, .. } => {
            let names: Vec<String> = options.iter().map(|o| o.name.clone()).collect();
            p.order.push(Entry::Question(p.questions.len()));
            p.questions.push(Question {
                phrase: l.phrase.clone(),
                text: texts::preview_question(lang, &l.phrase, why, &names),
                options,
            });
        }
        LineState::Unavailable { problem } => {
            let suggestions = match problem {
                super::LineProblem::NotFound { suggestions } => suggestions.clone(),
                _ => Vec::new(),
            };
            p.order.push(Entry::NotAdded(p.not_added.len()));
            p.not_added.push(NotAdded {
                phrase: l.phrase.clone(),
                reason: texts::line_problem(lang, &l.phrase, problem),
                suggestions,
            });
        }
    }
}

/// A ready line: priced at its vendor, or not added when no vendor can supply it.
fn priced_entry(
    p: &mut Preview,
    l: &PendingLine,
    prices: &HashMap<u64, Price>,
    unsupplied: &HashMap<u64, u32>,
    lang: Language,
) {
    let LineState::Ready {
        product_id,
        sku,
        name,
        packs,
        conversion,
    } = &l.state
    else {
        return;
    };
    let Some(&(unit, vat, total, vendor)) = prices.get(product_id) else {
        let packs = unsupplied.get(product_id).copied().unwrap_or(*packs);
        p.order.push(Entry::NotAdded(p.not_added.len()));
        p.not_added.push(NotAdded {
            phrase: l.phrase.clone(),
            reason: texts::no_vendor_for(lang, name, packs),
            suggestions: Vec::new(),
        });
        return;
    };
    p.order.push(Entry::Line(p.lines.len()));
    p.lines.push(PreviewLine {
        phrase: l.phrase.clone(),
        product_id: *product_id,
        sku: sku.clone(),
        name: name.clone(),
        quantity: *packs,
        conversion: conversion.as_ref().map(|c| texts::conversion(lang, c)),
        unit_price_paisa: unit,
        vat_paisa: vat,
        total_paisa: total,
        vendor_id: vendor,
    });
}

/// Prices per product at the vendors routing would choose for the whole cart; when no vendor
/// set can take it all, the lines no vendor can supply on their own are left out and the rest
/// priced together.
fn priced(
    tx: &impl Tx,
    wants: &[(usize, Product, u32)],
    retailer: &Retailer,
    rules: &Rules,
) -> Result<Priced, StoreError> {
    let place = route::place_of(retailer);
    let mut cart: Vec<(Product, u32)> = wants.iter().map(|(_, p, n)| (p.clone(), *n)).collect();
    let mut unsupplied = HashMap::new();
    if cart.is_empty() {
        return Ok((HashMap::new(), unsupplied));
    }
    let parts = match quote(tx, &cart, &place, rules) {
        Ok(parts) => parts,
        Err(OrderError::Store(e)) => return Err(e),
        Err(_) => {
            let mut kept = Vec::with_capacity(cart.len());
            for (p, n) in cart.drain(..) {
                match quote(tx, &[(p.clone(), n)], &place, rules) {
                    Ok(_) => kept.push((p, n)),
                    Err(OrderError::Store(e)) => return Err(e),
                    Err(_) => {
                        unsupplied.insert(p.id, n);
                    }
                }
            }
            cart = kept;
            if cart.is_empty() {
                return Ok((HashMap::new(), unsupplied));
            }
            match quote(tx, &cart, &place, rules) {
                Ok(parts) => parts,
                Err(OrderError::Store(e)) => return Err(e),
                Err(_) => {
                    unsupplied.extend(cart.iter().map(|(p, n)| (p.id, *n)));
                    return Ok((HashMap::new(), unsupplied));
                }
            }
        }
    };
    let prices = parts
        .into_iter()
        .flat_map(|(vendor, ls)| {
            ls.into_iter().map(move |l| {
                (
                    l.product_id,
                    (
                        l.unit_price_paisa.paisa(),
                        l.vat_paisa.paisa(),
                        l.total_paisa.paisa(),
                        vendor,
                    ),
                )
            })
        })
        .collect();
    Ok((prices, unsupplied))
}

/// The text of why `retailer` cannot order on `today`, if it cannot: what CONFIRM would answer.
pub fn blocked(
    tx: &impl Tx,
    retailer: &Retailer,
    today: chrono::NaiveDate,
    rules: &Rules,
    lang: Language,
) -> Result<Option<String>, StoreError> {
    Ok(
        crate::credit::block_reason(tx, retailer, today, rules.block_overdue_after_days)?
            .map(|b| texts::block(lang, &b)),
    )
}
