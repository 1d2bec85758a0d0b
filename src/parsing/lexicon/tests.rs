use super::*;

#[test]
fn the_built_in_word_list_has_no_bad_line() {
    assert_eq!(Lexicon::read(BUILTIN).1, Vec::new());
}

#[test]
fn words_are_found_in_every_script_and_spelling() {
    let lexicon = Lexicon::default();
    assert_eq!(lexicon.unit_of("बोरा"), Some(Unit::Bag));
    assert_eq!(lexicon.unit_of("K.G."), Some(Unit::Kg));
    assert_eq!(lexicon.unit_of("botals"), Some(Unit::Bottle));
    assert!(lexicon.is_number_word("पाँच"));
    assert!(lexicon.is_number_word("पांच"));
    assert!(lexicon.is_number_word("duiwota"));
}

#[test]
fn filler_is_matched_by_whole_word_never_by_prefix() {
    let lexicon = Lexicon::default();
    let filler = |w: &str| lexicon.info(w).is_some_and(|i| i.has(role::FILLER));
    assert!(filler("ok") && filler("hi") && filler("pleaseee"));
    assert!(!filler("okra") && !filler("hing") && !filler("hii-fi"));
    assert!(filler("pathaidinuhola"));
}

#[test]
fn a_malformed_word_list_is_refused_with_its_line() {
    let err = Lexicon::from_text("unit kg: kilo\nunit litre-ish: x").unwrap_err();
    assert_eq!(err.line, 2);
    let mut lexicon = Lexicon::default();
    lexicon.extend_from_text("unit bag: gunny").unwrap();
    assert_eq!(lexicon.unit_of("gunny"), Some(Unit::Bag));
}
