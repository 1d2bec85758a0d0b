//! From a shopkeeper's order text to the priced preview they confirm: the one function that
//! the WhatsApp conversation, `POST /api/v1/orders/preview`, the console's order-from-a-message
//! and `khaacho preview` all call, so they can never disagree.
//!
//! Each written item is parsed, matched to a product *family* (one product in its packs), and
//! the pack is chosen from what the message says (size, pack word, amount); anything the
//! message leaves open is asked, listing only candidates consistent with it. A line is priced
//! only for the size and pack written, or for a conversion of the same amount shown as one.
//! Reading writes nothing.

mod packs;
mod price;
mod resolve;
pub mod service;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::matching::{MatchContext, MatchEngine};
use crate::parsing::{Pack, ProblemKind, TraditionalUnits, Unit};
use crate::storage::{StoreError, Tx};

pub use crate::messaging::kinds::{AskWhy, Conversion, LineProblem, SoldBy};
pub use price::{Entry, NotAdded, Preview, PreviewLine, Question, QuestionOption, blocked, price};

/// Reads and prices an order text for a retailer in one go, writing nothing: what the shop
/// would see on WhatsApp.
pub fn preview(
    tx: &impl Tx,
    text: &str,
    retailer: &crate::retailers::Retailer,
    reader: &Reader<'_>,
    rules: &crate::orders::Rules,
    lang: crate::retailers::Language,
) -> Result<Preview, StoreError> {
    let lines = read_lines(tx, text, reader)?;
    price(tx, &lines, retailer, rules, reader.units, lang)
}

/// What reading an order text needs: the matcher (with the catalog's vocabulary), the
/// retailer's past orders (they lift what the shop usually buys) and the pau/dharni table.
pub struct Reader<'a> {
    pub matcher: &'a MatchEngine,
    pub history: Option<&'a std::collections::HashMap<u64, u32>>,
    pub units: &'a TraditionalUnits,
}

/// A preview waiting for CONFIRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub lines: Vec<PendingLine>,
    #[serde(with = "crate::storage::ts")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One line of a preview: what the retailer wrote and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingLine {
    pub phrase: String,
    pub state: LineState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LineState {
    /// A product and a whole number of its packs.
    Ready {
        product_id: u64,
        sku: String,
        name: String,
        packs: u32,
        /// How the written amount became packs ("2 kg = 4 × 500 g"), when it was not packs.
        conversion: Option<Conversion>,
    },
    /// A question: which of these? The written amount is kept for the answer.
    Ask {
        options: Vec<Choice>,
        why: AskWhy,
        written: Written,
    },
    /// Cannot be ordered as written; the problem says what to do.
    Unavailable { problem: LineProblem },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Choice {
    pub product_id: u64,
    pub sku: String,
    pub name: String,
}

/// The amount as written, kept with a question so the answer is converted the same way.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Written {
    /// Exact decimal as text ("2.5").
    pub quantity: Option<String>,
    pub unit: Option<Unit>,
    pub pack: Option<Pack>,
    /// A pack size written in the phrase ("1 kg" in "horlicks 1kg 2"), as amount and unit.
    pub size: Option<(String, Unit)>,
}

impl Written {
    pub(crate) fn quantity(&self) -> Option<Decimal> {
        self.quantity.as_deref().and_then(|q| q.parse().ok())
    }

    pub(crate) fn size(&self) -> Option<(Decimal, Unit)> {
        let (amount, unit) = self.size.as_ref()?;
        Some((amount.parse().ok()?, *unit))
    }
}

impl Pending {
    /// The products and packs that would be ordered now.
    pub fn ready(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.lines.iter().filter_map(|l| match &l.state {
            LineState::Ready {
                product_id, packs, ..
            } => Some((*product_id, *packs)),
            _ => None,
        })
    }

    /// The first line still waiting for an answer.
    pub fn first_question(&self) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| matches!(l.state, LineState::Ask { .. }))
    }
}

/// Reads an order text into preview lines, writing nothing.
pub fn read_lines(
    tx: &impl Tx,
    text: &str,
    reader: &Reader<'_>,
) -> Result<Vec<PendingLine>, StoreError> {
    let lexicon = reader.matcher.lexicon();
    let parsed = crate::parsing::parse_message_with(text, &lexicon);
    let mut out = Vec::with_capacity(parsed.items.len());
    for item in &parsed.items {
        let problem = parsed
            .problems
            .iter()
            .find(|p| p.text == item.phrase || p.text.contains(&item.phrase));
        let state = match problem {
            // Two quantities, an unreadable one: asked before anything is matched.
            Some(p) if !matches!(p.kind, ProblemKind::NoQuantity) => LineState::Unavailable {
                problem: LineProblem::Parse(p.kind.clone()),
            },
            _ => resolve::item(tx, item, reader, &lexicon)?,
        };
        out.push(PendingLine {
            phrase: item.phrase.clone(),
            state,
        });
    }
    for p in &parsed.problems {
        let covered = parsed.items.iter().any(|i| p.text.contains(&i.phrase));
        if !covered {
            out.push(PendingLine {
                phrase: p.text.clone(),
                state: LineState::Unavailable {
                    problem: LineProblem::Parse(p.kind.clone()),
                },
            });
        }
    }
    Ok(out)
}

/// The retailer's answer to a question: option `n` (from 1), converted as the line was written.
/// `None` when there is no such option.
pub fn answer(
    tx: &impl Tx,
    line: &PendingLine,
    n: usize,
    reader: &Reader<'_>,
) -> Result<Option<LineState>, StoreError> {
    let LineState::Ask {
        options,
        why,
        written,
    } = &line.state
    else {
        return Ok(None);
    };
    let Some(choice) = n.checked_sub(1).and_then(|i| options.get(i)) else {
        return Ok(None);
    };
    let Some(product) = crate::catalog::store::product(tx, choice.product_id)? else {
        return Ok(Some(LineState::Unavailable {
            problem: LineProblem::NotFound {
                suggestions: Vec::new(),
            },
        }));
    };
    Ok(Some(answered(&product, why, written, n - 1, reader.units)))
}

/// What a question's line becomes when `product` is chosen. A size or pack the product does
/// not come in was asked about: the count is then in packs of the chosen one.
pub(crate) fn answered(
    product: &crate::catalog::Product,
    why: &AskWhy,
    written: &Written,
    option: usize,
    units: &TraditionalUnits,
) -> LineState {
    if let AskWhy::HowMany {
        written: amount,
        counts,
        ..
    } = why
    {
        return resolve::counted(product, amount, counts.get(option).copied());
    }
    let mut written = written.clone();
    if matches!(why, AskWhy::NoSuchSize { .. } | AskWhy::NoSuchPack { .. }) {
        written.size = None;
        written.pack = None;
        if matches!(written.unit, Some(u) if !u.is_measure()) {
            written.unit = None;
        }
    } else if written.size.is_some() {
        // A size was written and this product was offered for it: the count is its packs.
        written.size = None;
    }
    resolve::chosen(product, &written, units)
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
    let first = matched.candidates.first().map(|c| c.product_id);
    let before = pending.lines.len();
    pending.lines.retain(|l| {
        let named = l.phrase.to_lowercase().contains(&what_l);
        let same_product = matches!(&l.state, LineState::Ready { product_id, name, .. }
            if first == Some(*product_id) || name.to_lowercase().contains(&what_l));
        !(named || same_product)
    });
    pending.lines.len() != before
}
