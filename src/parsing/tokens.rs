//! Cutting a message into tokens that keep their byte span in the original text.
//!
//! Owns the decisions made at the character level: what a word is (Latin or Devanagari,
//! with inner `-`, `'`, `k.g.` dots), when glued text is split ("chini5kg" → chini 5 kg,
//! "x10" → x 10) or kept whole ("7up", "A4"), and what a product code is ("RICE-1KG": its
//! digits are never a quantity). It never decides what a token means in an order.

use super::lexicon::{Lexicon, WordInfo, role};
use super::numbers::{self, NumLit};

/// One piece of the message. `start..end` are byte offsets into the original text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokKind,
    pub start: usize,
    pub end: usize,
    /// No whitespace between this token and the previous one.
    pub glued: bool,
    /// What the lexicon knows about a word, looked up once here.
    pub info: Option<WordInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokKind {
    Word,
    /// A product code such as `RICE-1KG`: one phrase word, digits included.
    Code,
    Num(NumLit),
    Punct(char),
    /// A line break: always ends an item.
    Break,
}

/// Splits `text` into tokens.
pub(crate) fn tokenize(text: &str, lexicon: &Lexicon) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let atoms = split_unit_prefixes(text, scan_atoms(text, &chars), lexicon);
    let mut tokens = group_glued(text, atoms, lexicon);
    for token in tokens.iter_mut().filter(|t| t.kind == TokKind::Word) {
        token.info = lexicon.info(&text[token.start..token.end]);
    }
    join_glued_names(text, &mut tokens, lexicon);
    keep_catalog_names(text, &mut tokens, lexicon);
    tokens
}

/// "2pm", "7up": a number glued to letters that together are a catalog word is one product
/// word, not a quantity (or a time) before a word.
fn join_glued_names(text: &str, tokens: &mut Vec<Token>, lexicon: &Lexicon) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let (a, b) = (&tokens[i], &tokens[i + 1]);
        let joinable = matches!(a.kind, TokKind::Num(_)) && b.kind == TokKind::Word && b.glued;
        if joinable && lexicon.is_glued_name(&super::lexicon::normalize(&text[a.start..b.end])) {
            let end = b.end;
            tokens[i].kind = TokKind::Code;
            tokens[i].end = end;
            tokens[i].info = None;
            tokens.remove(i + 1);
        }
        i += 1;
    }
}

/// "aayo nun", "clinic plus shampoo": where the words of a protected catalog name are written
/// one after another, the ones the lists would drop or split on become product words.
fn keep_catalog_names(text: &str, tokens: &mut [Token], lexicon: &Lexicon) {
    let key = |t: &Token| super::lexicon::normalize(&text[t.start..t.end]);
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].kind != TokKind::Word {
            i += 1;
            continue;
        }
        let first = key(&tokens[i]);
        let found = lexicon.protected_from(&first).iter().find(|name| {
            name.iter().enumerate().all(|(k, w)| {
                tokens
                    .get(i + k)
                    .is_some_and(|t| t.kind == TokKind::Word && key(t) == *w)
            })
        });
        let Some(name) = found else {
            i += 1;
            continue;
        };
        for t in &mut tokens[i..i + name.len()] {
            if lexicon.released_in_names(&key(t)) {
                t.info = None;
            }
        }
        i += name.len();
    }
}

/// Unit abbreviations that may be glued to the product after a number: "10kgrice".
const GLUED_UNITS: &[&str] = &["kg", "gm", "ml", "ltr", "pcs", "pkt"];

/// "10kgrice" → 10 kg rice: a word glued after a number that starts with a unit
/// abbreviation and goes on with at least three letters is cut after the unit.
fn split_unit_prefixes(text: &str, atoms: Vec<Token>, lexicon: &Lexicon) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(atoms.len());
    for atom in atoms {
        let after_number = atom.glued
            && out
                .last()
                .is_some_and(|prev| matches!(prev.kind, TokKind::Num(NumLit::Value { .. })));
        let word = &text[atom.start..atom.end];
        let cut = (after_number && atom.kind == TokKind::Word && lexicon.info(word).is_none())
            .then(|| unit_prefix_len(word))
            .flatten();
        match cut {
            Some(len) => {
                let mid = atom.start + len;
                out.push(Token {
                    end: mid,
                    ..atom.clone()
                });
                out.push(Token {
                    start: mid,
                    glued: false,
                    ..atom
                });
            }
            None => out.push(atom),
        }
    }
    out
}

