//! Tests for `parse_message`: one rule per test, named as the sentence it checks.

use super::*;

fn lines(text: &str) -> Vec<(String, Option<String>, Option<&'static str>)> {
    parse_message(text)
        .items
        .into_iter()
        .map(|i| {
            (
                i.phrase,
                i.quantity.map(|q| q.to_string()),
                i.unit.map(Unit::as_str),
            )
        })
        .collect()
}

fn line(
    phrase: &str,
    q: Option<&str>,
    unit: Option<&'static str>,
) -> (String, Option<String>, Option<&'static str>) {
    (phrase.to_string(), q.map(str::to_string), unit)
}

#[test]
fn a_code_with_a_times_sign_is_read_in_either_order() {
    for text in [
        "RICE-1KG x 10",
        "10 x RICE-1KG",
        "RICE-1KG × 10",
        "RICE-1KG: 10",
        "RICE-1KG - 10",
    ] {
        assert_eq!(lines(text), [line("RICE-1KG", Some("10"), None)], "{text}");
    }
}

#[test]
fn a_code_digits_are_never_the_quantity() {
    let parsed = parse_message("RICE-1KG");
    assert_eq!(parsed.items[0].quantity, None);
    assert_eq!(parsed.problems[0].reason, "quantity missing for 'RICE-1KG'");
    assert_eq!(
        parsed.items[0].size,
        Some(Size {
            amount: Decimal::ONE,
            unit: Unit::Kg
        })
    );
}

#[test]
fn a_quantity_written_in_devanagari_digits_is_read() {
    assert_eq!(
        lines("चामल १० किलो"),
        [line("चामल", Some("10"), Some("kg"))]
    );
}

#[test]
fn a_pack_size_next_to_a_count_stays_in_the_phrase() {
    let parsed = parse_message("chamal 25 kg 2 bora");
    assert_eq!(
        lines("chamal 25 kg 2 bora"),
        [line("chamal 25 kg", Some("2"), Some("bag"))]
    );
    assert_eq!(
        parsed.items[0].size,
        Some(Size {
            amount: Decimal::from(25),
            unit: Unit::Kg
        })
    );
    assert_eq!(lines("Coke 500ml 5"), [line("Coke 500ml", Some("5"), None)]);
}

#[test]
fn a_weight_alone_is_the_quantity() {
    assert_eq!(lines("10kg rice"), [line("rice", Some("10"), Some("kg"))]);
    assert_eq!(
        lines("I need 5 kg dal"),
        [line("dal", Some("5"), Some("kg"))]
    );
}

#[test]
fn greetings_are_removed_by_whole_word_only() {
    assert_eq!(lines("Okra 3"), [line("Okra", Some("3"), None)]);
    assert_eq!(
        lines("hi, hing 2 packet"),
        [line("hing", Some("2"), Some("packet"))]
    );
    assert_eq!(
        lines("Namaste sahuji, 3 kg dal pathaunus hai"),
        [line("dal", Some("3"), Some("kg"))]
    );
}

#[test]
fn number_words_are_read_in_three_scripts() {
    assert_eq!(
        lines("das kg chini"),
        [line("chini", Some("10"), Some("kg"))]
    );
    assert_eq!(
        lines("दस किलो चिनी"),
        [line("चिनी", Some("10"), Some("kg"))]
    );
    assert_eq!(
        lines("ten bags of rice"),
        [line("rice", Some("10"), Some("bag"))]
    );
    assert_eq!(
        lines("saadhe tin kg dal"),
        [line("dal", Some("3.5"), Some("kg"))]
    );
    assert_eq!(
        lines("dedh kg ghee"),
        [line("ghee", Some("1.5"), Some("kg"))]
    );
    assert_eq!(
        lines("aadha kg jeera"),
        [line("jeera", Some("0.5"), Some("kg"))]
    );
}

#[test]
fn an_ambiguous_number_word_is_a_number_only_before_a_unit() {
    assert_eq!(
        lines("tin kg chini"),
        [line("chini", Some("3"), Some("kg"))]
    );
    assert_eq!(lines("ghee 2 tin"), [line("ghee", Some("2"), Some("pcs"))]);
}

#[test]
fn a_price_is_never_the_quantity() {
    let parsed = parse_message("Rs 50 wala chips 6");
    assert_eq!(
        lines("Rs 50 wala chips 6"),
        [line("chips", Some("6"), None)]
    );
    assert_eq!(parsed.items[0].price, Some(Decimal::from(50)));
    assert_eq!(
        lines("रु ५० को चाउचाउ १०"),
        [line("चाउचाउ", Some("10"), None)]
    );
}

#[test]
fn several_items_on_one_line_are_split() {
    assert_eq!(
        lines("chini 5 kg ra tel 2 botal"),
        [
            line("chini", Some("5"), Some("kg")),
            line("tel", Some("2"), Some("bottle"))
        ]
    );
    assert_eq!(
        lines("chini 5kg dal 2kg"),
        [
            line("chini", Some("5"), Some("kg")),
            line("dal", Some("2"), Some("kg"))
        ]
    );
}

