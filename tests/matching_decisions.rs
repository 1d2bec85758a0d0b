//! Decisions on a small hand-written Nepali catalog: how shopkeepers write, what the matcher
//! must answer, and when it must ask instead of guessing.

use khaacho::matching::{CatalogItem, Decision, MatchContext, MatchDecision, MatchEngine, Reason};
use rust_decimal::Decimal;
use std::collections::HashMap;

fn item(
    id: u64,
    sku: &str,
    name: &str,
    brand: &str,
    size: (i64, &str),
    aliases: &[&str],
) -> CatalogItem {
    CatalogItem {
        product_id: id,
        sku: sku.to_string(),
        name: name.to_string(),
        brand: (!brand.is_empty()).then(|| brand.to_string()),
        category: None,
        pack_size: Some(Decimal::from(size.0)),
        unit: Some(size.1.to_string()),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        active: true,
    }
}

fn catalog() -> Vec<CatalogItem> {
    vec![
        item(
            1,
            "RICE-1KG",
            "Basmati Rice",
            "Gyan",
            (1, "kg"),
            &["chamal", "चामल"],
        ),
        item(
            2,
            "RICE-5KG",
            "Basmati Rice",
            "Gyan",
            (5, "kg"),
            &["chamal", "चामल"],
        ),
        item(
            3,
            "RICE-25KG",
            "Jeera Masino Rice",
            "Gyan",
            (25, "kg"),
            &["masino chamal", "चामल"],
        ),
        item(4, "SUGAR-1KG", "Sugar", "", (1, "kg"), &["chini", "चिनी"]),
        item(5, "SUGAR-5KG", "Sugar", "", (5, "kg"), &["chini", "चिनी"]),
        item(
            6,
            "BISCUIT-GLU",
            "Nebico Glucose Biscuit",
            "Nebico",
            (100, "g"),
            &["biskut", "बिस्कुट"],
        ),
        item(
            7,
            "TEA-TOKLA-500G",
            "Tokla Tea",
            "Tokla",
            (500, "g"),
            &["chiya", "चिया"],
        ),
        item(
            8,
            "TEA-ILAM-500G",
            "Ilam Tea",
            "Ilam",
            (500, "g"),
            &["chiya", "चिया"],
        ),
        item(
            9,
            "TEA-GREEN-100G",
            "Green Tea",
            "Ilam",
            (100, "g"),
            &["hariyo chiya"],
        ),
        item(
            10,
            "OIL-SOY-1L",
            "Soybean Oil",
            "Dhara",
            (1, "l"),
            &["tel", "तेल", "bhatmas tel"],
        ),
        item(
            11,
            "OIL-MUS-1L",
            "Mustard Oil",
            "Dhara",
            (1, "l"),
            &["tori tel", "तोरीको तेल"],
        ),
        item(
            12,
            "SALT-1KG",
            "Iodized Salt",
            "Aayo",
            (1, "kg"),
            &["nun", "नुन"],
        ),
        item(
            13,
            "NOODLE-WAIWAI",
            "Wai Wai Chicken Noodles",
            "Wai Wai",
            (75, "g"),
            &["chauchau"],
        ),
        item(
            14,
            "NOODLE-RARA",
            "Rara Veg Noodles",
            "Rara",
            (70, "g"),
            &["chauchau"],
        ),
    ]
}

fn engine() -> MatchEngine {
    MatchEngine::open(None, catalog(), 1).unwrap()
}

fn decide(e: &MatchEngine, phrase: &str) -> MatchDecision {
    e.match_phrase(phrase, &MatchContext::default())
}

fn skus(d: &MatchDecision) -> Vec<&str> {
    d.candidates.iter().map(|c| c.sku.as_str()).collect()
}

fn assert_matched(d: &MatchDecision, sku: &str) {
    assert_eq!(d.decision, Decision::Matched, "{d:?}");
    assert_eq!(d.candidates[0].sku, sku, "{d:?}");
}

