//! The catalog: products, vendors (wholesalers) and their listings (price, stock, limits).
//!
//! Prices are integer paisa. Skus are stored upper-case and unique. Stock is never negative;
//! listings only change stock through the functions in `store`, which keep the movement log
//! that `khaacho check` reconciles.

pub mod import;
mod indexed;
mod listings;
mod service;
pub mod store;
mod vendors;

pub use indexed::Catalog;
pub use listings::{ListingFilter, ListingInput, ListingPatch, change_listing};
pub use service::{CatalogService, ProductFilter, ProductPatch};
pub use vendors::{VendorInput, VendorPatch};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::storage::StoreError;
use crate::types::Msisdn;

/// The unit a pack size is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PackUnit {
    G,
    Kg,
    Ml,
    L,
    Pcs,
}

impl PackUnit {
    /// Litres and millilitres: sold by volume.
    pub fn is_volume(self) -> bool {
        matches!(self, PackUnit::Ml | PackUnit::L)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PackUnit::G => "g",
            PackUnit::Kg => "kg",
            PackUnit::Ml => "ml",
            PackUnit::L => "l",
            PackUnit::Pcs => "pcs",
        }
    }
}

impl std::str::FromStr for PackUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "g" | "gm" | "gram" | "grams" => Ok(PackUnit::G),
            "kg" | "kgs" | "kilo" => Ok(PackUnit::Kg),
            "ml" => Ok(PackUnit::Ml),
            "l" | "ltr" | "litre" | "liter" => Ok(PackUnit::L),
            "pcs" | "pc" | "piece" | "pieces" => Ok(PackUnit::Pcs),
            other => Err(format!(
                "unknown unit '{other}' (expected g, kg, ml, l or pcs)"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: u64,
    pub sku: String,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub pack_size: Option<Decimal>,
    pub unit: Option<PackUnit>,
    pub aliases: Vec<String>,
    pub barcode: Option<String>,
    pub active: bool,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vendor {
    pub id: u64,
    pub name: String,
    pub phone: Msisdn,
    pub district: String,
    pub province: String,
    pub active: bool,
    /// Platform commission in basis points (250 = 2.5 %); None = the configured default.
    pub commission_bps: Option<u32>,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub id: u64,
    pub vendor_id: u64,
    pub product_id: u64,
    pub price_paisa: i64,
    pub mrp_paisa: i64,
    /// Packs on hand and not reserved by an order.
    pub stock: i64,
    pub min_qty: u32,
    pub max_qty: Option<u32>,
    pub pack_multiple: u32,
    pub active: bool,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
}

/// Why a listing's stock changed; `khaacho check` sums these to the stock on hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockReason {
    /// The stock a listing was created with.
    Initial,
    /// Set by a person (a receipt of goods, a count).
    Adjustment { user_id: Option<u64> },
    /// Held for an order.
    Reserve { order_id: u64 },
    /// Given back by a cancelled, rejected or re-routed order.
    Release { order_id: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMove {
    pub listing_id: u64,
    #[serde(with = "crate::storage::ts")]
    pub at: DateTime<Utc>,
    pub delta: i64,
    pub reason: StockReason,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: u64 },
    #[error("no product with sku {0}")]
    UnknownSku(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    Forbidden(String),
    /// Well-formed and within bounds, but a rule refuses the combination (an MRP below the
    /// price, a unit with no pack size): answered 409.
    #[error("{field}: {reason}")]
    Rule { field: String, reason: String },
    #[error("only {available} in stock for listing {listing_id}, {wanted} wanted")]
    InsufficientStock {
        listing_id: u64,
        available: i64,
        wanted: i64,
    },
    #[error(transparent)]
    OutOfRange(#[from] crate::types::limits::OutOfRange),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CatalogError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CatalogError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl Product {
    /// The product as the matcher indexes it.
    pub fn match_item(&self) -> crate::matching::CatalogItem {
        crate::matching::CatalogItem {
            product_id: self.id,
            sku: self.sku.clone(),
            name: self.name.clone(),
            brand: self.brand.clone(),
            category: self.category.clone(),
            pack_size: self.pack_size,
            unit: self.unit.map(|u| u.as_str().to_string()),
            aliases: self.aliases.clone(),
            active: self.active,
        }
    }
}
