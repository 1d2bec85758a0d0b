//! Splitting a message into segments, each holding one item or more written together.
//!
//! Owns the separators: line breaks, `,` `;` `।` `|` `+` `!` `?`, a sentence-ending `.`, the words
//! "ra", "र", "ani", and "and"/"&" unless they join a brand name ("Fair & Lovely 5"). It
//! drops list markers ("1.", "2)", "(3)") so their digits are never read as quantities.
//! Items written on one line without separators are split later, in `item`.

use super::lexicon::{NumberKind, WordInfo, role};
use super::numbers::NumLit;
use super::tokens::{TokKind, Token};

/// The token indices of one segment, in order (separators and list markers left out).
pub(crate) type Segment = Vec<usize>;

/// Splits the tokens of `text` into segments.
pub(crate) fn segments(text: &str, tokens: &[Token]) -> Vec<Segment> {
    let mut ctx = Ctx {
        text,
        tokens,
        ahead: Vec::new(),
    };
    ctx.ahead = ctx.numbers_ahead();
    let mut out = Vec::new();
    let mut current = Current::default();
    let mut line_start = true;
    let mut i = 0;
    while i < tokens.len() {
        if line_start {
            line_start = false;
            if let Some(next) = ctx.list_marker(i) {
                i = next;
                continue;
            }
        }
        if tokens[i].kind == TokKind::Break {
            line_start = true;
        }
        if matches!(tokens[i].kind, TokKind::Punct('?' | '？')) {
            // A question ends where it is asked; the '?' stays with it.
            current.push(i, false);
            current.flush(&mut out);
        } else if ctx.separates(i, current.has_number) {
            current.flush(&mut out);
        } else {
            current.push(i, ctx.is_number(i));
        }
        i += 1;
    }
    current.flush(&mut out);
    out
}

/// The segment being built, and whether it holds a number yet (for "and").
#[derive(Default)]
struct Current {
    tokens: Segment,
    has_number: bool,
}

impl Current {
    fn push(&mut self, i: usize, number: bool) {
        self.tokens.push(i);
        self.has_number |= number;
    }

    fn flush(&mut self, out: &mut Vec<Segment>) {
        if !self.tokens.is_empty() {
            out.push(std::mem::take(&mut self.tokens));
        }
        self.has_number = false;
    }
}

struct Ctx<'a> {
    text: &'a str,
    tokens: &'a [Token],
    /// `ahead[k]`: a number stands at or after `k` before the next hard boundary.
    ahead: Vec<bool>,
}

