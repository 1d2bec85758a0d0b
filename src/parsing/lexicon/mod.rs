//! The vocabulary: units, number words, greetings and filler, question and price words.
//!
//! Owns every spelling the parser knows (English, romanized Nepali, Devanagari), kept as
//! data in `lexicon.txt`, and the one normalisation that turns a written word into a lookup
//! key. Words are matched whole, never by prefix: "Okra" is not "Ok" + "ra", "hing" is not
//! "hi". The only stems matched are verb families ("pathaidinuhola") that are never products.

use std::collections::HashMap;

use rust_decimal::Decimal;
use unicode_normalization::UnicodeNormalization;

mod load;

use super::units::{Pack, Unit};

/// Roles a word can play; one word may have several ("rs" before or after a price).
pub(crate) mod role {
    /// Greeting, politeness, verb, pronoun or other word that is never part of a product.
    pub const FILLER: u16 = 1;
    /// Always separates two items: "ra", "र", "ani".
    pub const SPLIT: u16 = 1 << 1;
    /// Separates two items unless it joins a brand name: "and", "&" ("Fair & Lovely 2").
    pub const SPLIT_SOFT: u16 = 1 << 2;
    /// Joins words without being product words: "of", "ko", "wala".
    pub const CONNECTOR: u16 = 1 << 3;
    /// Comes before a price: "Rs 50", "रु ५०", "@ 50", "MRP 50".
    pub const PRICE_BEFORE: u16 = 1 << 4;
    /// Comes after a price: "50 rupees", "५० रुपैयाँ".
    pub const PRICE_AFTER: u16 = 1 << 5;
    /// Marks the next (or previous) number as the quantity: "x", "qty".
    pub const MARKER: u16 = 1 << 6;
    /// Makes a segment a question when it carries no quantity: "what", "kaha".
    pub const QUESTION: u16 = 1 << 7;
    /// Makes a segment a question even with numbers in it: "kati", "rate", "कति".
    pub const QUESTION_STRONG: u16 = 1 << 8;
    /// After a number it is a time or a delay, not a quantity: "10 baje", "2 din".
    pub const TIME_AFTER: u16 = 1 << 9;
    /// "good" is a greeting only before "morning", "evening"...: "Good Day" is a biscuit.
    pub const GOOD: u16 = 1 << 10;
    /// "morning", "evening": a greeting word that can follow "good".
    pub const DAYTIME: u16 = 1 << 11;
    /// A number word that already means pieces: "euta" (one), "duita", "तीनवटा".
    pub const COUNTED: u16 = 1 << 12;
    /// Greetings and thanks: a line of them carries no order even with a name in it.
    pub const SOCIAL: u16 = 1 << 13;
    /// "dai", "ji", "sahuji": the one or two words before it are a name, not a product.
    pub const HONORIFIC: u16 = 1 << 14;
    /// "pani": water on its own ("pani 24 botal"), but "also" after a quantity of something
    /// else ("dal 5 kg pani chahiyo").
    pub const ALSO: u16 = 1 << 15;
}

/// How a number word contributes to a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NumberKind {
    /// A value on its own: "das" = 10, "dedh" = 1.5, "twenty" = 20.
    Value,
    /// Multiplies what came before: "hundred", "saya", "हजार".
    Scale,
    /// Adds to the next number: "sawa" +¼, "saadhe" +½, "paune" −¼ ("saadhe tin" = 3.5).
    Prefix,
}

/// A number word: its value, how it combines, and whether it doubles as an ordinary word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NumberWord {
    pub value: Decimal,
    pub kind: NumberKind,
    /// "tin" (3, or a tin), "chha" (6, or "is"), "a": a number only right before a unit.
    pub ambiguous: bool,
}

/// What the lexicon knows about one word.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct WordInfo {
    pub unit: Option<Unit>,
    /// Which kind of pack a packaging word names ("bora" → sack, "lari" → strip).
    pub pack: Option<Pack>,
    pub number: Option<NumberWord>,
    pub roles: u16,
}

impl WordInfo {
    pub fn has(&self, role: u16) -> bool {
        self.roles & role != 0
    }
}

/// The built-in word lists.
const BUILTIN: &str = include_str!("../lexicon.txt");

/// The vocabulary the parser reads with. `Lexicon::default()` holds the built-in lists.
#[derive(Debug, Clone)]
pub struct Lexicon {
    words: HashMap<String, WordInfo>,
    stems: Vec<String>,
    counting: Vec<String>,
    /// Catalog names whose words the lists would otherwise drop or split on ("aayo nun",
    /// "clinic plus"), by first word key: inside them every word is a product word.
    protected: HashMap<String, Vec<Vec<String>>>,
    /// Catalog words that start with digits ("2pm", "7up"): one product word, never a number.
    glued: std::collections::HashSet<String>,
}