#[test]
fn chamal_with_a_size_is_the_rice_of_that_size_in_either_script() {
    let e = engine();
    assert_matched(&decide(&e, "chamal 1kg"), "RICE-1KG");
    assert_matched(&decide(&e, "chaamal 5 kg"), "RICE-5KG");
    assert_matched(&decide(&e, "चामल ५ किलो"), "RICE-5KG");
    assert_matched(&decide(&e, "चामल 25 केजी"), "RICE-25KG");
}

#[test]
fn chamal_alone_is_ambiguous_and_offers_the_rices() {
    let d = decide(&engine(), "chamal");
    assert_eq!(d.decision, Decision::Ambiguous);
    assert!(
        skus(&d).contains(&"RICE-1KG") && skus(&d).contains(&"RICE-5KG"),
        "{d:?}"
    );
}

#[test]
fn a_size_from_the_message_parser_picks_the_pack() {
    let ctx = MatchContext {
        history: None,
        size_hint: Some((Decimal::from(25), "kg".to_string())),
    };
    let d = engine().match_phrase("chamal", &ctx);
    assert_matched(&d, "RICE-25KG");
}

#[test]
fn a_product_code_is_matched_exactly_in_any_case() {
    let e = engine();
    let d = decide(&e, "RICE-1KG");
    assert_matched(&d, "RICE-1KG");
    assert_eq!(d.candidates[0].reason, Reason::ExactCode);
    assert_matched(&decide(&e, "rice_1kg"), "RICE-1KG");
}

#[test]
fn misspelled_english_and_romanized_words_are_matched() {
    let e = engine();
    assert_matched(&decide(&e, "suger 1kg"), "SUGAR-1KG");
    assert_matched(&decide(&e, "cheeni 5 kg"), "SUGAR-5KG");
    let d = decide(&e, "biskut");
    assert_matched(&d, "BISCUIT-GLU");
    assert_eq!(d.candidates[0].reason, Reason::Alias);
    assert_matched(&decide(&e, "nebico glucoze biscuit"), "BISCUIT-GLU");
}

#[test]
fn a_size_is_never_fuzzed() {
    let e = engine();
    assert_matched(&decide(&e, "sugar 1kg"), "SUGAR-1KG");
    assert_matched(&decide(&e, "sugar 5kg"), "SUGAR-5KG");
    let d = decide(&e, "sugar 2kg");
    assert_ne!(d.decision, Decision::Matched, "no 2 kg sugar exists: {d:?}");
}

#[test]
fn the_same_size_written_three_ways_gives_the_same_answer() {
    let e = engine();
    let a = decide(&e, "tokla 500 g");
    assert_matched(&a, "TEA-TOKLA-500G");
    assert_eq!(a, decide(&e, "tokla 500g"));
    assert_eq!(a, decide(&e, "tokla 0.5 kg"));
}

#[test]
fn tea_is_ambiguous_until_the_retailers_history_says_which() {
    let e = engine();
    let d = decide(&e, "tea");
    assert_eq!(d.decision, Decision::Ambiguous, "{d:?}");
    let history = HashMap::from([(7u64, 12u32)]);
    let ctx = MatchContext {
        history: Some(&history),
        size_hint: None,
    };
    let d = e.match_phrase("tea", &ctx);
    assert_matched(&d, "TEA-TOKLA-500G");
    assert_eq!(d.candidates[0].reason, Reason::History);
}

#[test]
fn brand_and_alias_together_name_one_product() {
    let e = engine();
    assert_matched(&decide(&e, "rara chauchau"), "NOODLE-RARA");
    assert_matched(&decide(&e, "wai wai chauchau"), "NOODLE-WAIWAI");
    assert_eq!(decide(&e, "chauchau").decision, Decision::Ambiguous);
    assert_matched(&decide(&e, "tokla chiya"), "TEA-TOKLA-500G");
}