fn unit_prefix_len(word: &str) -> Option<usize> {
    GLUED_UNITS.iter().find_map(|unit| {
        let head = word.get(..unit.len())?;
        let rest = word.get(unit.len()..)?;
        let rest_is_word = rest.chars().count() >= 3 && rest.chars().all(char::is_alphabetic);
        (head.eq_ignore_ascii_case(unit) && rest_is_word).then_some(unit.len())
    })
}

fn scan_atoms(text: &str, chars: &[(usize, char)]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut glued = false;
    while i < chars.len() {
        let c = chars[i].1;
        if is_line_break(c) {
            push(&mut out, chars, text, TokKind::Break, i, i + 1, false);
            glued = false;
            i += 1;
        } else if is_space(c) {
            glued = false;
            i += 1;
        } else if starts_number(chars, i) {
            let (lit, end) = numbers::scan(chars, i);
            push(&mut out, chars, text, TokKind::Num(lit), i, end, glued);
            glued = true;
            i = end;
        } else if is_word_start(c) {
            let end = word_end(chars, i);
            push(&mut out, chars, text, TokKind::Word, i, end, glued);
            glued = true;
            i = end;
        } else {
            push(&mut out, chars, text, TokKind::Punct(c), i, i + 1, glued);
            glued = true;
            i += 1;
        }
    }
    out
}

fn push(
    out: &mut Vec<Token>,
    chars: &[(usize, char)],
    text: &str,
    kind: TokKind,
    from: usize,
    to: usize,
    glued: bool,
) {
    let start = chars[from].0;
    let end = chars.get(to).map_or(text.len(), |&(b, _)| b);
    out.push(Token {
        kind,
        start,
        end,
        glued,
        info: None,
    });
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{0085}')
}

/// Whitespace, and invisible format characters (RTL marks, BOM, zero-width space) that
/// WhatsApp and phone keyboards leave in text.
fn is_space(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}' | '\u{FE0F}' | '\u{FE0E}'
        )
        || c.is_control()
}

fn starts_number(chars: &[(usize, char)], i: usize) -> bool {
    let c = chars[i].1;
    if numbers::ascii_digit(c).is_some() || numbers::vulgar_fraction(c).is_some() {
        return true;
    }
    // ".5 kg": a leading dot before a digit, when not glued to a digit before it.
    c == '.'
        && chars
            .get(i + 1)
            .is_some_and(|&(_, d)| numbers::ascii_digit(d).is_some())
        && (i == 0 || numbers::ascii_digit(chars[i - 1].1).is_none())
}

/// Devanagari vowel signs, virama and nasal marks continue a word without being letters.
fn is_devanagari_mark(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0962}'..='\u{0963}')
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || is_devanagari_mark(c)
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || is_devanagari_mark(c) || matches!(c, '\u{200C}' | '\u{200D}')
}