/// Roles that take a word out of a phrase or cut the phrase there.
const DROPS_OR_SPLITS: u16 = role::FILLER
    | role::SOCIAL
    | role::HONORIFIC
    | role::SPLIT
    | role::SPLIT_SOFT
    | role::QUESTION
    | role::QUESTION_STRONG;

/// A line of a word list that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("word list line {line}: {reason}")]
pub struct LexiconError {
    pub line: usize,
    pub reason: String,
}

impl Default for Lexicon {
    fn default() -> Self {
        // The built-in list is checked by a test; a bad line would only be skipped.
        let (lexicon, _errors) = Lexicon::read(BUILTIN);
        lexicon
    }
}

impl Lexicon {
    /// Keeps catalog names whole: in a phrase of two or more words (a product name, brand or
    /// alias) that holds a word the lists would drop or split on ("Aayo Nun", "Clinic Plus"),
    /// the words are product words wherever they are written together. Units and number
    /// words keep their meaning ("half litre fanta" is still half a litre).
    pub fn protect_phrases<'a>(&mut self, phrases: impl IntoIterator<Item = &'a str>) {
        for phrase in phrases {
            for w in phrase.split_whitespace() {
                let key = normalize(w);
                let digits = key.find(|c: char| !c.is_ascii_digit()).unwrap_or(key.len());
                if digits > 0
                    && key[digits..].chars().all(char::is_alphabetic)
                    && digits < key.len()
                {
                    self.glued.insert(key);
                }
            }
            let words: Vec<String> = phrase
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '/'))
                .filter(|w| !w.is_empty())
                .map(normalize)
                .collect();
            if words.len() < 2 || !words.iter().any(|w| self.is_droppable(w)) {
                continue;
            }
            let list = self.protected.entry(words[0].clone()).or_default();
            if !list.contains(&words) {
                list.push(words);
            }
        }
    }

    /// A product whose name starts with a word the lists drop ("Aayo Iodised Salt": "aayo" is
    /// also "came") keeps that word before any other word of its name or aliases, so "aayo
    /// salt" is the brand and a salt, not "came: salt".
    pub fn protect_leading_word(&mut self, name: &str, aliases: &[String]) {
        let Some(first) = name.split_whitespace().next().map(normalize) else {
            return;
        };
        if !self.is_droppable(&first) {
            return;
        }
        let others: std::collections::BTreeSet<String> = std::iter::once(name)
            .chain(aliases.iter().map(String::as_str))
            .flat_map(str::split_whitespace)
            .map(normalize)
            .filter(|w| *w != first && !self.is_droppable(w) && self.info(w).is_none())
            .collect();
        let list = self.protected.entry(first.clone()).or_default();
        for w in others {
            let pair = vec![first.clone(), w];
            if !list.contains(&pair) {
                list.push(pair);
            }
        }
    }

    /// The phrase without the sizes written in it ("colgate 150g" → "colgate", "tel 1 litre" →
    /// "tel"); a phrase that is only a size is kept as written.
    pub fn without_sizes(&self, phrase: &str) -> String {
        // Digits in any script: "५०० एमएल" is a size as much as "500 ml".
        let digit = |c: char| c.is_numeric() || c == '.';
        let is_number = |w: &str| !w.is_empty() && w.chars().all(digit);
        let words: Vec<&str> = phrase.split_whitespace().collect();
        let mut kept: Vec<&str> = Vec::with_capacity(words.len());
        let mut after_number = false;
        for w in &words {
            let digits = w.find(|c: char| !digit(c)).unwrap_or(w.len());
            let glued_size = digits > 0
                && digits < w.len()
                && self
                    .unit_of(&w[digits..])
                    .is_some_and(|u| u.is_measure() || u == Unit::Pcs);
            let unit = after_number && self.unit_of(w).is_some();
            let number = is_number(w);
            if !(number || glued_size || unit) {
                kept.push(w);
            }
            after_number = number;
        }
        if kept.is_empty() {
            phrase.to_string()
        } else {
            kept.join(" ")
        }
    }

    /// Whether a number glued to letters is a catalog word ("2pm").
    pub(crate) fn is_glued_name(&self, key: &str) -> bool {
        self.glued.contains(key)
    }

    /// A word the lists drop or split on, that is neither a unit nor a number.
    fn is_droppable(&self, key: &str) -> bool {
        self.words
            .get(key)
            .is_some_and(|i| i.has(DROPS_OR_SPLITS) && i.unit.is_none() && i.number.is_none())
    }

    /// The protected catalog names starting with this word key.
    pub(crate) fn protected_from(&self, key: &str) -> &[Vec<String>] {
        self.protected.get(key).map_or(&[], Vec::as_slice)
    }

    /// Whether this word, inside a protected name, loses its roles there.
    pub(crate) fn released_in_names(&self, key: &str) -> bool {
        self.is_droppable(key)
    }

    /// True when `word` is read as a number on its own ("das", "दस", "ten", "aadha").
    /// Ambiguous words ("tin", "a") count too: they can be numbers before a unit.
    pub fn is_number_word(&self, word: &str) -> bool {
        self.info(word).is_some_and(|info| info.number.is_some())
    }

    /// The canonical unit a word stands for, if any ("bora" → bag, "किलो" → kg).
    pub fn unit_of(&self, word: &str) -> Option<Unit> {
        self.info(word).and_then(|info| info.unit)
    }

    /// The kind of pack a packaging word names, if any ("bora" → sack, "peti" → carton).
    pub fn pack_of(&self, word: &str) -> Option<Pack> {
        self.info(word).and_then(|info| info.pack)
    }

    /// Everything known about a written word, after normalisation and light repairs
    /// (repeated letters "pleaseee", counted numbers "duiwota", plural units "botals").
    pub(crate) fn info(&self, word: &str) -> Option<WordInfo> {
        let key = normalize(word);
        if let Some(info) = self.words.get(&key) {
            return Some(*info);
        }
        let squeezed = squeeze_repeats(&key);
        if let Some(info) = self.words.get(&squeezed) {
            return Some(*info);
        }
        if let Some(info) = self.counted(&key) {
            return Some(info);
        }
        if self.is_verb_form(&key) {
            return Some(WordInfo {
                roles: role::FILLER,
                ..WordInfo::default()
            });
        }
        // "लिटरको", "kgko": a unit with the genitive glued on is the unit.
        let genitive = ["को", "ko"]
            .iter()
            .find_map(|g| key.strip_suffix(g))
            .and_then(|stem| self.words.get(stem))
            .filter(|info| info.unit.is_some());
        if let Some(info) = genitive {
            return Some(*info);
        }
        let singular = key.strip_suffix('s').filter(|s| s.chars().count() >= 3)?;
        self.words
            .get(singular)
            .filter(|info| info.unit.is_some())
            .copied()
    }

    /// "duiwota", "tinota", "तीनवटा": a number word glued to a counting word means pieces.
    fn counted(&self, key: &str) -> Option<WordInfo> {
        let number = self.counting.iter().find_map(|suffix| {
            let stem = key
                .strip_suffix(suffix.as_str())
                .filter(|s| !s.is_empty())?;
            self.words.get(stem)?.number
        })?;
        (number.kind == NumberKind::Value).then_some(WordInfo {
            unit: Some(Unit::Pcs),
            pack: Some(Pack::Piece),
            number: Some(NumberWord {
                ambiguous: false,
                ..number
            }),
            roles: role::COUNTED,
        })
    }

    /// Polite verb families ("pathaidinuhola", "पठाइदिनुहोस्") are too many to list; their
    /// stems never start a product name, so a whole word starting with one is filler.
    fn is_verb_form(&self, key: &str) -> bool {
        self.stems
            .iter()
            .any(|stem| key.len() > stem.len() && key.starts_with(stem.as_str()))
    }

    fn entry(&mut self, word: &str) -> &mut WordInfo {
        self.words.entry(normalize(word)).or_default()
    }
}

/// The lookup key of a written word: NFC, lower case, without zero-width joiners, nukta,
/// dots ("k.g.", "के.जी.") or apostrophes, with chandrabindu folded into anusvara
/// ("पाँच" = "पांच") and a possessive "'s" removed.
pub fn normalize(word: &str) -> String {
    let trimmed = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))
        .or_else(|| word.strip_suffix("'S"))
        .unwrap_or(word);
    trimmed
        .nfc()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            '\u{200C}' | '\u{200D}' | '\u{093C}' | '.' | '\'' | '’' | '\u{0970}' => None,
            '\u{0901}' => Some('\u{0902}'),
            other => Some(other),
        })
        .collect()
}

/// "pleaseee" → "please", "hiiii" → "hi": runs of three or more letters become one.
fn squeeze_repeats(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut chars = key.chars().peekable();
    while let Some(c) = chars.next() {
        let mut run = 1;
        while chars.peek() == Some(&c) {
            chars.next();
            run += 1;
        }
        let keep = if run >= 3 { 1 } else { run };
        out.extend(std::iter::repeat_n(c, keep));
    }
    out
}

#[cfg(test)]
mod tests;
