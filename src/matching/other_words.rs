//! Words for other goods ("bhuja", "kera", "soup"): a phrase word spelled exactly like one of
//! them means that word, so the typo budget never turns it into a catalog word one edit away,
//! and a phrase made only of them names goods the catalog does not sell.
//!
//! The list is the project's own (`other_words.txt`), folded like every phrase word. A word the
//! catalog itself uses is never treated as another good.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::spelling::fold;

const LIST: &str = include_str!("other_words.txt");

fn keys() -> &'static HashSet<String> {
    static KEYS: OnceLock<HashSet<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        LIST.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(|w| fold(&w.to_lowercase()))
            .collect()
    })
}

fn words() -> &'static HashSet<String> {
    static WORDS: OnceLock<HashSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        LIST.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(str::to_lowercase)
            .collect()
    })
}

/// True when a lower-case word is written exactly as a word for other goods (its folded key
/// may be shared with a misspelling of a catalog word: "mice" and "mike" for milk).
pub(crate) fn is_other_good_word(word: &str) -> bool {
    words().contains(word)
}

/// True when a folded key is a word for other goods.
pub(crate) fn is_other_good(key: &str) -> bool {
    keys().contains(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_other_goods_are_known_by_their_folded_key() {
        assert!(is_other_good(&fold("bhuja")));
        assert!(is_other_good(&fold("kera")));
        assert!(is_other_good(&fold("dalchini")));
        assert!(!is_other_good(&fold("bhujia")));
        assert!(!is_other_good(&fold("chini")));
    }
}
