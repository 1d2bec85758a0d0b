//! The order-message parser: a WhatsApp message in, order lines out (product phrase,
//! quantity, unit, source span) plus what it could not read, in words the retailer can act on.
//!
//! Pure and total: no I/O, no clock, no panics on any input, no floating point. It never
//! resolves products (the matcher does that with each phrase) and never invents a quantity:
//! every number comes from a digit or a number word in the text. Pipeline: `tokens` (words,
//! numbers, codes) → `split` (segments) → `elements` + `passes` (amounts, prices, words,
//! read in context) → `item` (phrase, quantity, problems). `lexicon` holds the vocabulary
//! (`lexicon.txt`); `convert` turns a quantity into packs once the matcher picked a product.

mod convert;
mod elements;
mod item;
pub mod lexicon;
mod measure;
mod numbers;
mod passes;
mod split;
mod tokens;
mod units;

use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use convert::{Conversion, ConversionError, MAX_PACKS, PackSpec, choose_pack, to_packs};
pub use lexicon::Lexicon;
pub use measure::{Measure, TraditionalUnits};
pub use units::{Dimension, Pack, Unit};

use elements::{Elem, ElemKind};
use item::{Outcome, Source};
use tokens::TokKind;

/// The parsed message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedMessage {
    pub kind: MessageKind,
    pub items: Vec<ParsedItem>,
    pub problems: Vec<Problem>,
    /// Questions found in the message ("kati ho chamal ko rate?"), for the conversation.
    pub questions: Vec<String>,
}

/// Whether the message asks for anything to be ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Order,
    /// A greeting, thanks or question: nothing to order.
    NoOrder,
}

/// One order line as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedItem {
    /// The product words as written (trimmed, filler removed), e.g. "chamal 25 kg".
    pub phrase: String,
    /// Exact decimal, serialized as a string ("2.5"); `None` when the message has none.
    pub quantity: Option<Decimal>,
    /// The canonical unit of the quantity; `None` means packs of the product.
    pub unit: Option<Unit>,
    /// The kind of pack the quantity's packaging word names ("2 bora" → sack, "5 strip" →
    /// strip); `None` when it names none (a plain number, "kg", "dozen").
    pub pack: Option<Pack>,
    /// Byte offsets `[start, end)` of the item in the original text.
    pub span: [usize; 2],
    /// A pack size written in the phrase ("25 kg" in "chamal 25 kg 2 bora"), for the matcher.
    pub size: Option<Size>,
    /// A price written with the item ("Rs 50 wala"): never the quantity, may help matching.
    pub price: Option<Decimal>,
}

/// A pack size written inside a phrase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Size {
    pub amount: Decimal,
    pub unit: Unit,
}

/// Something the parser could not read, with a reason the retailer can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub text: String,
    /// The reason in English (for `khaacho parse`); conversations word `kind` in the
    /// retailer's language.
    pub reason: String,
    pub kind: ProblemKind,
}

/// What was wrong, for wording it in any language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemKind {
    /// A quantity with no product ("10 kg" alone).
    NoProduct {
        written: String,
    },
    /// A number that has no one exact value ("1/3", "2-3 kg").
    Unreadable {
        written: String,
    },
    /// Two amounts that could each be the quantity.
    SeveralQuantities {
        written: Vec<String>,
    },
    NoQuantity,
    Zero,
    TooLarge {
        written: String,
    },
}

/// Parses a message with the built-in lexicon.
pub fn parse_message(text: &str) -> ParsedMessage {
    // The default lexicon is immutable data, built once on first use.
    static DEFAULT: OnceLock<Lexicon> = OnceLock::new();
    parse_message_with(text, DEFAULT.get_or_init(Lexicon::default))
}

/// Parses a message with a given lexicon (e.g. the default one plus regional words).
pub fn parse_message_with(text: &str, lexicon: &Lexicon) -> ParsedMessage {
    let mut message = parse_plain(text, lexicon);
    take_elided_products(text, &mut message, lexicon);
    message
}

/// "chini 1 kg 20 packet ra 50 kg 1 bora": an amount with no product right after an item is
/// more of the same product; it becomes an item of that product's words when it reads as one
/// clean item with them. Otherwise it stays a "which product?" problem.
fn take_elided_products(text: &str, message: &mut ParsedMessage, lexicon: &Lexicon) {
    let problems = std::mem::take(&mut message.problems);
    for problem in problems {
        let elided = matches!(problem.kind, ProblemKind::NoProduct { .. })
            .then(|| message.items.last())
            .flatten()
            .and_then(|prev| elided_item(text, prev, &problem.text, lexicon));
        match (elided, message.items.last_mut()) {
            // "basmati rice 1 kg, 10 packets": the amount before was the size of each packet.
            (Some(item), Some(prev)) if is_count_of_sized(prev, &item) => {
                prev.size = prev
                    .quantity
                    .zip(prev.unit)
                    .map(|(amount, unit)| Size { amount, unit });
                prev.quantity = item.quantity;
                prev.unit = item.unit;
                prev.pack = item.pack;
                prev.span[1] = item.span[1];
            }
            (Some(item), _) => message.items.push(item),
            (None, _) => message.problems.push(problem),
        }
    }
}