impl Ctx<'_> {
    /// One backward pass, so deciding each "and" stays linear in the message length.
    fn numbers_ahead(&self) -> Vec<bool> {
        let mut ahead = vec![false; self.tokens.len() + 1];
        for k in (0..self.tokens.len()).rev() {
            ahead[k] = !self.is_hard_boundary(k) && (self.is_number(k) || ahead[k + 1]);
        }
        ahead
    }

    fn word(&self, i: usize) -> Option<&str> {
        let t = self.tokens.get(i)?;
        (t.kind == TokKind::Word).then(|| &self.text[t.start..t.end])
    }

    fn info(&self, i: usize) -> Option<WordInfo> {
        self.tokens.get(i).and_then(|t| t.info)
    }

    fn word_has(&self, i: usize, role: u16) -> bool {
        self.info(i).is_some_and(|info| info.has(role))
    }

    fn punct(&self, i: usize) -> Option<char> {
        match self.tokens.get(i)?.kind {
            TokKind::Punct(c) => Some(c),
            _ => None,
        }
    }

    fn separates(&self, i: usize, number_before: bool) -> bool {
        match self.tokens[i].kind {
            TokKind::Break => true,
            TokKind::Punct(',' | ';' | '।' | '॥' | '|' | '+' | '!') => true,
            TokKind::Punct('.') => self.ends_sentence(i),
            TokKind::Punct('/') => self.stands_alone(i),
            TokKind::Punct('&') => self.soft_split(i, number_before),
            TokKind::Word if self.word_has(i, role::SPLIT) => !self.joins_half(i),
            TokKind::Word if self.word_has(i, role::SPLIT_SOFT) => {
                !self.joins_half(i) && self.soft_split(i, number_before)
            }
            _ => false,
        }
    }

    /// "Rs. 50" and "Qty. 10" keep their dot, and so does a unit before its count
    /// ("1ltr. x 12"); otherwise ". " ends an item.
    fn ends_sentence(&self, i: usize) -> bool {
        let keeps = role::PRICE_BEFORE | role::MARKER;
        if i > 0 && self.word_has(i - 1, keeps) {
            return false;
        }
        let after_unit = i > 0 && self.info(i - 1).is_some_and(|info| info.unit.is_some());
        let count_follows = matches!(
            self.tokens.get(i + 1).map(|t| &t.kind),
            Some(TokKind::Num(_) | TokKind::Punct('×' | ':' | '-' | '='))
        ) || self.word_has(i + 1, role::MARKER);
        !(after_unit && count_follows)
    }

    /// "rice 10 / dal 5" separates; "1/2" never reaches here (it is one number).
    fn stands_alone(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        let next_glued = self.tokens.get(i + 1).is_some_and(|n| n.glued);
        !t.glued && !next_glued
    }

    /// "ek ra aadha kg", "one and a half": the conjunction is inside one number.
    fn joins_half(&self, i: usize) -> bool {
        let before = i > 0 && self.is_number(i - 1);
        let mut j = i + 1;
        if matches!(self.word(j).map(str::to_lowercase).as_deref(), Some("a")) {
            j += 1;
        }
        let half = self
            .info(j)
            .and_then(|info| info.number)
            .is_some_and(|n| n.value == rust_decimal::Decimal::new(5, 1));
        before && half
    }

    /// "and"/"&" separate two items, except in a name followed by its quantity:
    /// "Fair & Lovely 5" (no number before, a number after) stays one item.
    fn soft_split(&self, i: usize, number_before: bool) -> bool {
        number_before || !self.number_ahead(i + 1)
    }

    fn number_ahead(&self, from: usize) -> bool {
        self.ahead.get(from).copied().unwrap_or(false)
    }

    fn is_hard_boundary(&self, k: usize) -> bool {
        matches!(
            self.tokens[k].kind,
            TokKind::Break | TokKind::Punct(',' | ';' | '।' | '|' | '+')
        ) || self.word_has(k, role::SPLIT)
    }

    fn is_number(&self, k: usize) -> bool {
        match &self.tokens[k].kind {
            TokKind::Num(NumLit::Value { .. }) => true,
            TokKind::Word => self
                .info(k)
                .and_then(|info| info.number)
                .is_some_and(|n| !n.ambiguous && n.kind != NumberKind::Scale),
            _ => false,
        }
    }

    /// "1." / "2)" / "(3)" / "4-" at the start of a line: returns the index after it.
    fn list_marker(&self, i: usize) -> Option<usize> {
        if self.punct(i) == Some('(') && self.small_integer(i + 1) && self.punct(i + 2) == Some(')')
        {
            return Some(i + 3);
        }
        if !self.small_integer(i) {
            return None;
        }
        let after = self.tokens.get(i + 2)?;
        if after.kind == TokKind::Break {
            return None;
        }
        let glued_punct = self.tokens.get(i + 1).is_some_and(|t| t.glued);
        match self.punct(i + 1) {
            Some('.' | ')') if glued_punct => Some(i + 2),
            Some('-') if glued_punct && !after.glued && self.number_ahead(i + 2) => Some(i + 2),
            _ => None,
        }
    }

    fn small_integer(&self, i: usize) -> bool {
        matches!(
            self.tokens.get(i).map(|t| &t.kind),
            Some(TokKind::Num(NumLit::Value { value, integer: true, .. })) if *value < rust_decimal::Decimal::from(100)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsing::tokens::tokenize;

    fn texts(text: &str) -> Vec<String> {
        let lexicon = crate::parsing::Lexicon::default();
        let tokens = tokenize(text, &lexicon);
        segments(text, &tokens)
            .iter()
            .map(|seg| {
                seg.iter()
                    .map(|&k| &text[tokens[k].start..tokens[k].end])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn lines_commas_and_ra_separate_items() {
        assert_eq!(
            texts("chini 5 kg ra tel 2 botal, dal 1\nnun 2"),
            ["chini 5 kg", "tel 2 botal", "dal 1", "nun 2"]
        );
    }

    #[test]
    fn numbered_list_markers_are_not_quantities() {
        assert_eq!(
            texts("1. rice 10\n2) sugar 5\n(3) dal 2"),
            ["rice 10", "sugar 5", "dal 2"]
        );
    }

    #[test]
    fn and_inside_a_brand_name_does_not_split() {
        assert_eq!(texts("Fair & Lovely 5"), ["Fair & Lovely 5"]);
        assert_eq!(texts("rice 10 and dal 5"), ["rice 10", "dal 5"]);
        assert_eq!(texts("rice and dal"), ["rice", "dal"]);
    }

    #[test]
    fn a_price_abbreviation_keeps_its_dot() {
        assert_eq!(
            texts("Rs. 50 wala chips 6. dal 2"),
            ["Rs . 50 wala chips 6", "dal 2"]
        );
    }

    #[test]
    fn one_and_a_half_is_not_split() {
        assert_eq!(texts("ek ra aadha kg chini"), ["ek ra aadha kg chini"]);
    }
}
