//! One normalization for both sides: catalog text when indexing, shopkeeper text when matching.
//!
//! NFC, case folding, Latin diacritics stripped, Devanagari transliterated and its digits read,
//! words split from numbers ("500gm" → 500 gm), sizes pulled out as sizes, and every word given
//! a *key* that folds romanized-Nepali spelling variants (aa/a, ee/i, oo/u, w/v, chh/ch, sh/s,
//! ph/f, aspirates, c/k, doubled letters). Equal keys are a free match; typos are measured on
//! keys (see `spelling`). It must stay total: any `&str` gives an answer, and long inputs are cut, not rejected.

use super::devanagari::{ascii_digit, is_devanagari, transliterate};
use super::size::{Size, parse_number, unit_of};
use super::spelling::{fold, split_genitive, word};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Only this many characters of a phrase are read: a product phrase is a few words, and a
/// pasted essay must not cost more than a phrase.
const MAX_CHARS: usize = 512;
/// Only this many words of a phrase are kept, for the same reason.
const MAX_WORDS: usize = 32;

/// What a token is: letters (any script) or a number that was not part of a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Number,
}

/// One token of normalized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// Lowercase Latin spelling (transliterated for Devanagari), or the number as written.
    pub surface: String,
    /// The folded key that matching compares: spelling variants collapse to one key.
    pub key: String,
    pub kind: Kind,
}

impl Token {
    /// Length of the word as written, which sets its typo budget.
    pub(crate) fn len_chars(&self) -> usize {
        self.surface.chars().count()
    }
}

/// A normalized phrase: its words and numbers, the sizes it names, and the forms under which
/// it could be a product code.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Analyzed {
    pub tokens: Vec<Token>,
    pub sizes: Vec<Size>,
    pub code_keys: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Latin,
    Deva,
    Digit,
    Other,
}

/// Normalizes a phrase or a catalog field.
pub(crate) fn analyze(text: &str) -> Analyzed {
    let text: String = text.chars().take(MAX_CHARS).nfc().collect();
    let lower = text.to_lowercase();
    let raw = segment(&lower);
    let (tokens, sizes) = read_sizes(raw);
    Analyzed {
        tokens,
        sizes,
        code_keys: code_keys(&lower),
    }
}

/// Splits lowercase NFC text into runs of one class (Latin letters, Devanagari, digits, other
/// letters); everything else separates. Apostrophes inside a word join ("lay's" → "lays").
fn segment(lower: &str) -> Vec<(Class, String)> {
    let chars: Vec<char> = lower.chars().collect();
    let mut runs: Vec<(Class, String)> = Vec::new();
    let mut current: Option<(Class, String)> = None;
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let Some((class, ch)) = classify(c, prev, next) else {
            if !is_joiner(c, prev, next) {
                runs.extend(current.take());
            }
            continue;
        };
        match &mut current {
            Some((cls, s)) if *cls == class => s.push(ch),
            _ => {
                runs.extend(current.take());
                current = Some((class, ch.to_string()));
            }
        }
    }
    runs.extend(current);
    runs
}

/// The class of a character and the character to keep, or `None` for a separator.
fn classify(c: char, prev: Option<char>, next: Option<char>) -> Option<(Class, char)> {
    if let Some(d) = ascii_digit(c) {
        return Some((Class::Digit, d));
    }
    if c.is_ascii_digit() {
        return Some((Class::Digit, c));
    }
    if c == '.' && prev.is_some_and(is_any_digit) && next.is_some_and(is_any_digit) {
        return Some((Class::Digit, '.'));
    }
    if is_devanagari(c) {
        return (!matches!(c, '।' | '॥' | '॰')).then_some((Class::Deva, c));
    }
    if c.is_ascii_alphabetic() {
        return Some((Class::Latin, c));
    }
    if c.is_alphabetic() {
        return Some(latin_base(c).map_or((Class::Other, c), |b| (Class::Latin, b)));
    }
    None
}

/// A character that neither separates nor is kept: apostrophes inside a word and combining
/// marks left over after NFC.
fn is_joiner(c: char, prev: Option<char>, next: Option<char>) -> bool {
    let apostrophe = matches!(c, '\'' | '’' | 'ʼ' | '`');
    let inside = prev.is_some_and(char::is_alphabetic) && next.is_some_and(char::is_alphabetic);
    (apostrophe && inside) || is_combining_mark(c)
}

fn is_any_digit(c: char) -> bool {
    c.is_ascii_digit() || ascii_digit(c).is_some()
}

/// The plain ASCII letter under an accented Latin letter ("é" → "e"), if there is one.
fn latin_base(c: char) -> Option<char> {
    let mut base = None;
    decompose_canonical(c, |d| {
        if base.is_none() {
            base = Some(d);
        }
    });
    base.filter(char::is_ascii_alphabetic)
}

/// Turns runs into tokens and takes sizes out: "500 gm", "0.5kg", "2 x 200 g" (= 400 g).
fn read_sizes(runs: Vec<(Class, String)>) -> (Vec<Token>, Vec<Size>) {
    let toks: Vec<Token> = runs
        .into_iter()
        .map(to_token)
        .filter(|t| !t.surface.is_empty())
        .take(MAX_WORDS)
        .collect();
    let toks = split_genitive(toks);
    let mut tokens = Vec::with_capacity(toks.len());
    let mut sizes = Vec::new();
    let mut i = 0;
    while let Some(tok) = toks.get(i) {
        if let Some((size, used)) = size_at(&toks, i) {
            sizes.push(size);
            i += used;
        } else {
            tokens.push(tok.clone());
            i += 1;
        }
    }
    (tokens, sizes)
}