/// An item weighed or measured ("1 kg") followed by a bare count of packs ("10 packets").
fn is_count_of_sized(prev: &ParsedItem, count: &ParsedItem) -> bool {
    prev.size.is_none()
        && prev.unit.is_some_and(Unit::is_measure)
        && count.size.is_none()
        && !count.unit.is_some_and(Unit::is_measure)
}

fn elided_item(
    text: &str,
    prev: &ParsedItem,
    orphan: &str,
    lexicon: &Lexicon,
) -> Option<ParsedItem> {
    let start = prev.span[1] + text.get(prev.span[1]..)?.find(orphan)?;
    let words = lexicon.without_sizes(&prev.phrase);
    if words.chars().any(char::is_numeric) {
        return None;
    }
    let read = parse_plain(&format!("{words} {orphan}"), lexicon);
    match (read.items.as_slice(), read.problems.is_empty()) {
        ([item], true) if item.quantity.is_some() => Some(ParsedItem {
            span: [start, start + orphan.len()],
            ..item.clone()
        }),
        _ => None,
    }
}

fn parse_plain(text: &str, lexicon: &Lexicon) -> ParsedMessage {
    let tokens = tokens::tokenize(text, lexicon);
    let segments = split::segments(text, &tokens);
    let read: Vec<Vec<Elem>> = segments
        .iter()
        .map(|seg| elements::read_segment(text, &tokens, seg))
        .collect();
    let src = Source {
        text,
        tokens: &tokens,
    };
    let mut message = ParsedMessage {
        kind: MessageKind::NoOrder,
        items: Vec::new(),
        problems: Vec::new(),
        questions: Vec::new(),
    };
    for elems in join_neighbours(&src, read) {
        for outcome in item::outcomes(&src, &elems) {
            add_outcome(&mut message, outcome);
        }
    }
    if !message.items.is_empty() {
        message.kind = MessageKind::Order;
    }
    message
}

fn add_outcome(message: &mut ParsedMessage, outcome: Outcome) {
    match outcome {
        Outcome::Item(item, problem) => {
            message.items.push(item);
            message.problems.extend(problem);
        }
        Outcome::Orphan(problem) | Outcome::Unreadable(problem) => message.problems.push(problem),
        Outcome::Question(text) => message.questions.push(text),
        Outcome::Nothing => {}
    }
}

/// What a segment holds, for joining neighbours.
struct Shape {
    content: bool,
    amount: bool,
    question: bool,
    colon_end: bool,
}

fn shape(src: &Source<'_>, elems: &[Elem]) -> Shape {
    let last_marker = elems.iter().rev().find(|e| {
        !matches!(
            e.kind,
            ElemKind::Noise | ElemKind::Filler | ElemKind::Social
        )
    });
    Shape {
        content: elems.iter().any(|e| e.kind == ElemKind::Content),
        amount: elems.iter().any(|e| matches!(e.kind, ElemKind::Amount(_))),
        question: elems
            .iter()
            .any(|e| matches!(e.kind, ElemKind::Question { .. })),
        colon_end: last_marker.is_some_and(|e| src.tokens[e.last].kind == TokKind::Punct(':')),
    }
}

/// A product on one line and its quantity on the next ("Rice\n10 kg", "10 kg\nrice") are one
/// item; a heading line ("Order list:", "Saman:") before items is dropped.
fn join_neighbours(src: &Source<'_>, segments: Vec<Vec<Elem>>) -> Vec<Vec<Elem>> {
    let mut out: Vec<Vec<Elem>> = Vec::with_capacity(segments.len());
    for elems in segments {
        let Some(prev) = out.last_mut() else {
            out.push(elems);
            continue;
        };
        let (a, b) = (shape(src, prev), shape(src, &elems));
        let plain = !a.question && !b.question;
        let complements = (a.content && !a.amount && b.amount && !b.content)
            || (a.amount && !a.content && b.content && !b.amount);
        if plain && complements {
            prev.extend(elems);
        } else if plain && a.colon_end && a.content && !a.amount && b.content {
            *prev = elems;
        } else {
            out.push(elems);
        }
    }
    out
}

#[cfg(test)]
mod tests;