/// A word runs over letters, and over `-`, `'`, `’` and short-abbreviation dots ("k.g",
/// "के.जी") when a letter follows.
fn word_end(chars: &[(usize, char)], start: usize) -> usize {
    let mut i = start;
    let mut part_len = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let next_is_letter = chars.get(i + 1).is_some_and(|&(_, n)| n.is_alphabetic());
        if is_word_char(c) {
            part_len += 1;
            i += 1;
        } else if next_is_letter && joins_word(chars, i, part_len) {
            part_len = 0;
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// `-` and apostrophes join letters ("Parle-G", "Lay's"); a dot joins only short parts
/// ("k.g", "के.जी"), so "rice.dal" stays two words.
fn joins_word(chars: &[(usize, char)], i: usize, part_len: usize) -> bool {
    match chars[i].1 {
        '-' | '\'' | '’' => true,
        '.' | '\u{0970}' => part_len <= 2 && short_part_follows(chars, i + 1),
        _ => false,
    }
}

fn short_part_follows(chars: &[(usize, char)], from: usize) -> bool {
    chars[from..]
        .iter()
        .take(3)
        .take_while(|&&(_, c)| is_word_char(c))
        .count()
        <= 2
}

/// Runs of tokens with no space between them: codes are joined, glued numbers and units
/// are kept apart, brand-like mixes ("7up") are joined into one word.
fn group_glued(text: &str, atoms: Vec<Token>, lexicon: &Lexicon) -> Vec<Token> {
    let mut out = Vec::with_capacity(atoms.len());
    let mut i = 0;
    while i < atoms.len() {
        let end = cluster_end(&atoms, i);
        let cluster = &atoms[i..end];
        if is_code(text, cluster) {
            out.push(joined(cluster, TokKind::Code));
        } else if keeps_whole(text, cluster, lexicon) {
            out.push(joined(cluster, TokKind::Word));
        } else {
            out.extend_from_slice(cluster);
        }
        i = end;
    }
    out
}

fn is_alnum(token: &Token) -> bool {
    matches!(token.kind, TokKind::Word | TokKind::Num(_))
}

fn is_joiner(token: &Token) -> bool {
    matches!(token.kind, TokKind::Punct('-' | '_'))
}

/// A cluster is a maximal glued run of words, numbers and `-`/`_` joiners.
fn cluster_end(atoms: &[Token], start: usize) -> usize {
    if !is_alnum(&atoms[start]) {
        return start + 1;
    }
    let mut end = start + 1;
    while end < atoms.len() && atoms[end].glued && (is_alnum(&atoms[end]) || is_joiner(&atoms[end]))
    {
        end += 1;
    }
    // A trailing joiner ("RICE-1KG-" before a space) is not part of the cluster.
    while end > start + 1 && is_joiner(&atoms[end - 1]) {
        end -= 1;
    }
    end
}

fn joined(cluster: &[Token], kind: TokKind) -> Token {
    Token {
        kind,
        start: cluster[0].start,
        end: cluster[cluster.len() - 1].end,
        glued: cluster[0].glued,
        info: None,
    }
}

/// `RICE-1KG`, `OIL_1L`, `1KG-RICE`: letters and digits joined by `-` or `_`. Not a code:
/// `dal-5` or `5-dal` (a word and a quantity), or anything in Devanagari.
fn is_code(text: &str, cluster: &[Token]) -> bool {
    let has_joiner = cluster.iter().any(is_joiner);
    let words = cluster.iter().filter(|t| t.kind == TokKind::Word).count();
    let nums = cluster
        .iter()
        .filter(|t| matches!(t.kind, TokKind::Num(_)))
        .count();
    let ascii = cluster.iter().all(|t| text[t.start..t.end].is_ascii());
    let word_and_quantity = cluster.len() == 3 && words == 1 && nums == 1;
    has_joiner && words >= 1 && nums >= 1 && ascii && !word_and_quantity
}

/// "7up", "3in1", "A4", "ORD2611250007": glued letters and digits that are one name. Split
/// instead when the letters are a unit, a marker or a price/time word ("10kg", "x10",
/// "5pm", "rs50") or the letters before the digits are a real word ("chini5").
fn keeps_whole(text: &str, cluster: &[Token], lexicon: &Lexicon) -> bool {
    if cluster.len() < 2 || cluster.iter().any(is_joiner) {
        return false;
    }
    cluster.windows(2).any(|pair| {
        let (a, b) = (&pair[0], &pair[1]);
        match (&a.kind, &b.kind) {
            (TokKind::Num(_), TokKind::Word) => {
                !splits_after_number(lexicon, &text[b.start..b.end])
            }
            (TokKind::Word, TokKind::Num(lit)) => {
                let word = &text[a.start..a.end];
                let single_letter = word.chars().count() == 1 && !is_marker(lexicon, word);
                single_letter || matches!(lit, NumLit::NotAQuantity)
            }
            _ => false,
        }
    })
}

fn splits_after_number(lexicon: &Lexicon, word: &str) -> bool {
    const SPLITTING: u16 = role::MARKER
        | role::TIME_AFTER
        | role::PRICE_AFTER
        | role::PRICE_BEFORE
        | role::CONNECTOR
        | role::SPLIT
        | role::SPLIT_SOFT;
    lexicon
        .info(word)
        .is_some_and(|info: WordInfo| info.unit.is_some() || info.has(SPLITTING))
}

fn is_marker(lexicon: &Lexicon, word: &str) -> bool {
    lexicon
        .info(word)
        .is_some_and(|info| info.has(role::MARKER))
}

#[cfg(test)]
#[path = "tokens_tests.rs"]
mod tests;
