//! Product codes (`RICE-1KG`): read once, at the edge, and upper-case from then on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A product code: 1-64 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or a
/// digit, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sku(String);

impl Sku {
    /// Reads a code exactly as the API takes it (no spaces around it), in any case.
    pub fn parse(raw: &str) -> Result<Sku, String> {
        let ok_chars = raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if raw.is_empty()
            || raw.len() > 64
            || !ok_chars
            || !raw.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            return Err(format!(
                "'{raw}' is not a product code: 1-64 letters, digits, '-', '_' or '.', e.g. RICE-1KG"
            ));
        }
        Ok(Sku(raw.to_ascii_uppercase()))
    }

    /// Reads a code as people type it (a CSV cell, a WhatsApp word): spaces around it ignored.
    pub fn read(raw: &str) -> Result<Sku, String> {
        Sku::parse(raw.trim())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Sku;

    #[test]
    fn codes_are_upper_case_and_strictly_shaped() {
        assert_eq!(Sku::parse("rice-1kg").unwrap().as_str(), "RICE-1KG");
        assert_eq!(Sku::read("  oil_1l ").unwrap().as_str(), "OIL_1L");
        for bad in ["", " RICE", "-RICE", "RICE 1KG", "चामल", &"X".repeat(65)] {
            assert!(Sku::parse(bad).is_err(), "{bad:?}");
        }
    }
}
