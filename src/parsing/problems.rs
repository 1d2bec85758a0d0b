//! The problems an item can carry, worded so the retailer knows what to write back:
//! "quantity missing for 'dal'", two possible quantities, a quantity with no product, zero,
//! a typing slip of a huge number, a fraction with no exact value.
//!
//! Owns the wording and the limit on one line's quantity. It never changes an item.

use rust_decimal::Decimal;

use super::super::convert::MAX_PACKS;
use super::super::elements::{Elem, ElemKind};
use super::super::{ParsedItem, Problem, ProblemKind};
use super::{Choice, Outcome, Source, trimmed};

/// "10 kg" with no product, or an unreadable number: report it, order nothing.
pub(super) fn without_product(src: &Source<'_>, elems: &[Elem], amounts: &[usize]) -> Outcome {
    if let Some(&k) = amounts.first() {
        let text = src.span_text(trimmed(elems)).to_string();
        let shown = src.elem_text(&elems[k]);
        return Outcome::Orphan(Problem {
            reason: format!("'{shown}' has no product: which product is it for?"),
            text,
            kind: ProblemKind::NoProduct {
                written: shown.to_string(),
            },
        });
    }
    match elems.iter().find(|e| e.kind == ElemKind::Unreadable) {
        Some(e) => Outcome::Unreadable(unreadable(src, e)),
        None => Outcome::Nothing,
    }
}

fn unreadable(src: &Source<'_>, elem: &Elem) -> Problem {
    let text = src.elem_text(elem).to_string();
    Problem {
        reason: format!("could not read '{text}' as one exact quantity: how many exactly?"),
        kind: ProblemKind::Unreadable {
            written: text.clone(),
        },
        text,
    }
}

pub(super) fn problem_for(
    src: &Source<'_>,
    elems: &[Elem],
    item: &ParsedItem,
    choice: &Choice,
) -> Option<Problem> {
    let phrase = &item.phrase;
    let text = || phrase.clone();
    if choice.ambiguous {
        let written: Vec<&str> = elems
            .iter()
            .filter(|e| matches!(e.kind, ElemKind::Amount(_)))
            .map(|e| src.elem_text(e))
            .collect();
        return Some(Problem {
            text: src.span_text(trimmed(elems)).to_string(),
            reason: format!(
                "more than one quantity for '{phrase}' ({}): which one is it?",
                written.join(", ")
            ),
            kind: ProblemKind::SeveralQuantities {
                written: written.iter().map(|w| w.to_string()).collect(),
            },
        });
    }
    if let Some(e) = elems.iter().find(|e| e.kind == ElemKind::Unreadable)
        && item.quantity.is_none()
    {
        return Some(unreadable(src, e));
    }
    let Some(quantity) = item.quantity else {
        return Some(Problem {
            text: text(),
            reason: format!("quantity missing for '{phrase}'"),
            kind: ProblemKind::NoQuantity,
        });
    };
    if quantity <= Decimal::ZERO {
        return Some(Problem {
            text: text(),
            reason: format!("quantity 0 for '{phrase}': how many do you need?"),
            kind: ProblemKind::Zero,
        });
    }
    (quantity > Decimal::from(MAX_PACKS)).then(|| Problem {
        text: text(),
        reason: format!(
            "quantity {quantity} for '{phrase}' looks too large: please check the number"
        ),
        kind: ProblemKind::TooLarge {
            written: quantity.to_string(),
        },
    })
}
