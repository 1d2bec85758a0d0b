//! The canonical units an order line can carry, and what each one measures.
//!
//! Owns the closed list of units (`kg`, `bora` → `bag`, …) and their exact metric factors.
//! It never guesses how a word maps to a unit (that is `lexicon`) and never converts into
//! packs (that is `convert`, which needs the product).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A canonical unit. Serialized as its lower-case name (`"kg"`, `"packet"`, `"pathi"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    G,
    Kg,
    Ml,
    L,
    Pcs,
    Packet,
    Bottle,
    Bag,
    Carton,
    Dozen,
    Pau,
    Dharni,
    Mana,
    Pathi,
}

/// What a unit measures. Weight and volume never convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Weight,
    Volume,
    /// Packaging words and counts: they mean packs of the product.
    Count,
    /// Pau, dharni, mana, pathi: their size comes from a configurable table.
    Traditional,
}

impl Unit {
    /// The canonical lower-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::G => "g",
            Unit::Kg => "kg",
            Unit::Ml => "ml",
            Unit::L => "l",
            Unit::Pcs => "pcs",
            Unit::Packet => "packet",
            Unit::Bottle => "bottle",
            Unit::Bag => "bag",
            Unit::Carton => "carton",
            Unit::Dozen => "dozen",
            Unit::Pau => "pau",
            Unit::Dharni => "dharni",
            Unit::Mana => "mana",
            Unit::Pathi => "pathi",
        }
    }

    /// What this unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::G | Unit::Kg => Dimension::Weight,
            Unit::Ml | Unit::L => Dimension::Volume,
            Unit::Pau | Unit::Dharni | Unit::Mana | Unit::Pathi => Dimension::Traditional,
            Unit::Pcs | Unit::Packet | Unit::Bottle | Unit::Bag | Unit::Carton | Unit::Dozen => {
                Dimension::Count
            }
        }
    }

    /// True for units that measure an amount of stuff (weight, volume, traditional) rather
    /// than count packs. A measure next to a count is a pack size, not the quantity.
    pub fn is_measure(self) -> bool {
        self.dimension() != Dimension::Count
    }

    /// The exact size of one unit in grams or millilitres, for metric units only.
    pub fn metric_base(self) -> Option<(Dimension, Decimal)> {
        match self {
            Unit::G => Some((Dimension::Weight, Decimal::ONE)),
            Unit::Kg => Some((Dimension::Weight, Decimal::ONE_THOUSAND)),
            Unit::Ml => Some((Dimension::Volume, Decimal::ONE)),
            Unit::L => Some((Dimension::Volume, Decimal::ONE_THOUSAND)),
            _ => None,
        }
    }
}

/// The kind of pack a packaging word names: "bora" a sack, "peti" a carton, "lari" a strip.
/// The unit says how to count; the pack says which of a product's packs is meant, so "2 bora
/// chamal" is two of the rice sold by the sack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pack {
    Sack,
    Carton,
    /// A crate: a carton of bottles, or a tray of eggs.
    Crate,
    Tray,
    Strip,
    Bundle,
    Pouch,
    /// Any packet: the product's ordinary pack, never a sack or a carton.
    Packet,
    Bottle,
    Jar,
    Tin,
    Can,
    /// One piece: "wota", "pcs", "गोटा".
    Piece,
}

impl Pack {
    /// The canonical lower-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Pack::Sack => "sack",
            Pack::Carton => "carton",
            Pack::Crate => "crate",
            Pack::Tray => "tray",
            Pack::Strip => "strip",
            Pack::Bundle => "bundle",
            Pack::Pouch => "pouch",
            Pack::Packet => "packet",
            Pack::Bottle => "bottle",
            Pack::Jar => "jar",
            Pack::Tin => "tin",
            Pack::Can => "can",
            Pack::Piece => "piece",
        }
    }
}

impl fmt::Display for Pack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_serializes_as_its_lower_case_name() {
        let json = serde_json::to_string(&[Unit::Kg, Unit::Packet, Unit::Pathi]).unwrap();
        assert_eq!(json, r#"["kg","packet","pathi"]"#);
    }

    #[test]
    fn packaging_units_are_counts_and_weights_are_measures() {
        assert!(!Unit::Bag.is_measure());
        assert!(!Unit::Dozen.is_measure());
        assert!(Unit::Kg.is_measure());
        assert!(Unit::Pau.is_measure());
    }

    #[test]
    fn a_kilogram_is_exactly_a_thousand_grams() {
        assert_eq!(
            Unit::Kg.metric_base(),
            Some((Dimension::Weight, Decimal::ONE_THOUSAND))
        );
        assert_eq!(Unit::Bottle.metric_base(), None);
    }
}
