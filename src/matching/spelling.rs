//! Spelling keys: how a Latin word (typed, or transliterated from Devanagari) is folded so
//! that the ways people spell one word meet on one key, and which little words carry no
//! meaning. Both catalog and phrase go through here; the fold only ever merges spellings.

use super::normalize::{Kind, Token};

/// Little words that say nothing about which product is meant: Nepali postpositions and
/// conjunctions ("chamal ko", "dal ra chamal") and their English counterparts.
const PARTICLES: &[&str] = &[
    "ko", "ka", "ki", "ra", "ma", "vala", "of", "and", "vit", "for", "te", "in", "a", "an",
];
/// The most a particle can weigh.
pub(crate) const PARTICLE_WEIGHT: f32 = 0.5;

/// True for a particle's key.
pub(crate) fn is_particle(key: &str) -> bool {
    PARTICLES.contains(&key)
}

/// Nepali writes the genitive "ko" onto the word (भटमासको, "toriko"); it is read as its
/// own word so that "bhatmasko tel" and "bhatmas ko tel" are one phrase.
pub(crate) fn split_genitive(tokens: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let stem_len = t.surface.len().saturating_sub(2);
        if t.kind == Kind::Word
            && t.surface.is_ascii()
            && stem_len >= 3
            && t.surface.ends_with("ko")
        {
            let stem = t.surface.get(..stem_len).unwrap_or_default().to_string();
            out.push(word(stem));
            out.push(word("ko".to_string()));
        } else {
            out.push(t);
        }
    }
    out
}

/// A word token with its key.
pub(crate) fn word(surface: String) -> Token {
    Token {
        key: fold(&surface),
        surface,
        kind: Kind::Word,
    }
}

/// Folds a lowercase Latin word to its matching key. Romanized Nepali is written many ways
/// ("chini", "cheeni", चिनी → "chinii"); English misspellings often differ the same ways
/// ("chiken", "coffe"). Both sides are folded alike, so the fold only merges, never breaks.
pub(crate) fn fold(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        let (mapped, used) = match (c, next) {
            ('c', Some('h')) => ('c', if chars.get(i + 2) == Some(&'h') { 3 } else { 2 }),
            ('s', Some('h')) => ('s', 2),
            ('p', Some('h')) => ('f', 2),
            ('k' | 'g' | 'j' | 't' | 'd' | 'b', Some('h')) => (c, 2),
            ('e', Some('e')) => ('i', 2),
            ('o', Some('o')) => ('u', 2),
            ('c', _) | ('q', _) => ('k', 1),
            ('w', _) => ('v', 1),
            ('z', _) => ('j', 1),
            _ => (c, 1),
        };
        // Doubled letters are one letter ("warrmer"), except x: XL, XXL and XXXL differ.
        if out.last() != Some(&mapped) || mapped == 'x' {
            out.push(mapped);
        }
        i += used;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::normalize::analyze;

    fn keys(text: &str) -> Vec<String> {
        analyze(text).tokens.into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn romanized_nepali_spelling_variants_share_a_key() {
        assert_eq!(fold("chaamal"), fold("chamal"));
        assert_eq!(fold("cheeni"), fold("chini"));
        assert_eq!(fold("noon"), fold("nun"));
        assert_eq!(fold("chhoila"), fold("choila"));
        assert_eq!(fold("shakkar"), fold("sakar"));
        assert_eq!(fold("phapar"), fold("fapar"));
        assert_eq!(fold("wai"), fold("vai"));
        assert_eq!(fold("dhaniya"), fold("daniya"));
    }

    #[test]
    fn english_spellings_that_sound_alike_share_a_key() {
        assert_eq!(fold("chicken"), fold("chiken"));
        assert_eq!(fold("coffee"), fold("cofee"));
        assert_eq!(fold("biscuit"), "biskuit");
    }

    #[test]
    fn garment_sizes_keep_their_x() {
        assert_ne!(fold("xxl"), fold("xxxl"));
        assert_eq!(fold("warrmer"), fold("warmer"));
    }

    #[test]
    fn the_nepali_genitive_is_its_own_word() {
        assert_eq!(keys("भटमासको तेल"), keys("bhatmas ko tel"));
        assert_eq!(keys("toriko tel"), vec!["tori", "ko", "tel"]);
    }
}
