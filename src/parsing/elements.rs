//! Reading the tokens of one segment as elements: amounts (a number with its unit), prices,
//! product words, markers (`x`, `:`, `qty`), connectors ("of", "ko") and filler.
//!
//! Owns what a number means where it stands: "Rs 50" is a price, "10 baje" a time,
//! "tin kg" is 3 kg but "ghee 2 tin" is two tins. It never picks which amount is the
//! quantity of an item (that is `item`) and never invents a number: every amount comes
//! from a digit or a number word in the text.

use rust_decimal::Decimal;

use super::lexicon::{WordInfo, role};
use super::numbers::NumLit;
use super::passes;
use super::tokens::{TokKind, Token};
use super::units::{Pack, Unit};

// A child module in a sibling file: it extends `Reader`, whose fields stay private here.
#[path = "number_words.rs"]
mod number_words;

/// A number and its unit, as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Amount {
    pub value: Decimal,
    pub unit: Option<Unit>,
    /// The kind of pack its unit word names ("2 bora" → sack), when it names one.
    pub pack: Option<Pack>,
    /// Pointed at by `x`, `×`, `:`, `-` or `qty`: the writer's own quantity mark.
    pub marked: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ElemKind {
    /// A product word or code.
    Content,
    Amount(Amount),
    /// A price qualifier ("Rs 50 wala"): never a quantity.
    Price(Decimal),
    /// `x`/`×` (times) or `:`/`-`/`=`/`qty` (label).
    Marker {
        times: bool,
    },
    /// "of", "ko", "wala", "&": kept inside a phrase, trimmed at its edges.
    Connector,
    /// Greetings, politeness, verbs, times ("10 baje"): never part of an item.
    Filler,
    /// A greeting or thanks ("namaste", "dhanyabad"): filler that makes a line social.
    Social,
    Question {
        strong: bool,
    },
    /// A packaging word right after a pack size ("25kg bag x 2"): the unit of the count.
    PackWord(Unit, Option<Pack>),
    /// Punctuation, emoji, bullets.
    Noise,
    /// A number that cannot be read exactly ("1/3").
    Unreadable,
}

/// One element, covering tokens `first..=last` of the message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Elem {
    pub kind: ElemKind,
    pub first: usize,
    pub last: usize,
}

/// Reads one segment (token indices, in order) into elements.
pub(crate) fn read_segment(text: &str, tokens: &[Token], segment: &[usize]) -> Vec<Elem> {
    let reader = Reader {
        text,
        tokens,
        seg: segment,
    };
    let mut elems = Vec::with_capacity(segment.len());
    let mut i = 0;
    while i < segment.len() {
        let (kind, next) = reader.read_at(i);
        elems.push(Elem {
            kind,
            first: segment[i],
            last: segment[next - 1],
        });
        i = next;
    }
    passes::mark_quantities(&mut elems);
    passes::prices_before_wala(text, tokens, &mut elems);
    passes::names_before_honorifics(tokens, &mut elems);
    passes::also_after_quantity(tokens, &mut elems);
    elems
}

struct Reader<'a> {
    text: &'a str,
    tokens: &'a [Token],
    seg: &'a [usize],
}

