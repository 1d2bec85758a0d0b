//! The language a person is answered in.

use serde::{Deserialize, Serialize};

/// The language replies are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Ne,
}

impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Language::En),
            "ne" | "nepali" => Ok(Language::Ne),
            other => Err(format!("unknown language '{other}' (expected en or ne)")),
        }
    }
}
