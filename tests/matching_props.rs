//! Any string at all — empty, 10 KB, emoji, control characters, mixed scripts — gets a
//! decision, never a panic, and a decision that keeps its own rules.

use khaacho::matching::{CatalogItem, Decision, MatchContext, MatchDecision, MatchEngine};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::sync::OnceLock;

fn engine() -> &'static MatchEngine {
    static ENGINE: OnceLock<MatchEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let items = [
            ("RICE-1KG", "Basmati Rice", "chamal|चामल", 1, "kg"),
            ("SUGAR-1KG", "Sugar", "chini|चिनी", 1, "kg"),
            ("TEA-500G", "Tokla Tea", "chiya|चिया", 500, "g"),
            ("OIL-1L", "Soybean Oil", "tel|तेल", 1, "l"),
            ("EGG-30", "Eggs", "anda|अण्डा", 30, "pcs"),
        ]
        .iter()
        .zip(1u64..)
        .map(|(&(sku, name, aliases, size, unit), id)| CatalogItem {
            product_id: id,
            sku: sku.into(),
            name: name.into(),
            brand: None,
            category: None,
            pack_size: Some(Decimal::from(size)),
            unit: Some(unit.into()),
            aliases: aliases.split('|').map(String::from).collect(),
            active: true,
        })
        .collect();
        MatchEngine::open(None, items, 1).unwrap()
    })
}

/// The rules every decision keeps, whatever the input.
fn check(d: &MatchDecision) {
    assert!(d.candidates.len() <= 5, "{d:?}");
    if d.decision != Decision::NotFound {
        assert!(!d.candidates.is_empty(), "{d:?}");
    }
    for c in &d.candidates {
        assert!((0.0..=1.0).contains(&c.confidence), "{d:?}");
    }
    serde_json::to_string(d).unwrap();
}

fn run(phrase: &str) {
    let e = engine();
    check(&e.match_phrase(phrase, &MatchContext::default()));
    let ctx = MatchContext {
        history: None,
        size_hint: Some((Decimal::new(5, 1), "kg".into())),
    };
    check(&e.match_phrase(phrase, &ctx));
    assert!(e.search(phrase, 3).len() <= 3);
}

/// Pieces shopkeepers' phrases are made of, and pieces they should not be.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z]{1,12}",
        "[0-9]{1,6}(\\.[0-9]{1,3})?",
        "(kg|g|gm|ml|l|ltr|pcs|x|किलो|ग्राम)",
        "[\u{0900}-\u{097F}]{1,8}",
        "[\u{1F300}-\u{1FAFF}]{1,3}",
        "[\u{0000}-\u{001F}\u{007F}\u{200B}-\u{200F}\u{FEFF}]{1,3}",
        "[-_.,/()&'\"|\\\\]{1,3}",
        "(chamal|चामल|sugar|suger|RICE-1KG|tokla|chiya|५००|१)",
        any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_unicode_string_gets_a_decision(s in ".*") {
        run(&s);
    }

    #[test]
    fn mixed_script_phrases_get_a_decision(parts in prop::collection::vec(piece(), 0..12)) {
        run(&parts.join(" "));
        run(&parts.concat());
    }
}

#[test]
fn the_empty_phrase_is_not_found() {
    let d = engine().match_phrase("", &MatchContext::default());
    assert_eq!(d.decision, Decision::NotFound);
    assert!(d.candidates.is_empty());
}

/// Their speed is measured by `cargo bench --bench matching` (`match_phrase/10kb_garbage`).
#[test]
fn ten_kilobytes_of_anything_get_a_decision() {
    let inputs = [
        "chamal ".repeat(1500),
        "🍚".repeat(2600),
        "\u{0}\u{1}\u{7}\u{1b}[31m".repeat(2000),
        "चामल५किलो".repeat(400),
        "9".repeat(10_240),
        "a".repeat(10_240),
        "x-".repeat(5000) + "RICE-1KG",
    ];
    for s in &inputs {
        run(s);
    }
}
