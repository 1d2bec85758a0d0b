//! Splitting a long text into parts that each fit a provider's length limit.
//!
//! Length is counted in UTF-16 code units. That is the count of Unicode characters for all of
//! Devanagari, Latin and every other character of the Basic Multilingual Plane, and counts a
//! character outside it (most emoji) as two. Whether a provider counts code points or UTF-16
//! units, a part within the limit by this count is within it by theirs, so a part is never
//! refused for length. Cuts fall at a line break, else between words, else between characters
//! and never before a combining mark or inside a joined emoji when any other cut fits.

/// A limit below two could not hold a character outside the BMP; smaller limits are raised.
const MIN_LIMIT: usize = 2;

/// Splits `text` into parts of at most `limit_chars` UTF-16 code units each (see the module
/// doc). Whitespace around the text and at each cut is dropped; nothing else is. An empty or
/// all-whitespace text gives no parts.
pub fn split_text(text: &str, limit_chars: usize) -> Vec<String> {
    let limit = limit_chars.max(MIN_LIMIT);
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while let Some(window_end) = overflow_point(rest, limit) {
        let cut = choose_cut(rest, window_end);
        let part = rest[..cut.part_end].trim_end();
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
        rest = rest[cut.next_start..].trim_start_matches(['\n', '\r']);
        if cut.at_word {
            rest = rest.trim_start();
        }
    }
    let last = rest.trim_end();
    if !last.is_empty() {
        parts.push(last.to_owned());
    }
    parts
}

/// The number of UTF-16 code units in `s`: the length providers are held to here.
pub(crate) fn units(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `None` when `s` fits in `limit`; otherwise the byte index of the longest prefix that fits.
fn overflow_point(s: &str, limit: usize) -> Option<usize> {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += c.len_utf16();
        if used > limit {
            return Some(i);
        }
    }
    None
}

struct Cut {
    /// The part is `rest[..part_end]`.
    part_end: usize,
    /// The next part starts at `rest[next_start..]`.
    next_start: usize,
    /// The cut dropped a space between words (so more spaces may follow).
    at_word: bool,
}

/// Where to cut `rest`, whose first `window_end` bytes are the most that fit. A line break or
/// space in the later half of the window wins; one in the earlier half is taken only when
/// nothing better exists, as a tiny part is worse than a cut mid-line.
fn choose_cut(rest: &str, window_end: usize) -> Cut {
    // A separator right at the window's end still allows the whole window as the part.
    let search_end = rest[window_end..]
        .chars()
        .next()
        .filter(|c| c.is_whitespace())
        .map_or(window_end, |c| window_end + c.len_utf8());
    let search = &rest[..search_end];
    let half = window_end / 2;
    let newline = search.rfind('\n').filter(|&p| p > 0);
    let space = search
        .char_indices()
        .rev()
        .find(|&(p, c)| p > 0 && c.is_whitespace() && c != '\n');
    let word_cut = |(p, c): (usize, char)| Cut {
        part_end: p,
        next_start: p + c.len_utf8(),
        at_word: true,
    };
    let line_cut = |p: usize| Cut {
        part_end: p,
        next_start: p + 1,
        at_word: false,
    };
    match (newline, space) {
        (Some(p), _) if p >= half => line_cut(p),
        (_, Some(s)) if s.0 >= half => word_cut(s),
        (Some(p), _) => line_cut(p),
        (None, Some(s)) => word_cut(s),
        (None, None) => {
            let b = safe_boundary(rest, window_end);
            Cut {
                part_end: b,
                next_start: b,
                at_word: false,
            }
        }
    }
}

/// The last char boundary at or before `end` that does not separate a character from a mark
/// or joiner that belongs to it. Falls back to `end` itself when the whole window is one
/// unbreakable cluster: a broken cluster beats a part over the limit.
fn safe_boundary(s: &str, end: usize) -> usize {
    let mut b = end;
    while let Some(before) = s[..b].chars().next_back() {
        if !cut_inside_cluster(s, b) {
            return b;
        }
        b -= before.len_utf8();
    }
    end
}

/// Whether cutting `s` at byte `b` would break what a reader sees as one character.
fn cut_inside_cluster(s: &str, b: usize) -> bool {
    let (Some(x), Some(y)) = (s[..b].chars().next_back(), s[b..].chars().next()) else {
        return false;
    };
    if attaches_to_previous(y) || binds_next(x) {
        return true;
    }
    // Flags are pairs of regional indicators: a cut inside a run is safe only after an even
    // number of them.
    let run = s[..b]
        .chars()
        .rev()
        .take_while(|&c| is_regional_indicator(c))
        .count();
    is_regional_indicator(y) && run % 2 == 1
}

/// Marks and modifiers drawn on (or joined to) the character before them.
fn attaches_to_previous(c: char) -> bool {
    matches!(u32::from(c),
        0x0300..=0x036F        // combining diacritical marks
        | 0x0900..=0x0903      // Devanagari candrabindu, anusvara, visarga
        | 0x093A..=0x093C      // Devanagari vowel signs oe/ooe, nukta
        | 0x093E..=0x094F      // Devanagari vowel signs (matras) and virama
        | 0x0951..=0x0957      // Devanagari stress signs and length marks
        | 0x0962..=0x0963      // Devanagari vocalic l/ll signs
        | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F // more combining marks
        | 0x200C | 0x200D      // zero-width non-joiner and joiner
        | 0xFE00..=0xFE0F      // variation selectors (emoji presentation)
        | 0x1F3FB..=0x1F3FF    // emoji skin tones
        | 0xE0020..=0xE007F    // emoji tag sequences (subdivision flags)
    )
}