#[test]
fn a_short_word_with_a_typo_is_not_guessed() {
    // "tel" (oil) and "tea" are one letter apart; under five letters nothing is fuzzed.
    let d = decide(&engine(), "tez");
    assert_eq!(d.decision, Decision::NotFound, "{d:?}");
}

#[test]
fn nonsense_is_not_found_and_empty_input_has_no_candidates() {
    let e = engine();
    assert_eq!(decide(&e, "qwxzv plokm").decision, Decision::NotFound);
    let d = decide(&e, "");
    assert_eq!(d.decision, Decision::NotFound);
    assert!(d.candidates.is_empty());
}

#[test]
fn an_inactive_product_never_matches_and_an_edit_is_visible_at_once() {
    let e = engine();
    let mut salt = catalog().remove(11);
    salt.active = false;
    e.upsert(salt.clone(), 2).unwrap();
    let d = decide(&e, "nun");
    assert!(!skus(&d).contains(&"SALT-1KG"), "{d:?}");
    assert!(!e.search("salt", 10).contains(&12));
    salt.active = true;
    salt.aliases.push("noon".into());
    e.upsert(salt, 3).unwrap();
    assert_matched(&decide(&e, "noon"), "SALT-1KG");
    assert_eq!(e.search("iodized salt", 10).first(), Some(&12));
}

#[test]
fn a_new_product_is_found_as_soon_as_upsert_returns() {
    let e = engine();
    e.upsert(
        item(20, "GUNDRUK-100G", "Gundruk", "", (100, "g"), &["गुन्द्रुक"]),
        2,
    )
    .unwrap();
    assert_matched(&decide(&e, "gundruk"), "GUNDRUK-100G");
    assert_matched(&decide(&e, "गुन्द्रुक"), "GUNDRUK-100G");
}

#[test]
fn rebuild_replaces_the_whole_catalog() {
    let e = engine();
    e.rebuild(
        vec![item(30, "GHEE-1L", "Cow Ghee", "DDC", (1, "l"), &["ghiu"])],
        9,
    )
    .unwrap();
    assert_matched(&decide(&e, "ghiu"), "GHEE-1L");
    assert_eq!(decide(&e, "chamal 1kg").decision, Decision::NotFound);
}

#[test]
fn answers_are_deterministic_and_ties_go_to_the_lower_id() {
    let e = engine();
    let a = decide(&e, "basmati rice");
    assert_eq!(a, decide(&e, "basmati rice"));
    assert_eq!(a.decision, Decision::Ambiguous);
    assert_eq!(skus(&a)[..2], ["RICE-1KG", "RICE-5KG"]);
}

#[test]
fn the_decision_serializes_as_the_contract_says() {
    let d = decide(&engine(), "RICE-1KG");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["decision"], "matched");
    let c = &json["candidates"][0];
    assert_eq!(c["product_id"], 1);
    assert_eq!(c["sku"], "RICE-1KG");
    assert_eq!(c["name"], "Basmati Rice");
    assert_eq!(c["reason"], "exact_code");
    assert!(
        c["confidence"]
            .as_f64()
            .is_some_and(|x| (0.0..=1.0).contains(&x))
    );
}

#[test]
fn an_index_on_disk_is_reused_for_the_same_version_and_rebuilt_for_another() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let e = MatchEngine::open(Some(&path), catalog(), 4).unwrap();
        assert_matched(&decide(&e, "chamal 1kg"), "RICE-1KG");
    }
    {
        let e = MatchEngine::open(Some(&path), catalog(), 4).unwrap();
        assert_matched(&decide(&e, "chamal 1kg"), "RICE-1KG");
    }
    let mut changed = catalog();
    changed.push(item(
        40,
        "CHIURA-1KG",
        "Beaten Rice",
        "",
        (1, "kg"),
        &["chiura"],
    ));
    let e = MatchEngine::open(Some(&path), changed, 5).unwrap();
    assert_matched(&decide(&e, "chiura"), "CHIURA-1KG");
}
