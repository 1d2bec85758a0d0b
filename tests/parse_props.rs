//! Properties of `parse_message` over any input: it returns (no panic, no hang) with spans
//! inside the text on character boundaries, and it never invents a quantity.

use khaacho::parsing::{Lexicon, ParsedMessage, parse_message};
use proptest::prelude::*;

/// Text pieces shopkeepers' phones produce, plus the awkward ones: emoji, RTL marks,
/// zero-width joiners, control characters, Devanagari, fractions.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z]{1,8}",
        2 => "[0-9]{1,4}",
        1 => "[०-९]{1,3}",
        2 => Just(" ".to_string()),
        1 => Just("\n".to_string()),
        1 => prop::sample::select(vec![
            "x", "×", "-", "–", ":", ",", ";", ".", "/", "?", "!", "&", "@", "(", ")", "*", "₹",
            "Rs", "रु", "kg", "किलो", "bora", "पेटी", "ra", "र", "and", "tin", "chha", "sawa",
            "saadhe", "aadha", "½", "1/3", "१/२", "🙏", "👍🏽", "👨‍👩‍👧", "\u{200F}", "\u{202E}",
            "\u{200D}", "\u{200C}", "\u{FEFF}", "\u{0000}", "\u{0007}", "\u{001B}", "\r",
            "\t", "चामल", "चिनी", "दाल", "ँ", "्", "़", "RICE-1KG", "10:30", "2082/08/15",
            "9841234567", "1,000", "O'Brien", "k.g.",
        ]).prop_map(str::to_string),
    ]
}

fn message() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat())
}

/// The same kind of text with no digit and no number word in it.
fn wordy_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z]{2,8}",
        2 => Just(" ".to_string()),
        1 => Just("\n".to_string()),
        2 => prop::sample::select(vec![
            "x", "×", "-", "–", ":", ",", ";", ".", "/", "?", "!", "&", "@", "(", ")", "*", "₹",
            "Rs", "रु", "kg", "किलो", "bora", "पेटी", "ra", "र", "and", "चामल", "चिनी", "दाल",
            "🙏", "👨‍👩‍👧", "\u{200F}", "\u{202E}", "\u{200D}", "\u{0000}", "\u{0007}", "\r",
            "RICE-KG", "k.g.", "Okra", "hing", "dozen", "pau", "wala", "ko", "qty", "baje",
        ]).prop_map(str::to_string),
    ]
}

fn wordy_message() -> impl Strategy<Value = String> {
    prop::collection::vec(wordy_piece(), 0..40).prop_map(|pieces| pieces.concat())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn check_spans(text: &str, parsed: &ParsedMessage) -> Result<(), TestCaseError> {
    for item in &parsed.items {
        let [start, end] = item.span;
        prop_assert!(
            start <= end && end <= text.len(),
            "span {:?} out of {}",
            item.span,
            text.len()
        );
        prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    }
    Ok(())
}

/// Words as the parser could see them: runs of letters (Devanagari signs included), split
/// anywhere else, and also with inner dots, dashes and apostrophes removed ("t.i.n" is "tin").
fn has_number_word(lexicon: &Lexicon, text: &str) -> bool {
    let in_word = |c: char| {
        c.is_alphabetic()
            || ('\u{0900}'..='\u{097F}').contains(&c)
            || matches!(c, '.' | '-' | '\'' | '’' | '\u{200C}' | '\u{200D}')
    };
    text.split(|c: char| !in_word(c))
        .flat_map(|w| {
            let joined: String = w.chars().filter(|c| c.is_alphabetic()).collect();
            w.split(|c: char| !c.is_alphabetic())
                .map(str::to_string)
                .chain([joined, w.to_string()])
                .collect::<Vec<_>>()
        })
        .any(|w| !w.is_empty() && lexicon.is_number_word(&w))
}

fn has_digit(text: &str) -> bool {
    text.chars().any(char::is_numeric)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_string_returns_with_spans_on_char_boundaries(text in any::<String>()) {
        let parsed = parse_message(&text);
        check_spans(&text, &parsed)?;
    }

    #[test]
    fn messy_messages_return_with_spans_on_char_boundaries(text in message()) {
        let parsed = parse_message(&text);
        check_spans(&text, &parsed)?;
        prop_assert_eq!(parsed.items.is_empty(), parsed.kind == khaacho::parsing::MessageKind::NoOrder);
    }

    #[test]
    fn a_message_without_digits_or_number_words_yields_no_quantities(text in wordy_message()) {
        let lexicon = Lexicon::default();
        prop_assume!(!has_digit(&text) && !has_number_word(&lexicon, &text));
        let parsed = parse_message(&text);
        for item in &parsed.items {
            prop_assert!(item.quantity.is_none(), "invented {:?} from {:?}", item.quantity, text);
        }
    }

    #[test]
    fn every_quantity_comes_from_a_number_inside_its_item(text in message()) {
        let lexicon = Lexicon::default();
        let parsed = parse_message(&text);
        for item in parsed.items.iter().filter(|i| i.quantity.is_some()) {
            let source = &text[item.span[0]..item.span[1]];
            prop_assert!(
                has_digit(source) || has_number_word(&lexicon, source),
                "{:?} has quantity {:?} from {:?}", text, item.quantity, source
            );
        }
    }
}

proptest! {
    #![proptest_config(config(8))]

    #[test]
    fn a_64_kb_message_returns(chunk in message(), fill in any::<char>()) {
        let mut text = String::with_capacity(64 * 1024 + 64);
        while text.len() < 64 * 1024 {
            text.push_str(&chunk);
            text.push(fill);
        }
        let parsed = parse_message(&text);
        check_spans(&text, &parsed)?;
    }
}

#[test]
fn pathological_64_kb_inputs_return() {
    let size = 64 * 1024;
    let inputs = [
        "&".repeat(size),
        "a & ".repeat(size / 4),
        "x".repeat(size),
        "9".repeat(size),
        "1/".repeat(size / 2),
        "a.".repeat(size / 2),
        "\u{200F}".repeat(size / 3),
        "🙏".repeat(size / 4),
        "rice 10 kg\n".repeat(size / 11),
        "Ram dai ".repeat(size / 8),
        "saadhe ".repeat(size / 7),
        "-".repeat(size),
        "ek ra aadha ".repeat(size / 12),
    ];
    for text in inputs {
        let parsed = parse_message(&text);
        for item in &parsed.items {
            assert!(item.span[1] <= text.len());
        }
    }
}