/// A size starting at token `i`, and how many tokens it used.
fn size_at(toks: &[Token], i: usize) -> Option<(Size, usize)> {
    let number = |j: usize| {
        toks.get(j)
            .filter(|t| t.kind == Kind::Number)
            .and_then(|t| parse_number(&t.surface))
    };
    let unit = |j: usize| {
        toks.get(j)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.surface.as_str())
    };
    let first = number(i)?;
    if unit(i + 1) == Some("x")
        && let (Some(each), Some(u)) = (number(i + 2), unit(i + 3))
        && let Some(size) = first.checked_mul(each).and_then(|t| Size::new(t, &fold(u)))
    {
        return Some((size, 4));
    }
    let u = unit(i + 1)?;
    let u = if unit_of(u).is_some() {
        u.to_string()
    } else {
        fold(u) // "keelo", "graam"
    };
    Size::new(first, &u).map(|s| (s, 2))
}

fn to_token((class, text): (Class, String)) -> Token {
    match class {
        Class::Digit => {
            let surface = text.trim_matches('.').to_string();
            let key = parse_number(&surface).map_or_else(|| surface.clone(), |d| d.to_string());
            Token {
                surface,
                key,
                kind: Kind::Number,
            }
        }
        Class::Deva => word(transliterate(&text)),
        Class::Latin => word(text),
        Class::Other => Token {
            key: text.clone(),
            surface: text,
            kind: Kind::Word,
        },
    }
}

/// The forms under which a phrase could be a product code: the whole phrase and each
/// whitespace-separated chunk, reduced to ASCII letters and digits ("RICE-1KG" → "rice1kg").
fn code_keys(lower: &str) -> Vec<String> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter_map(|c| ascii_digit(c).or(Some(c)))
            .filter(char::is_ascii_alphanumeric)
            .collect()
    };
    let mut keys = vec![squash(lower)];
    if lower.split_whitespace().nth(1).is_some() {
        keys.extend(lower.split_whitespace().map(squash));
    }
    keys.retain(|k| k.len() >= 2);
    keys.sort();
    keys.dedup();
    keys
}

/// The code key of a SKU as stored in the catalog.
pub(crate) fn code_key(sku: &str) -> String {
    sku.to_lowercase()
        .chars()
        .filter_map(|c| ascii_digit(c).or(Some(c)))
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        analyze(text).tokens.into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn devanagari_and_romanized_forms_meet_on_one_key() {
        assert_eq!(keys("चामल"), keys("chamal"));
        assert_eq!(keys("चिनी"), keys("cheeni"));
        assert_eq!(keys("तेल"), keys("tel"));
        assert_eq!(keys("बिस्कुट"), keys("biskut"));
    }

    #[test]
    fn nfc_and_nfd_input_read_the_same() {
        let nfd: String = "चामल café".nfd().collect();
        assert_eq!(analyze(&nfd), analyze("चामल café"));
        assert_eq!(keys("Café"), vec!["kafe"]);
    }

    #[test]
    fn case_does_not_matter() {
        assert_eq!(analyze("AMUL Butter"), analyze("amul butter"));
    }

    #[test]
    fn sizes_are_read_in_any_spelling_and_script() {
        let a = analyze("chamal 25 kg");
        assert_eq!(a.sizes, analyze("चामल २५ किलो").sizes);
        assert_eq!(keys("chamal 25 kg"), vec!["camal"]);
        assert_eq!(analyze("500g").sizes, analyze("0.5 kg").sizes);
        assert_eq!(analyze("500 gm").sizes, analyze("500gm").sizes);
        assert_ne!(analyze("1kg").sizes, analyze("5kg").sizes);
        assert_eq!(analyze("2x200 gm").sizes, analyze("400 g").sizes);
    }

    #[test]
    fn a_misspelled_unit_that_folds_to_a_unit_is_a_unit() {
        assert_eq!(analyze("5 keelo").sizes, analyze("5 kg").sizes);
    }

    #[test]
    fn a_number_without_a_unit_stays_a_number() {
        let a = analyze("Britannia 50-50");
        assert!(a.sizes.is_empty());
        assert_eq!(
            a.tokens.iter().filter(|t| t.kind == Kind::Number).count(),
            2
        );
    }

    #[test]
    fn a_code_is_read_without_case_or_separators() {
        assert!(
            analyze("RICE-1KG")
                .code_keys
                .contains(&"rice1kg".to_string())
        );
        assert_eq!(code_key("RICE-1KG"), "rice1kg");
        assert!(
            analyze("send RICE_1KG")
                .code_keys
                .contains(&"rice1kg".to_string())
        );
    }

    #[test]
    fn apostrophes_join_and_punctuation_separates() {
        assert_eq!(keys("Lay's"), vec!["lays"]);
        assert_eq!(keys("hand-wash"), vec!["hand", "vas"]);
    }

    #[test]
    fn emoji_control_characters_and_huge_inputs_are_harmless() {
        assert!(analyze("🍚🍚\u{0}\u{7}").tokens.is_empty());
        let big = "chamal ".repeat(2000);
        assert!(analyze(&big).tokens.len() <= MAX_WORDS);
        assert!(analyze("").tokens.is_empty());
    }
}
