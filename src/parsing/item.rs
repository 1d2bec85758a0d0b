//! Turning the elements of a segment into order items: which amount is the quantity, which
//! is a pack size that stays in the phrase, and what to ask back.
//!
//! Owns the phrase/quantity decision ("chamal 25 kg 2 bora" → phrase "chamal 25 kg", 2 bags;
//! "10kg rice" → rice, 10 kg), the split of several items written on one line ("chini 5 kg
//! dal 2 kg") and what makes a stretch a question or a greeting rather than an item. When
//! two amounts could both be the quantity it asks; it never picks one silently and never
//! fills in a missing quantity.

use std::ops::Range;

use rust_decimal::Decimal;

use super::elements::{Amount, Elem, ElemKind};
use super::tokens::{TokKind, Token};
use super::{ParsedItem, Problem, Size};

// Child modules in sibling files: they share this module's private types (`Choice`).
#[path = "phrase.rs"]
mod phrase;
#[path = "problems.rs"]
mod problems;

/// What one stretch of elements turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Item(ParsedItem, Option<Problem>),
    /// A quantity with no product ("10 kg" alone).
    Orphan(Problem),
    /// A question ("kati ho chamal ko rate?"): the conversation answers it.
    Question(String),
    /// A number that could not be read exactly, with no product around it.
    Unreadable(Problem),
    /// Greetings, politeness, punctuation: nothing to order.
    Nothing,
}

/// The message text and its tokens, shared by every decision.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub tokens: &'a [Token],
}

impl Source<'_> {
    fn elem_text(&self, elem: &Elem) -> &str {
        &self.text[self.tokens[elem.first].start..self.tokens[elem.last].end]
    }

    fn span_text(&self, elems: &[Elem]) -> &str {
        match (elems.first(), elems.last()) {
            (Some(a), Some(b)) => &self.text[self.tokens[a.first].start..self.tokens[b.last].end],
            _ => "",
        }
    }
}

/// Reads the elements of one segment into outcomes, one per item written in it.
pub(crate) fn outcomes(src: &Source<'_>, elems: &[Elem]) -> Vec<Outcome> {
    item_ranges(elems)
        .into_iter()
        .map(|range| decide(src, &elems[range]))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    amount: bool,
    first: usize,
    last: usize,
}

/// Runs of product words and runs of amounts, ignoring everything else.
fn runs(elems: &[Elem]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (k, elem) in elems.iter().enumerate() {
        let amount = match elem.kind {
            ElemKind::Content => false,
            ElemKind::Amount(_) => true,
            _ => continue,
        };
        match out.last_mut() {
            Some(run) if run.amount == amount => run.last = k,
            _ => out.push(Run {
                amount,
                first: k,
                last: k,
            }),
        }
    }
    out
}

/// Several items on one line: "chini 5 kg dal 2 kg tel 1 botal" (product first) or
/// "5 kg chini 2 kg dal" (quantity first). Anything less regular stays one item.
fn item_ranges(elems: &[Elem]) -> Vec<Range<usize>> {
    let runs = runs(elems);
    let words = runs.iter().filter(|r| !r.amount).count();
    let amounts = runs.len() - words;
    let whole = std::iter::once(0..elems.len()).collect();
    let Some(first) = runs.first() else {
        return whole;
    };
    let cuts: Vec<usize> = if !first.amount && amounts >= 2 && words <= amounts + 1 {
        // Cut after each amount run that a product run follows.
        runs.windows(2)
            .filter(|w| w[0].amount && !w[1].amount)
            .map(|w| w[0].last + 1)
            .collect()
    } else if first.amount && words >= 2 && words == amounts {
        // Cut before each amount run that follows a product run.
        runs.windows(2)
            .filter(|w| !w[0].amount && w[1].amount)
            .map(|w| w[1].first)
            .collect()
    } else {
        return whole;
    };
    let mut ranges = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts {
        ranges.push(start..cut);
        start = cut;
    }
    ranges.push(start..elems.len());
    ranges
}

/// Which amounts play which part in one item.
#[derive(Debug, Default)]
struct Choice {
    quantity: Option<usize>,
    size: Option<usize>,
    /// Two or more amounts could each be the quantity.
    ambiguous: bool,
}

fn decide(src: &Source<'_>, elems: &[Elem]) -> Outcome {
    let amounts = without_bracketed_counts(src, elems);
    let has_content = elems.iter().any(|e| e.kind == ElemKind::Content);
    let strong_question = elems
        .iter()
        .any(|e| e.kind == ElemKind::Question { strong: true });
    let question = elems
        .iter()
        .any(|e| matches!(e.kind, ElemKind::Question { .. }));
    if strong_question || (question && amounts.is_empty()) {
        return Outcome::Question(src.span_text(trimmed(elems)).to_string());
    }
    if !has_content {
        return problems::without_product(src, elems, &amounts);
    }
    if amounts.is_empty() && is_social(elems) {
        return Outcome::Nothing;
    }
    let choice = choose(elems, &amounts);
    let item = build_item(src, elems, &choice);
    let problem = problems::problem_for(src, elems, &item, &choice);
    Outcome::Item(item, problem)
}