impl Reader<'_> {
    fn token(&self, i: usize) -> Option<&Token> {
        self.seg.get(i).map(|&k| &self.tokens[k])
    }

    fn word(&self, i: usize) -> Option<&str> {
        let t = self.token(i)?;
        matches!(t.kind, TokKind::Word).then(|| &self.text[t.start..t.end])
    }

    fn info(&self, i: usize) -> Option<WordInfo> {
        self.token(i).and_then(|t| t.info)
    }

    fn has(&self, i: usize, role: u16) -> bool {
        self.info(i).is_some_and(|info| info.has(role))
    }

    fn punct(&self, i: usize) -> Option<char> {
        match self.token(i)?.kind {
            TokKind::Punct(c) => Some(c),
            _ => None,
        }
    }

    fn read_at(&self, i: usize) -> (ElemKind, usize) {
        if let Some(found) = self.read_price(i) {
            return found;
        }
        if let Some(found) = self.read_amount(i) {
            return found;
        }
        if let Some(found) = self.read_unit_then_number(i) {
            return found;
        }
        if let Some(unit) = self.pack_word_after_size(i) {
            return (ElemKind::PackWord(unit, self.pack_at(i)), i + 1);
        }
        (self.classify(i), i + 1)
    }

    /// "25kg bag", "1 ltr botal": a packaging word right after a weight or volume.
    fn pack_word_after_size(&self, i: usize) -> Option<Unit> {
        let unit = self.info(i)?.unit.filter(|u| !u.is_measure())?;
        let before = i.checked_sub(1)?;
        let after_measure = self
            .info(before)
            .and_then(|info| info.unit)
            .is_some_and(|u| u.is_measure())
            && before
                .checked_sub(1)
                .is_some_and(|n| matches!(self.token(n).map(|t| &t.kind), Some(TokKind::Num(_))));
        after_measure.then_some(unit)
    }

    /// "Rs 50 (wala)", "रु. ५० को", "@ 80/kg", "MRP 50", "50 rupees ko", "50/-".
    fn read_price(&self, i: usize) -> Option<(ElemKind, usize)> {
        if self.has(i, role::PRICE_BEFORE) || self.punct(i) == Some('@') {
            let mut j = i + 1;
            while matches!(self.punct(j), Some('.' | ':' | '-' | '=')) {
                j += 1;
            }
            let number = self.read_number(j)?;
            return Some((ElemKind::Price(number.value), self.price_tail(number.next)));
        }
        let number = self.read_number(i)?;
        let j = number.next;
        let slash_dash = self.punct(j) == Some('/') && self.punct(j + 1) == Some('-');
        let per_unit = self.punct(j) == Some('/') && self.unit_at(j + 1).is_some();
        if self.has(j, role::PRICE_AFTER) || slash_dash || per_unit {
            return Some((ElemKind::Price(number.value), self.price_tail(j)));
        }
        None
    }

    /// Words that belong to a price after its number: "rs", "ko", "wala", "/-", "/kg",
    /// "per kg", "each".
    fn price_tail(&self, mut j: usize) -> usize {
        loop {
            let word = self.word(j).map(str::to_lowercase);
            let slash_dash = self.punct(j) == Some('/') && self.punct(j + 1) == Some('-');
            let per_unit = (self.punct(j) == Some('/') || word.as_deref() == Some("per"))
                && self.unit_at(j + 1).is_some();
            if self.has(j, role::PRICE_AFTER | role::CONNECTOR) && !self.is_of(j) {
                j += 1;
            } else if slash_dash || per_unit {
                j += 2;
            } else if word.as_deref() == Some("each") {
                j += 1;
            } else {
                return j;
            }
        }
    }

    fn is_of(&self, j: usize) -> bool {
        self.word(j).is_some_and(|w| w.eq_ignore_ascii_case("of"))
    }

    /// A number, then an optional unit: "10 kg", "१० किलो", "saadhe tin kg", "2 bora".
    /// A number followed by a time word ("10 baje", "2 din") is filler, not an amount.
    fn read_amount(&self, i: usize) -> Option<(ElemKind, usize)> {
        let number = self.read_number(i)?;
        let j = number.next;
        if self.has(j, role::TIME_AFTER) && self.unit_at(j).is_none() {
            return Some((ElemKind::Filler, j + 1));
        }
        if self.punct(j) == Some('%') {
            return Some((ElemKind::Noise, j + 1));
        }
        if let Some(end) = self.range_end(j) {
            // "2-3 kg", "5 to 6": the retailer has not decided; ask, never pick one.
            let end = self.unit_at(end).map_or(end, |(_, after)| after);
            return Some((ElemKind::Unreadable, end));
        }
        let (unit, pack, next) = match self.unit_at(j) {
            Some((unit, next)) => (Some(unit), self.pack_at(j), next),
            None if number.pieces => (Some(Unit::Pcs), Some(Pack::Piece), j),
            None => (None, None, j),
        };
        let (value, next) = match unit {
            Some(big @ (Unit::Kg | Unit::L)) => self.with_small_part(number.value, big, next),
            _ => (number.value, next),
        };
        let amount = Amount {
            value,
            unit,
            pack,
            marked: false,
        };
        Some((ElemKind::Amount(amount), next))
    }

    fn pack_at(&self, i: usize) -> Option<Pack> {
        self.info(i).and_then(|info| info.pack)
    }

    /// The end of a range after its first number: "2-3" (glued) or "5 to 6", "5 dekhi 6".
    fn range_end(&self, j: usize) -> Option<usize> {
        let glued_dash = self.punct(j) == Some('-')
            && self.token(j).is_some_and(|t| t.glued)
            && self.token(j + 1).is_some_and(|t| t.glued);
        let word = self.word(j).map(str::to_lowercase);
        let to = matches!(word.as_deref(), Some("to" | "dekhi" | "देखि" | "or" | "ki"));
        if !(glued_dash || to) {
            return None;
        }
        let second = self.read_number(j + 1)?;
        Some(second.next)
    }

    /// "1 kg 500 g" = 1.5 kg, "2 l 250 ml" = 2.25 l: a whole number of the smaller unit
    /// right after, below one of the bigger unit, is part of the same amount.
    fn with_small_part(&self, value: Decimal, big: Unit, at: usize) -> (Decimal, usize) {
        let small = if big == Unit::Kg { Unit::G } else { Unit::Ml };
        let part = match self.token(at).map(|t| &t.kind) {
            Some(TokKind::Num(NumLit::Value {
                value: v,
                integer: true,
                ..
            })) => *v,
            _ => return (value, at),
        };
        match self.unit_at(at + 1) {
            Some((u, next))
                if u == small && part < Decimal::ONE_THOUSAND && value.fract().is_zero() =>
            {
                (value + part / Decimal::ONE_THOUSAND, next)
            }
            _ => (value, at),
        }
    }

    /// "bora 2", "pkt: 5": a unit word written before its number (when the number has no
    /// unit of its own). Single letters ("g", "l") and words that are also numbers or filler
    /// ("tin", "ta", "can") are too ambiguous to lead.
    fn read_unit_then_number(&self, i: usize) -> Option<(ElemKind, usize)> {
        let info = self.info(i)?;
        let unit = info.unit?;
        let leads =
            self.word(i)?.chars().count() >= 2 && info.number.is_none() && !info.has(role::FILLER);
        if !leads {
            return None;
        }
        let mut j = i + 1;
        while matches!(self.punct(j), Some(':' | '-' | '=' | '×')) || self.has(j, role::MARKER) {
            j += 1;
        }
        let number = self.read_number(j)?;
        let mut next = number.next;
        match self.unit_at(next) {
            // "bora 2 wata": the counting word only says "pieces of" the unit before.
            Some((Unit::Pcs, after)) if self.word(next).is_some_and(is_counting_word) => {
                next = after;
            }
            Some(_) => return None,
            None if self.has(next, role::TIME_AFTER) => return None,
            None => {}
        }
        let amount = Amount {
            value: number.value,
            unit: Some(unit),
            pack: info.pack,
            marked: j > i + 1,
        };
        Some((ElemKind::Amount(amount), next))
    }

    /// A unit at `j` (one word, or "के जी"): the unit and the index after it.
    fn unit_at(&self, j: usize) -> Option<(Unit, usize)> {
        let first = self.word(j)?;
        if matches!(first, "के" | "कि") && self.word(j + 1) == Some("जी") {
            return Some((Unit::Kg, j + 2));
        }
        let unit = self.info(j)?.unit?;
        Some((unit, j + 1))
    }

    fn classify(&self, i: usize) -> ElemKind {
        let Some(token) = self.token(i) else {
            return ElemKind::Noise;
        };
        match &token.kind {
            TokKind::Code => ElemKind::Content,
            TokKind::Word => self.classify_word(i),
            TokKind::Num(NumLit::Unreadable) => ElemKind::Unreadable,
            TokKind::Num(_) | TokKind::Break => ElemKind::Noise,
            TokKind::Punct(c) => classify_punct(*c),
        }
    }

    fn classify_word(&self, i: usize) -> ElemKind {
        let long_digits = self
            .word(i)
            .is_some_and(|w| w.chars().filter(char::is_ascii_digit).count() >= 6);
        if long_digits {
            // "ORD2611250007", "INV123456": an order or invoice number, not a product.
            return ElemKind::Noise;
        }
        let Some(info) = self.info(i) else {
            return ElemKind::Content;
        };
        let after_number = i
            .checked_sub(1)
            .and_then(|b| self.token(b))
            .is_some_and(|t| matches!(t.kind, TokKind::Num(_)));
        if info.unit.is_some() && after_number {
            // The unit of a number that could not be read ("1/3 kg"): not a product word.
            return ElemKind::Noise;
        }
        if info.has(role::GOOD) {
            let greeting = self.has(i + 1, role::DAYTIME);
            return if greeting {
                ElemKind::Filler
            } else {
                ElemKind::Content
            };
        }
        if info.has(role::QUESTION) {
            return ElemKind::Question {
                strong: info.has(role::QUESTION_STRONG),
            };
        }
        if info.has(role::SPLIT | role::SPLIT_SOFT | role::CONNECTOR) {
            return ElemKind::Connector;
        }
        if info.has(role::MARKER) {
            let times = self.word(i).is_some_and(|w| w.eq_ignore_ascii_case("x"));
            return ElemKind::Marker { times };
        }
        if info.has(role::SOCIAL) {
            return ElemKind::Social;
        }
        if info.has(role::FILLER | role::PRICE_BEFORE) {
            return ElemKind::Filler;
        }
        ElemKind::Content
    }
}

/// Nepali counting words that follow any number of things: "wota", "ota", "ta", "वटा".
fn is_counting_word(word: &str) -> bool {
    matches!(
        super::lexicon::normalize(word).as_str(),
        "wota" | "wata" | "ota" | "oota" | "gota" | "ta" | "वटा" | "ओटा" | "गोटा" | "टा"
    )
}

fn classify_punct(c: char) -> ElemKind {
    match c {
        '?' | '？' => ElemKind::Question { strong: false },
        '×' | 'X' | 'x' => ElemKind::Marker { times: true },
        ':' | '-' | '–' | '—' | '=' => ElemKind::Marker { times: false },
        '&' => ElemKind::Connector,
        _ => ElemKind::Noise,
    }
}