#[test]
fn a_greeting_or_a_question_is_no_order() {
    for text in [
        "hello",
        "ok thank you",
        "kati ho chamal ko rate?",
        "",
        "🙏🙏",
    ] {
        let parsed = parse_message(text);
        assert_eq!(parsed.kind, MessageKind::NoOrder, "{text}");
        assert!(parsed.items.is_empty(), "{text}");
    }
    assert_eq!(parse_message("kati ho chamal ko rate?").questions.len(), 1);
}

#[test]
fn a_product_without_quantity_stays_an_item_and_says_so() {
    let parsed = parse_message("dal");
    assert_eq!(parsed.kind, MessageKind::Order);
    assert_eq!(parsed.items[0].quantity, None);
    assert_eq!(parsed.problems[0].reason, "quantity missing for 'dal'");
}

#[test]
fn two_possible_quantities_are_asked_back() {
    let parsed = parse_message("rice 5 10");
    assert_eq!(parsed.items[0].quantity, None);
    assert!(parsed.problems[0].reason.contains("more than one quantity"));
}

#[test]
fn a_quantity_alone_on_the_next_line_joins_its_product() {
    assert_eq!(lines("Rice\n10 kg"), [line("Rice", Some("10"), Some("kg"))]);
}

#[test]
fn spans_point_at_the_item_in_the_original_text() {
    let text = "Namaste 🙏\n1. Rice 10 kg\n2. दाल ५ केजी";
    let parsed = parse_message(text);
    let spans: Vec<&str> = parsed
        .items
        .iter()
        .map(|i| &text[i.span[0]..i.span[1]])
        .collect();
    assert_eq!(spans, ["Rice 10 kg", "दाल ५ केजी"]);
}

#[test]
fn zero_and_huge_quantities_are_problems() {
    assert!(
        parse_message("rice 0").problems[0]
            .reason
            .contains("quantity 0")
    );
    assert!(
        parse_message("rice 500000").problems[0]
            .reason
            .contains("too large")
    );
}

#[test]
fn times_and_phone_numbers_are_not_quantities() {
    assert_eq!(
        lines("dal 5 kg bholi 10 baje samma"),
        [line("dal", Some("5"), Some("kg"))]
    );
    assert_eq!(
        lines("rice 10 kg, phone 9841234567"),
        [line("rice", Some("10"), Some("kg"))]
    );
    assert_eq!(lines("dal 9841234567"), [line("dal", None, None)]);
}

#[test]
fn the_result_serializes_as_the_cli_contract() {
    let json = serde_json::to_value(parse_message("chini 2.5 kg")).unwrap();
    assert_eq!(json["kind"], "order");
    assert_eq!(json["items"][0]["quantity"], "2.5");
    assert_eq!(json["items"][0]["unit"], "kg");
    assert_eq!(json["items"][0]["span"], serde_json::json!([0, 12]));
    let none = serde_json::to_value(parse_message("")).unwrap();
    assert_eq!(none["kind"], "no_order");
}

#[test]
fn a_name_before_a_title_is_not_a_product() {
    assert_eq!(
        lines("Namaste Ram dai, chamal 2 bora"),
        [line("chamal", Some("2"), Some("bag"))]
    );
    assert_eq!(parse_message("Hello Suresh ji").kind, MessageKind::NoOrder);
}

#[test]
fn pani_after_another_product_means_also_but_alone_it_is_water() {
    assert_eq!(
        lines("dal 5 kg pani chahiyo"),
        [line("dal", Some("5"), Some("kg"))]
    );
    assert_eq!(
        lines("2 botal pani"),
        [line("pani", Some("2"), Some("bottle"))]
    );
}

#[test]
fn a_count_in_brackets_beside_a_count_is_a_note() {
    assert_eq!(
        lines("Chauchau 1 carton (30 pcs)"),
        [line("Chauchau", Some("1"), Some("carton"))]
    );
}

#[test]
fn kilos_and_grams_written_together_are_one_quantity() {
    assert_eq!(
        lines("chini 1 kg 500 gm"),
        [line("chini", Some("1.5"), Some("kg"))]
    );
}

#[test]
fn emoji_keycap_numbers_are_bullets() {
    assert_eq!(
        lines("1\u{FE0F}\u{20E3} Chini 5kg\n2\u{FE0F}\u{20E3} Dal 2kg"),
        [
            line("Chini", Some("5"), Some("kg")),
            line("Dal", Some("2"), Some("kg"))
        ]
    );
}

#[test]
fn items_written_quantity_first_on_one_line_are_split() {
    assert_eq!(
        lines("5 kg chini 2 kg dal"),
        [
            line("chini", Some("5"), Some("kg")),
            line("dal", Some("2"), Some("kg"))
        ]
    );
}

#[test]
fn a_heading_line_is_dropped() {
    assert_eq!(
        lines("Order list:\nRice 10 kg"),
        [line("Rice", Some("10"), Some("kg"))]
    );
}

#[test]
fn a_question_after_an_order_does_not_swallow_it() {
    let parsed = parse_message("kati ho? chamal 2 bora");
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.questions, ["kati ho?"]);
}
