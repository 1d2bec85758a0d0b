//! Devanagari → Latin transliteration, the way Nepali is romanized in chat ("चामल" → "chaamal").
//!
//! It lets a Devanagari phrase and a romanized alias meet on one key after [`super::normalize`]
//! folds spelling variants. Input is one NFC run of Devanagari letters and signs (digits and
//! punctuation are split off before); output is lowercase ASCII. It never fails: a sign it does
//! not know is dropped.

/// The Latin spelling of a consonant, or `None` if `c` is not a Devanagari consonant.
fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' => "ng",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ञ' => "ny",
        'ट' => "t",
        'ठ' => "th",
        'ड' => "d",
        'ढ' => "dh",
        'ण' => "n",
        'त' => "t",
        'थ' => "th",
        'द' => "d",
        'ध' => "dh",
        'न' => "n",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' => "y",
        'र' => "r",
        'ल' => "l",
        'ळ' => "l",
        'व' => "v",
        'श' => "sh",
        'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

/// The Latin spelling of a dependent vowel sign (matra).
fn vowel_sign(c: char) -> Option<&'static str> {
    Some(match c {
        'ा' => "aa",
        'ि' => "i",
        'ी' => "ii",
        'ु' => "u",
        'ू' => "uu",
        'ृ' => "ri",
        'ॄ' => "rii",
        'े' => "e",
        'ै' => "ai",
        'ो' => "o",
        'ौ' => "au",
        'ॅ' | 'ॆ' => "e",
        'ॉ' | 'ॊ' => "o",
        _ => return None,
    })
}

/// The Latin spelling of an independent vowel letter.
fn vowel_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' => "a",
        'आ' => "aa",
        'इ' => "i",
        'ई' => "ii",
        'उ' => "u",
        'ऊ' => "uu",
        'ऋ' => "ri",
        'ए' | 'ऎ' | 'ऍ' => "e",
        'ऐ' => "ai",
        'ओ' | 'ऒ' | 'ऑ' => "o",
        'औ' => "au",
        _ => return None,
    })
}

const VIRAMA: char = '्';
const NUKTA: char = '़';
const ANUSVARA: char = 'ं';
const CHANDRABINDU: char = 'ँ';
const VISARGA: char = 'ः';

/// The vowel of a syllable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vowel {
    /// The inherent "a" of a consonant, which Nepali often does not say.
    Schwa,
    Given(&'static str),
    /// Killed by a virama (a conjunct), or a schwa that is not said.
    Silent,
}

/// A consonant (or none, for a vowel letter), its vowel, and a nasal or visarga after it.
#[derive(Debug, Clone)]
struct Syllable {
    consonant: &'static str,
    vowel: Vowel,
    coda: &'static str,
}

/// Transliterates one Devanagari word, then drops the schwas Nepali does not say: at the end
/// of a word (चामल → chaamal, unless it is the only vowel: र → ra), and between a vowel +
/// consonant and a consonant + vowel (भटमास → bhatmaas, नमकीन → namkiin), as in the usual
/// schwa-deletion rule for Hindi and Nepali.
pub(crate) fn transliterate(word: &str) -> String {
    let mut syllables = syllables(word);
    drop_schwas(&mut syllables);
    let mut out = String::with_capacity(word.len() * 2);
    for s in &syllables {
        out.push_str(s.consonant);
        match s.vowel {
            Vowel::Schwa => out.push('a'),
            Vowel::Given(v) => out.push_str(v),
            Vowel::Silent => {}
        }
        out.push_str(s.coda);
    }
    out
}

