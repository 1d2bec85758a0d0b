//! Pack sizes: "500 g" = "500g" = "0.5 kg", "1 ltr" = "1000 ml", "12 pcs".
//!
//! A size is an exact quantity in a base unit (grams, millilitres, pieces). Sizes are compared
//! for equality only and never fuzzed: "1kg" must never meet "5kg". Parsing never fails loudly:
//! an unknown unit or an absurd number simply yields no size.

use rust_decimal::Decimal;
use std::str::FromStr;

/// What a size measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Dim {
    Mass,
    Volume,
    Count,
}

/// A quantity in the base unit of its dimension (g, ml, pieces), normalized so equal sizes are
/// equal values (`500.0` and `500` compare equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Size {
    pub dim: Dim,
    pub amount: Decimal,
}

impl Size {
    /// Builds a size from a number and a unit word, as the catalog or a phrase writes them.
    pub(crate) fn new(amount: Decimal, unit: &str) -> Option<Size> {
        let (dim, factor) = unit_of(unit)?;
        let amount = amount.checked_mul(factor)?.normalize();
        (amount > Decimal::ZERO).then_some(Size { dim, amount })
    }
}

impl Size {
    /// The index term of a size ("#500g", "#1000ml", "#30pcs"): sizes are retrieved exactly,
    /// and `#` never starts a word key.
    pub(crate) fn term(&self) -> String {
        let unit = match self.dim {
            Dim::Mass => "g",
            Dim::Volume => "ml",
            Dim::Count => "pcs",
        };
        format!("#{}{unit}", self.amount)
    }
}

/// Parses a number as written in a phrase ("500", "0.5", "1.25").
pub(crate) fn parse_number(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.len() > 12 {
        return None;
    }
    Decimal::from_str(text).ok().map(|d| d.normalize())
}

/// The dimension and the factor to its base unit of a unit word. Besides the catalog's units
/// (g, kg, ml, l, pcs) it knows the spellings shopkeepers use, including the romanized and
/// transliterated Nepali ones (किलो → "kilo", ग्राम → "graam", लिटर → "litar", वटा → "vataa").
pub(crate) fn unit_of(word: &str) -> Option<(Dim, Decimal)> {
    let one = Decimal::ONE;
    Some(match word {
        "g" | "gm" | "gms" | "gr" | "grm" | "grms" | "gram" | "grams" | "gramme" | "grammes"
        | "graam" | "gaaram" => (Dim::Mass, one),
        "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms" | "keji" | "kejii" | "kiloo" => {
            (Dim::Mass, Decimal::from(1000))
        }
        "mg" | "mgs" => (Dim::Mass, Decimal::new(1, 3)),
        "ml" | "mls" | "millilitre" | "milliliter" | "millilitres" | "milliliters" | "mili"
        | "emel" => (Dim::Volume, one),
        "l" | "lt" | "ltr" | "ltrs" | "litre" | "litres" | "liter" | "liters" | "litar"
        | "liitar" | "litaar" => (Dim::Volume, Decimal::from(1000)),
        "pc" | "pcs" | "piece" | "pieces" | "u" | "unit" | "units" | "nos" | "ota" | "otaa"
        | "vata" | "vataa" | "wata" | "wota" | "gota" | "bag" | "bags" | "sachet" | "sachets" => {
            (Dim::Count, one)
        }
        _ => return None,
    })
}

/// The size a catalog item declares with `pack_size` and `unit`.
pub(crate) fn from_item(pack_size: Option<Decimal>, unit: Option<&str>) -> Option<Size> {
    let unit = unit?.trim().to_lowercase();
    Size::new(pack_size?, &unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(n: &str, unit: &str) -> Option<Size> {
        Size::new(parse_number(n)?, unit)
    }

    #[test]
    fn the_same_quantity_in_other_units_is_the_same_size() {
        assert_eq!(size("500", "g"), size("0.5", "kg"));
        assert_eq!(size("1", "ltr"), size("1000", "ml"));
        assert_eq!(size("1", "kilo"), size("1000", "gm"));
    }

    #[test]
    fn different_quantities_are_never_equal() {
        assert_ne!(size("1", "kg"), size("5", "kg"));
        assert_ne!(size("500", "g"), size("500", "ml"));
    }

    #[test]
    fn a_size_has_one_index_term_whatever_its_spelling() {
        assert_eq!(size("0.5", "kg").unwrap().term(), "#500g");
        assert_eq!(size("500.0", "gm").unwrap().term(), "#500g");
        assert_eq!(size("1", "l").unwrap().term(), "#1000ml");
    }

    #[test]
    fn unknown_units_and_absurd_numbers_give_no_size() {
        assert_eq!(size("5", "furlong"), None);
        assert_eq!(parse_number("99999999999999999999"), None);
        assert_eq!(size("0", "kg"), None);
    }
}
