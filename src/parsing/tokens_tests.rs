use super::*;

fn kinds(text: &str) -> Vec<String> {
    let lexicon = Lexicon::default();
    tokenize(text, &lexicon)
        .iter()
        .map(|t| {
            let s = &text[t.start..t.end];
            match t.kind {
                TokKind::Word => format!("w:{s}"),
                TokKind::Code => format!("c:{s}"),
                TokKind::Num(_) => format!("n:{s}"),
                TokKind::Punct(_) => format!("p:{s}"),
                TokKind::Break => "br".to_string(),
            }
        })
        .collect()
}

#[test]
fn a_product_code_is_one_token_with_its_digits() {
    assert_eq!(kinds("RICE-1KG x 10"), ["c:RICE-1KG", "w:x", "n:10"]);
    assert_eq!(kinds("rice-1kg:10"), ["c:rice-1kg", "p::", "n:10"]);
}

#[test]
fn a_word_dash_number_is_a_word_and_a_quantity() {
    assert_eq!(kinds("dal-5"), ["w:dal", "p:-", "n:5"]);
}

#[test]
fn glued_quantities_and_units_are_split() {
    assert_eq!(kinds("chini5kg"), ["w:chini", "n:5", "w:kg"]);
    assert_eq!(kinds("x10"), ["w:x", "n:10"]);
    assert_eq!(kinds("10X"), ["n:10", "w:X"]);
    assert_eq!(kinds("चामल१०किलो"), ["w:चामल", "n:१०", "w:किलो"]);
}

#[test]
fn a_unit_glued_to_the_product_is_cut_off() {
    assert_eq!(kinds("10kgrice"), ["n:10", "w:kg", "w:rice"]);
    assert_eq!(kinds("5star"), ["w:5star"]);
}

#[test]
fn brand_names_with_digits_stay_whole() {
    assert_eq!(kinds("7up 5"), ["w:7up", "n:5"]);
    assert_eq!(kinds("A4 paper"), ["w:A4", "w:paper"]);
}

#[test]
fn abbreviations_with_dots_are_one_word() {
    assert_eq!(kinds("5 k.g."), ["n:5", "w:k.g", "p:."]);
    assert_eq!(kinds("Parle-G"), ["w:Parle-G"]);
}

#[test]
fn rtl_marks_and_control_characters_are_spaces() {
    assert_eq!(kinds("dal\u{200F}5\u{0007}kg"), ["w:dal", "n:5", "w:kg"]);
}
