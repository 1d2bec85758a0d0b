//! The kinds of things a preview says about a line (a question, a conversion, a problem):
//! values the preview decides and the texts word, in either language.

use serde::{Deserialize, Serialize};

use crate::parsing::{Pack, ProblemKind};

/// Why a line is a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AskWhy {
    /// Several products fit what was written.
    Which,
    /// One product in several sizes, and the message named none.
    Size,
    /// The message named a size this product does not come in ("150 g").
    NoSuchSize { size: String },
    /// The message named a pack this product does not come in ("2 tray chamal").
    NoSuchPack { pack: Pack },
    /// The words only partly fit: "did you mean …?".
    Unsure,
    /// The amount written does not divide into whole packs of the one product: option `i`
    /// is `counts[i]` packs, `totals[i]` in all ("2 (800 g)" or "3 (1200 g)" for "1 kg").
    HowMany {
        written: String,
        counts: Vec<u32>,
        totals: Vec<String>,
    },
}

/// How a written amount became packs, for showing in either language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    /// The amount as written: "2 kg", "1 dozen", "2 × 1 kg".
    pub written: String,
    pub packs: u32,
    /// One pack of the chosen product: "500 g", "30 pcs".
    pub pack: String,
    /// Whether `written` counts dozens (so the text says "packs" rather than "× pack").
    pub dozen: bool,
}

/// Why a line cannot be ordered as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineProblem {
    /// Nothing in the catalog is called that; the nearest names, if any.
    NotFound { suggestions: Vec<String> },
    /// The message itself was unclear (no quantity, two quantities, an unreadable number).
    /// Kept as its JSON text: the parser's problem kinds are internally tagged for their JSON
    /// form, which the storage codec (not self-describing) cannot read back.
    Parse(#[serde(with = "as_json")] ProblemKind),
    /// The amount does not divide into whole packs: fewer or more?
    NotWhole {
        written: String,
        lower: u32,
        upper: u32,
        lower_total: String,
        upper_total: String,
    },
    /// A weight for a product sold by volume, or pieces for one sold by weight.
    UnitMismatch { product: String, sold_by: SoldBy },
    /// Cartons of a product whose carton size is not known.
    UnknownCarton { product: String },
    /// More packs than one line may hold.
    TooLarge { written: String },
    /// The product's pack size is not set up.
    BadPack { product: String },
}

/// How a product is sold, for "sold by weight, not pieces".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SoldBy {
    Weight,
    Volume,
    Piece,
}

/// Why a shop may not order now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// An operator blocked the shop.
    ByOperator { shop: String },
    /// A payment is overdue past the configured days; `owed` is what is open (paisa).
    Overdue { shop: String, days: i64, owed: i64 },
}

/// Why an order could not be placed or moved, as a shop or vendor is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The shop's credit does not stretch to the order (paisa).
    CreditShort { available: i64, needed: i64 },
    /// No vendor (nor set of vendors) can supply the order now; why, line by line.
    NoVendor { why: String },
    /// The order is in a state this move does not start from (the state's name).
    CannotMove { state: String },
    /// The order is not the sender's to move or report on.
    NotYours,
    /// Anything else, in the words of the rule that refused it.
    Other(String),
}

/// Stores a value as its JSON text inside the binary codec.
mod as_json {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, T: serde::de::DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}