/// Characters that join to the character after them: ZWJ (emoji sequences) and the
/// Devanagari virama (a conjunct such as क्ष continues past it).
fn binds_next(c: char) -> bool {
    matches!(c, '\u{200D}' | '\u{094D}')
}

fn is_regional_indicator(c: char) -> bool {
    matches!(u32::from(c), 0x1F1E6..=0x1F1FF)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn non_space(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn a_text_within_the_limit_is_one_unchanged_part() {
        assert_eq!(split_text("RICE-1KG x 10", 1600), vec!["RICE-1KG x 10"]);
        let exact = "a".repeat(1600);
        assert_eq!(split_text(&exact, 1600), vec![exact.clone()]);
    }

    #[test]
    fn an_empty_or_blank_text_gives_no_parts() {
        assert!(split_text("", 10).is_empty());
        assert!(split_text(" \n\t ", 10).is_empty());
    }

    #[test]
    fn a_long_text_is_cut_at_a_line_break_first() {
        let text = "line one is here\nline two words";
        assert_eq!(
            split_text(text, 20),
            vec!["line one is here", "line two words"]
        );
    }

    #[test]
    fn a_long_line_is_cut_between_words() {
        let text = "alpha beta gamma delta epsilon";
        assert_eq!(
            split_text(text, 12),
            vec!["alpha beta", "gamma delta", "epsilon"]
        );
    }

    #[test]
    fn an_early_line_break_loses_to_a_late_space() {
        let text = "hi\nthis is a longer line that needs cutting";
        let parts = split_text(text, 20);
        assert_eq!(parts[0], "hi\nthis is a longer");
    }

    #[test]
    fn a_word_longer_than_the_limit_is_cut_between_characters() {
        assert_eq!(split_text("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn devanagari_is_counted_one_per_character_and_split_between_words() {
        let text = "चिनी १० किलो चामल २५ केजी";
        assert_eq!(units("चिनी"), 4);
        let parts = split_text(text, 12);
        assert_eq!(parts, vec!["चिनी १० किलो", "चामल २५ केजी"]);
    }

    #[test]
    fn a_long_devanagari_word_is_never_cut_before_a_matra_or_after_a_virama() {
        // न म स ् त े repeated: the cut must not leave ् or े at a part's edge. From a limit of
        // 4 on, the cluster स्ते fits and a clean cut always exists.
        let word = "नमस्ते".repeat(10);
        for limit in 4..=9 {
            for part in split_text(&word, limit) {
                assert!(units(&part) <= limit);
                let first = part.chars().next().unwrap();
                let last = part.chars().next_back().unwrap();
                assert!(!attaches_to_previous(first), "limit {limit}: {part}");
                assert!(!binds_next(last), "limit {limit}: {part}");
            }
        }
    }

    #[test]
    fn an_emoji_counts_two_and_is_never_halved() {
        assert_eq!(units("😀"), 2);
        assert_eq!(split_text("😀😀😀", 3), vec!["😀", "😀", "😀"]);
        assert_eq!(split_text("😀😀😀", 4), vec!["😀😀", "😀"]);
    }

    #[test]
    fn a_joined_emoji_stays_whole_when_it_fits() {
        let family = "👨\u{200D}👩\u{200D}👧"; // 8 units
        let text = format!("{family}{family}");
        assert_eq!(
            split_text(&text, 10),
            vec![family.to_owned(), family.to_owned()]
        );
        let flags = "🇳🇵🇳🇵"; // two flags of two regional indicators each
        assert_eq!(split_text(flags, 6), vec!["🇳🇵", "🇳🇵"]);
    }

    #[test]
    fn a_limit_below_two_is_raised_so_the_split_ends() {
        assert_eq!(split_text("ab😀", 0), vec!["ab", "😀"]);
    }

    #[test]
    fn a_provider_sized_text_fits_the_provider_limits() {
        let line = "RICE-1KG x 10 @ रु 1,250.00 — चामल 😀\n";
        let text = line.repeat(200);
        for limit in [1600, 4096] {
            let parts = split_text(&text, limit);
            assert!(parts.len() > 1);
            assert!(parts.iter().all(|p| units(p) <= limit));
            assert!(parts.iter().all(|p| p.ends_with('😀')), "cut at line ends");
        }
    }

    proptest! {
        #[test]
        fn every_part_fits_and_no_visible_character_is_lost_or_moved(
            text in "([a-z]{1,12}|[कखगमनसत]{1,6}|्|े|ा|😀|👍🏽|\u{200D}| |\n|१०){0,60}",
            limit in 1usize..40,
        ) {
            let parts = split_text(&text, limit);
            for part in &parts {
                prop_assert!(!part.trim().is_empty());
                prop_assert!(units(part) <= limit.max(MIN_LIMIT));
            }
            prop_assert_eq!(non_space(&parts.concat()), non_space(&text));
        }
    }
}