fn syllables(word: &str) -> Vec<Syllable> {
    let mut out: Vec<Syllable> = Vec::new();
    let bare = |consonant, vowel| Syllable {
        consonant,
        vowel,
        coda: "",
    };
    for c in word.chars().filter(|&c| c != NUKTA) {
        let last = out.last_mut();
        if let Some(latin) = consonant(c) {
            match last {
                // ज्ञ is said "gya" in Nepali.
                Some(s) if c == 'ञ' && s.consonant == "j" && s.vowel == Vowel::Silent => {
                    s.consonant = "gy";
                    s.vowel = Vowel::Schwa;
                }
                _ => out.push(bare(latin, Vowel::Schwa)),
            }
        } else if let Some(latin) = vowel_sign(c) {
            match last {
                Some(s) if s.vowel == Vowel::Schwa && s.coda.is_empty() => {
                    s.vowel = Vowel::Given(latin)
                }
                _ => out.push(bare("", Vowel::Given(latin))),
            }
        } else if let Some(latin) = vowel_letter(c) {
            out.push(bare("", Vowel::Given(latin)));
        } else if let Some(s) = last {
            match c {
                VIRAMA if s.vowel == Vowel::Schwa => s.vowel = Vowel::Silent,
                ANUSVARA => s.coda = "n",
                VISARGA => s.coda = "h",
                CHANDRABINDU => {} // nasal vowels are not written in chat: गहुँ → gahu
                _ => {}
            }
        }
    }
    out
}

fn drop_schwas(syllables: &mut [Syllable]) {
    let n = syllables.len();
    if n >= 2
        && let Some(last) = syllables.last_mut()
        && last.vowel == Vowel::Schwa
        && last.coda.is_empty()
    {
        last.vowel = Vowel::Silent;
    }
    for i in (1..n.saturating_sub(1)).rev() {
        let said = |s: Option<&Syllable>| s.is_some_and(|s| s.vowel != Vowel::Silent);
        let prev_said = said(syllables.get(i - 1));
        let next = syllables.get(i + 1);
        let next_cv = said(next) && next.is_some_and(|s| !s.consonant.is_empty());
        if let Some(s) = syllables.get_mut(i) {
            let plain = s.vowel == Vowel::Schwa && s.coda.is_empty() && !s.consonant.is_empty();
            if plain && prev_said && next_cv {
                s.vowel = Vowel::Silent;
            }
        }
    }
}

/// True for characters of the Devanagari block (letters, signs, digits, dandas).
pub(crate) fn is_devanagari(c: char) -> bool {
    ('\u{0900}'..='\u{097F}').contains(&c) || ('\u{A8E0}'..='\u{A8FF}').contains(&c)
}

/// Devanagari digits ०–९ as ASCII digits.
pub(crate) fn ascii_digit(c: char) -> Option<char> {
    let offset = (c as u32).checked_sub('०' as u32)?;
    if offset < 10 {
        char::from_digit(offset, 10)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_consonant_drops_its_inherent_vowel() {
        assert_eq!(transliterate("चामल"), "chaamal");
        assert_eq!(transliterate("तेल"), "tel");
        assert_eq!(transliterate("नमक"), "namak");
        assert_eq!(transliterate("कमल"), "kamal");
    }

    #[test]
    fn an_unsaid_inherent_vowel_inside_a_word_is_dropped() {
        assert_eq!(transliterate("भटमास"), "bhatmaas");
        assert_eq!(transliterate("नमकीन"), "namkiin");
        assert_eq!(transliterate("मैनबत्ती"), "mainbattii");
        assert_eq!(transliterate("हरियो"), "hariyo");
        assert_eq!(transliterate("मसिनो"), "masino");
    }

    #[test]
    fn vowel_signs_conjuncts_and_nasals_are_spelled_as_in_chat() {
        assert_eq!(transliterate("चिनी"), "chinii");
        assert_eq!(transliterate("बिस्कुट"), "biskut");
        assert_eq!(transliterate("मंगल"), "mangal");
        assert_eq!(transliterate("गहुँ"), "gahu");
        assert_eq!(transliterate("ज्ञान"), "gyaan");
        assert_eq!(transliterate("क्षेत्र"), "kshetr");
    }

    #[test]
    fn a_nukta_is_ignored() {
        // क़ (U+0958) is decomposed to क + nukta by NFC; either way it reads as k.
        assert_eq!(transliterate("क़लम"), transliterate("कलम"));
    }

    #[test]
    fn a_lone_consonant_keeps_its_vowel() {
        assert_eq!(transliterate("र"), "ra");
    }

    #[test]
    fn devanagari_digits_become_ascii() {
        assert_eq!(ascii_digit('२'), Some('2'));
        assert_eq!(ascii_digit('९'), Some('9'));
        assert_eq!(ascii_digit('a'), None);
    }
}
