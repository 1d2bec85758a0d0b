//! Amounts in metric units, and the table of traditional units (dharni, pau, mana, ...) in
//! them, as the owner configures it.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::units::Unit;

/// An amount in a metric unit, written in config as `"250 g"` or `"4.54596 l"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Measure {
    pub amount: Decimal,
    pub unit: Unit,
}

impl FromStr for Measure {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let amount = number
            .parse::<Decimal>()
            .map_err(|_| format!("'{s}' does not start with a number"))?;
        let unit = match unit.trim().to_ascii_lowercase().as_str() {
            "g" => Unit::G,
            "kg" => Unit::Kg,
            "ml" => Unit::Ml,
            "l" => Unit::L,
            other => return Err(format!("'{other}' is not g, kg, ml or l")),
        };
        if amount <= Decimal::ZERO {
            return Err(format!("'{s}' must be more than zero"));
        }
        Ok(Measure { amount, unit })
    }
}

impl TryFrom<String> for Measure {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Measure> for String {
    fn from(m: Measure) -> String {
        m.to_string()
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount.normalize(), self.unit)
    }
}

/// What one pau, dharni, mana and pathi are in metric units. The pau differs by region
/// (200 g in Kathmandu, 250 g elsewhere), so this lives in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TraditionalUnits {
    pub pau: Measure,
    pub dharni: Measure,
    pub mana: Measure,
    pub pathi: Measure,
}

impl Default for TraditionalUnits {
    /// pau 250 g (a quarter kilo, "4 pau = 1 kg" outside Kathmandu); dharni 2.4 kg (12 old
    /// pau of ≈199 g); pathi 4.54596 l and mana 0.568245 l (⅛ pathi), as in the Standard
    /// Weights and Measures Act 1968. Sources in NOTES.md.
    fn default() -> Self {
        TraditionalUnits {
            pau: Measure {
                amount: Decimal::from(250),
                unit: Unit::G,
            },
            dharni: Measure {
                amount: Decimal::new(24, 1),
                unit: Unit::Kg,
            },
            mana: Measure {
                amount: Decimal::new(568_245, 6),
                unit: Unit::L,
            },
            pathi: Measure {
                amount: Decimal::new(454_596, 5),
                unit: Unit::L,
            },
        }
    }
}

impl TraditionalUnits {
    pub(super) fn measure(&self, unit: Unit) -> Option<Measure> {
        match unit {
            Unit::Pau => Some(self.pau),
            Unit::Dharni => Some(self.dharni),
            Unit::Mana => Some(self.mana),
            Unit::Pathi => Some(self.pathi),
            _ => None,
        }
    }
}
