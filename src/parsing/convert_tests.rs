//! Tests for pack conversion: every rule in `convert`, and the wording shown to retailers.

use super::*;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn pack(size: &str, unit: Unit) -> PackSpec {
    PackSpec {
        size: dec(size),
        unit,
        carton_packs: None,
    }
}

fn convert(q: &str, unit: Option<Unit>, p: &PackSpec) -> Result<Conversion, ConversionError> {
    to_packs(dec(q), unit, p, &TraditionalUnits::default())
}

#[test]
fn ten_kg_of_rice_in_one_kg_packs_is_ten_packs_and_says_so() {
    let c = convert("10", Some(Unit::Kg), &pack("1", Unit::Kg)).unwrap();
    assert_eq!(c.packs, 10);
    assert_eq!(c.note.as_deref(), Some("10 kg = 10 × 1 kg"));
}

#[test]
fn grams_convert_into_kilogram_packs_exactly() {
    let c = convert("2", Some(Unit::Kg), &pack("500", Unit::G)).unwrap();
    assert_eq!(c.packs, 4);
    assert_eq!(c.note.as_deref(), Some("2 kg = 4 × 500 g"));
    let c = convert("1500", Some(Unit::Ml), &pack("1.5", Unit::L)).unwrap();
    assert_eq!(c.packs, 1);
}

#[test]
fn a_quantity_in_packs_needs_no_note() {
    let c = convert("3", Some(Unit::Bag), &pack("25", Unit::Kg)).unwrap();
    assert_eq!(
        c,
        Conversion {
            packs: 3,
            note: None
        }
    );
    let c = convert("5", None, &pack("1", Unit::L)).unwrap();
    assert_eq!(c.packs, 5);
}

#[test]
fn a_quantity_that_does_not_divide_into_packs_is_asked_back_with_both_choices() {
    let err = convert("25", Some(Unit::Kg), &pack("10", Unit::Kg)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "25 kg does not divide into 10 kg packs: 2 packs (20 kg) or 3 packs (30 kg)?"
    );
}

#[test]
fn less_than_one_pack_offers_one_pack() {
    let err = convert("200", Some(Unit::G), &pack("1", Unit::Kg)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "200 g is less than one 1 kg pack: 1 pack (1 kg)?"
    );
}

#[test]
fn weight_never_converts_into_volume() {
    let err = convert("5", Some(Unit::L), &pack("1", Unit::Kg)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this product is sold by weight, not litres: how many kg?"
    );
    assert!(matches!(
        convert("2", Some(Unit::Kg), &pack("1", Unit::Pcs)),
        Err(ConversionError::UnitMismatch { .. })
    ));
}

#[test]
fn a_dozen_is_twelve_packs() {
    let c = convert("2", Some(Unit::Dozen), &pack("1", Unit::Pcs)).unwrap();
    assert_eq!(c.packs, 24);
    assert_eq!(c.note.as_deref(), Some("2 dozen = 24 packs"));
    let c = convert("0.5", Some(Unit::Dozen), &pack("1", Unit::Pcs)).unwrap();
    assert_eq!(c.packs, 6);
}

#[test]
fn a_carton_needs_its_pack_count() {
    let mut p = pack("500", Unit::Ml);
    assert!(matches!(
        convert("2", Some(Unit::Carton), &p),
        Err(ConversionError::UnknownCartonSize { .. })
    ));
    p.carton_packs = Some(24);
    let c = convert("2", Some(Unit::Carton), &p).unwrap();
    assert_eq!(c.packs, 48);
    assert_eq!(
        c.note.as_deref(),
        Some("2 carton = 48 packs (24 per carton)")
    );
}

#[test]
fn traditional_units_convert_through_the_table() {
    let c = convert("2", Some(Unit::Pau), &pack("500", Unit::G)).unwrap();
    assert_eq!(c.packs, 1);
    assert_eq!(c.note.as_deref(), Some("2 pau (500 g) = 1 × 500 g"));
    let kathmandu = TraditionalUnits {
        pau: "200 g".parse().unwrap(),
        ..TraditionalUnits::default()
    };
    let c = to_packs(dec("5"), Some(Unit::Pau), &pack("1", Unit::Kg), &kathmandu).unwrap();
    assert_eq!(c.packs, 1);
}

#[test]
fn a_volume_unit_for_grain_is_asked_back_when_the_pack_is_by_weight() {
    let err = convert("2", Some(Unit::Mana), &pack("1", Unit::Kg)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this product is sold by weight, not mana: how many kg?"
    );
}

#[test]
fn zero_negative_and_absurd_quantities_are_refused() {
    assert!(matches!(
        convert("0", None, &pack("1", Unit::Kg)),
        Err(ConversionError::NotPositive { .. })
    ));
    assert!(matches!(
        convert("-3", Some(Unit::Kg), &pack("1", Unit::Kg)),
        Err(ConversionError::NotPositive { .. })
    ));
    assert!(matches!(
        convert("100001", None, &pack("1", Unit::Kg)),
        Err(ConversionError::TooLarge { .. })
    ));
    let huge = Decimal::MAX;
    assert!(
        to_packs(
            huge,
            Some(Unit::Kg),
            &pack("0.001", Unit::G),
            &TraditionalUnits::default()
        )
        .is_err()
    );
}

#[test]
fn a_fraction_of_a_packet_is_asked_back() {
    let err = convert("2.5", Some(Unit::Packet), &pack("1", Unit::Kg)).unwrap_err();
    assert!(matches!(
        err,
        ConversionError::NotWhole {
            lower: 2,
            upper: 3,
            ..
        }
    ));
}

#[test]
fn the_sack_is_preferred_when_the_quantity_is_exactly_a_sack() {
    let packs = [
        pack("1", Unit::Kg),
        pack("25", Unit::Kg),
        pack("10", Unit::Kg),
    ];
    let table = TraditionalUnits::default();
    let (i, c) = choose_pack(dec("25"), Some(Unit::Kg), &packs, &table).unwrap();
    assert_eq!((i, c.packs), (1, 1));
    let (i, c) = choose_pack(dec("12"), Some(Unit::Kg), &packs, &table).unwrap();
    assert_eq!((i, c.packs), (0, 12));
}

#[test]
fn a_bad_pack_spec_is_reported_not_divided_by() {
    assert!(matches!(
        convert("2", Some(Unit::Kg), &pack("0", Unit::Kg)),
        Err(ConversionError::InvalidPack { .. })
    ));
    assert!(matches!(
        convert("2", None, &pack("1", Unit::Bag)),
        Err(ConversionError::InvalidPack { .. })
    ));
}

#[test]
fn the_traditional_table_is_read_from_config_text() {
    let table: TraditionalUnits = serde_json::from_str(r#"{"pau": "200 g"}"#).unwrap();
    assert_eq!(table.pau.to_string(), "200 g");
    assert_eq!(table.dharni, TraditionalUnits::default().dharni);
    assert!(serde_json::from_str::<TraditionalUnits>(r#"{"pau": "2 bora"}"#).is_err());
}
