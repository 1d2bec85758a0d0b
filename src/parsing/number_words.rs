//! Reading a number where it stands: digits, number words in three languages ("das",
//! "twenty five", "दुई सय"), fractions after a whole number ("1 1/2", "one and a half") and
//! prefixes ("saadhe tin" = 3.5, "sawa kilo" = 1.25).
//!
//! Owns the rule that an ambiguous number word ("tin", "a", "chha") is a number only right
//! before a unit. It never reads a unit or decides what the number is for.

use rust_decimal::Decimal;

use super::super::lexicon::{NumberKind, role};
use super::super::numbers::NumLit;
use super::super::tokens::TokKind;
use super::Reader;

/// A number read from one or more tokens.
pub(super) struct Number {
    pub value: Decimal,
    pub next: usize,
    /// "euta", "duiwota": the number word already means pieces.
    pub pieces: bool,
}

impl Reader<'_> {
    /// A number from digits or number words, with fractions and prefixes combined.
    pub(super) fn read_number(&self, i: usize) -> Option<Number> {
        let token = self.token(i)?;
        let number = match &token.kind {
            TokKind::Num(NumLit::Value { value, .. }) => Number {
                value: *value,
                next: i + 1,
                pieces: false,
            },
            TokKind::Word => self.read_number_words(i)?,
            _ => return None,
        };
        Some(self.with_fraction_tail(number))
    }

    /// "1 1/2", "2 ½", "1 and a half", "ek ra aadha": a fraction after a whole number.
    fn with_fraction_tail(&self, number: Number) -> Number {
        let j = number.next;
        if let Some(TokKind::Num(NumLit::Value {
            value,
            fraction: true,
            ..
        })) = self.token(j).map(|t| &t.kind)
            && number.value.fract().is_zero()
        {
            return Number {
                value: number.value + value,
                next: j + 1,
                ..number
            };
        }
        if self.has(j, role::SPLIT | role::SPLIT_SOFT) {
            let k = if self
                .word(j + 1)
                .is_some_and(|w| w.eq_ignore_ascii_case("a"))
            {
                j + 2
            } else {
                j + 1
            };
            if self.number_value(k) == Some(Decimal::new(5, 1)) {
                return Number {
                    value: number.value + Decimal::new(5, 1),
                    next: k + 1,
                    ..number
                };
            }
        }
        number
    }

    fn number_value(&self, i: usize) -> Option<Decimal> {
        self.info(i)?
            .number
            .filter(|n| n.kind == NumberKind::Value)
            .map(|n| n.value)
    }

    /// Number words: "das", "twenty five", "dui saya", "saadhe tin", "sawa", "a dozen".
    /// Ambiguous words ("tin", "a", "chha") are numbers only right before a unit.
    fn read_number_words(&self, i: usize) -> Option<Number> {
        let info = self.info(i)?;
        let word = info.number?;
        let pieces = info.has(role::COUNTED);
        match word.kind {
            NumberKind::Prefix => self.read_prefixed(i, word.value),
            _ if word.ambiguous && self.unit_at(i + 1).is_none() => None,
            NumberKind::Scale => Some(self.scaled(i, word.value, false)),
            NumberKind::Value => {
                let (value, next) = self.compound(i, word.value);
                let value = if self.word(next).is_some_and(|w| matches!(w, "a" | "an"))
                    && self.unit_at(next + 1).is_some()
                {
                    // "half a dozen": the article is part of the number.
                    return Some(Number {
                        value,
                        next: next + 1,
                        pieces,
                    });
                } else {
                    value
                };
                Some(self.scaled(next - 1, value, pieces))
            }
        }
    }

    /// "twenty five": a tens word followed by a ones word adds up.
    fn compound(&self, i: usize, value: Decimal) -> (Decimal, usize) {
        let tens =
            value >= Decimal::from(20) && value < Decimal::from(100) && value.fract().is_zero();
        if tens
            && let Some(ones) = self.number_value(i + 1)
            && ones >= Decimal::ONE
            && ones < Decimal::TEN
            && ones.fract().is_zero()
        {
            return (value + ones, i + 2);
        }
        (value, i + 1)
    }

    /// Applies "hundred"/"saya"/"hajar" after the number ending at `last`.
    fn scaled(&self, last: usize, mut value: Decimal, pieces: bool) -> Number {
        let mut next = last + 1;
        while let Some(scale) = self
            .info(next)
            .and_then(|info| info.number)
            .filter(|n| n.kind == NumberKind::Scale)
        {
            value *= scale.value;
            next += 1;
        }
        Number {
            value,
            next,
            pieces,
        }
    }

    /// "saadhe tin" = 3.5, "sawa dui" = 2.25, "paune dui" = 1.75; alone, "sawa" = 1.25 and
    /// "paune" = 0.75 ("sawa kilo"), while "saadhe" alone means nothing.
    fn read_prefixed(&self, i: usize, add: Decimal) -> Option<Number> {
        let base = self.token(i + 1).and_then(|t| match &t.kind {
            TokKind::Num(NumLit::Value { value, .. }) => Some(*value),
            TokKind::Word => self.number_value(i + 1),
            _ => None,
        });
        let pieces = false;
        match base {
            Some(base) if base >= Decimal::ONE => Some(Number {
                value: base + add,
                next: i + 2,
                pieces,
            }),
            _ if add == Decimal::new(5, 1) => None,
            _ => Some(Number {
                value: Decimal::ONE + add,
                next: i + 1,
                pieces,
            }),
        }
    }
}