/// "Chauchau 1 carton (30 pcs)": a count in brackets beside another count is a note.
fn without_bracketed_counts(src: &Source<'_>, elems: &[Elem]) -> Vec<usize> {
    let all = indices(elems, |k| matches!(k, ElemKind::Amount(_)));
    let is_count = |k: &usize| amount(elems, *k).is_some_and(|a| !is_measure(a));
    let bracketed = |k: &usize| {
        let e = &elems[*k];
        let before = e.first.checked_sub(1).map(|b| &src.tokens[b].kind);
        let after = src.tokens.get(e.last + 1).map(|t| &t.kind);
        matches!(before, Some(TokKind::Punct('(' | '[')))
            && matches!(after, Some(TokKind::Punct(')' | ']')))
    };
    let free_counts = all.iter().filter(|k| is_count(k) && !bracketed(k)).count();
    if free_counts == 0 {
        return all;
    }
    all.into_iter()
        .filter(|k| !(is_count(k) && bracketed(k)))
        .collect()
}

/// "Namaste Hari", "thank you Sita": a greeting with at most a name, no quantity.
fn is_social(elems: &[Elem]) -> bool {
    let words = elems.iter().filter(|e| e.kind == ElemKind::Content).count();
    words <= 2 && elems.iter().any(|e| e.kind == ElemKind::Social)
}

fn indices(elems: &[Elem], pick: impl Fn(&ElemKind) -> bool) -> Vec<usize> {
    (0..elems.len()).filter(|&k| pick(&elems[k].kind)).collect()
}

fn amount(elems: &[Elem], k: usize) -> Option<&Amount> {
    match &elems.get(k)?.kind {
        ElemKind::Amount(a) => Some(a),
        _ => None,
    }
}

fn is_measure(a: &Amount) -> bool {
    a.unit.is_some_and(|u| u.is_measure())
}

/// One amount is the quantity. With more: the one marked by `x`/`:`/`qty`; else a count
/// next to a weight or volume ("25 kg 2 bora", "Coke 500ml 5") is the quantity and the
/// measure is the pack size. Anything else is ambiguous and asked back.
fn choose(elems: &[Elem], amounts: &[usize]) -> Choice {
    let get = |k: usize| amount(elems, k);
    if amounts.len() <= 1 {
        return Choice {
            quantity: amounts.first().copied(),
            ..Choice::default()
        };
    }
    let marked: Vec<usize> = amounts
        .iter()
        .copied()
        .filter(|&k| get(k).is_some_and(|a| a.marked))
        .collect();
    let quantity = match marked.as_slice() {
        [only] => Some(*only),
        _ => {
            let counts: Vec<usize> = amounts
                .iter()
                .copied()
                .filter(|&k| get(k).is_some_and(|a| !is_measure(a)))
                .collect();
            match counts.as_slice() {
                [only] => Some(*only),
                _ => None,
            }
        }
    };
    let Some(q) = quantity else {
        return Choice {
            ambiguous: true,
            ..Choice::default()
        };
    };
    let others: Vec<usize> = amounts.iter().copied().filter(|&k| k != q).collect();
    match others.as_slice() {
        [size] if get(*size).is_some_and(is_measure) => Choice {
            quantity: Some(q),
            size: Some(*size),
            ambiguous: false,
        },
        _ => Choice {
            ambiguous: true,
            ..Choice::default()
        },
    }
}

/// Drops filler, noise and questions from both ends of a stretch.
fn trimmed(elems: &[Elem]) -> &[Elem] {
    let keep = |e: &Elem| {
        matches!(
            e.kind,
            ElemKind::Content
                | ElemKind::Amount(_)
                | ElemKind::Price(_)
                | ElemKind::Unreadable
                | ElemKind::Question { .. }
        )
    };
    let start = elems.iter().position(keep).unwrap_or(elems.len());
    let end = elems.iter().rposition(keep).map_or(start, |k| k + 1);
    &elems[start..end.max(start)]
}

fn build_item(src: &Source<'_>, elems: &[Elem], choice: &Choice) -> ParsedItem {
    let phrase = phrase::phrase(src, elems, choice.size);
    let quantity_amount = choice.quantity.and_then(|k| amount(elems, k));
    let pack_word = elems.iter().find_map(|e| match e.kind {
        ElemKind::PackWord(u, p) => Some((u, p)),
        _ => None,
    });
    let unit = quantity_amount.and_then(|a| a.unit);
    let (unit, pack) = match (unit, choice.size) {
        (None, Some(_)) => (pack_word.map(|w| w.0), pack_word.and_then(|w| w.1)),
        _ => (unit, quantity_amount.and_then(|a| a.pack)),
    };
    let size = choice.size.and_then(|k| amount(elems, k)).and_then(|a| {
        a.unit.map(|unit| Size {
            amount: a.value,
            unit,
        })
    });
    let span_elems = trimmed(elems);
    let span = match (span_elems.first(), span_elems.last()) {
        (Some(a), Some(b)) => [src.tokens[a.first].start, src.tokens[b.last].end],
        _ => [0, 0],
    };
    ParsedItem {
        phrase,
        quantity: quantity_amount.map(|a| a.value.normalize()),
        unit,
        pack,
        span,
        size: size.or_else(|| phrase::code_size(src, elems)),
        price: price(elems),
    }
}

fn price(elems: &[Elem]) -> Option<Decimal> {
    elems.iter().find_map(|e| match e.kind {
        ElemKind::Price(p) => Some(p.normalize()),
        _ => None,
    })
}
