//! Vendor routing: score every vendor holding an order's products, choose, rank the rest for
//! re-routing, explain each in one line, and split a cart across the fewest vendors.
//! Entry points: [`decide`], [`split`], and [`fill`] (listings and prices at the chosen vendor).
//! Pure: never reads storage, the clock or the network, never panics on any input, and never
//! does money in floating point (totals are integer paisa; floats are only 0..1 scores).

mod config;
mod cover;
mod decide;
mod demand;
mod reason;
mod score;
mod split;
mod view;

use serde::{Deserialize, Serialize};

pub use config::{Config, ConfigError, Weights};
pub use decide::decide;
pub use demand::{LineIssue, Pick, fill};
pub use split::{Part, Split, SplitMethod, Unsplittable, split};

/// One line of the order: a product and how many packs of it.
///
/// `name` is the product's display name, used only in reasons ("no stock of Sugar 1 kg").
/// Lines naming the same product are routed as one demand (their quantities add up), so a
/// vendor is never asked for more than it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub product_id: u64,
    pub quantity: u32,
    pub name: String,
}

/// One listing of a vendor: its price and stock for a product.
///
/// `orderable` is decided by the caller from the catalog rules this module does not know:
/// the listing is active and the line's quantity fits its minimum, maximum and pack multiple.
/// An offer with a negative price is treated as broken and never filled from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub product_id: u64,
    pub listing_id: u64,
    pub price_paisa: i64,
    pub stock: i64,
    pub orderable: bool,
}

/// A vendor's order history since it joined, kept up to date from order events.
///
/// `offered` counts every order routed to the vendor; `accepted`, `rejected` and `expired`
/// (deadline missed) count the offers that were answered, so offers still waiting are
/// `offered − accepted − rejected − expired`. `cancelled_after_accept` counts accepted orders
/// the vendor later cancelled. `total_accept_secs` sums offer → accept times over `accepted`;
/// `total_fulfil_secs` sums accept → delivered times over `delivered`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorStats {
    pub offered: u32,
    pub accepted: u32,
    pub rejected: u32,
    pub expired: u32,
    pub cancelled_after_accept: u32,
    pub delivered: u32,
    pub total_accept_secs: u64,
    pub total_fulfil_secs: u64,
}

impl VendorStats {
    /// Accepted offers over answered ones (0 to 1, two decimals); none before any answer.
    pub fn acceptance_rate(&self) -> Option<f64> {
        let answered = self.accepted + self.rejected + self.expired;
        (answered > 0).then(|| two_places(f64::from(self.accepted) / f64::from(answered)))
    }

    /// Mean minutes from offer to acceptance (two decimals).
    pub fn avg_accept_minutes(&self) -> Option<f64> {
        (self.accepted > 0)
            .then(|| two_places(self.total_accept_secs as f64 / f64::from(self.accepted) / 60.0))
    }

    /// Mean hours from acceptance to delivery (two decimals).
    pub fn avg_fulfil_hours(&self) -> Option<f64> {
        (self.delivered > 0)
            .then(|| two_places(self.total_fulfil_secs as f64 / f64::from(self.delivered) / 3600.0))
    }
}

fn two_places(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A vendor as routing sees it: where it is, how busy, how reliable, and what it offers.
///
/// `open_orders` counts orders accepted or waiting for its answer and not yet delivered or
/// cancelled. A vendor id appearing twice in one call is routed once (the first one wins).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vendor {
    pub vendor_id: u64,
    pub name: String,
    pub district: String,
    pub province: String,
    pub active: bool,
    pub open_orders: u32,
    pub stats: VendorStats,
    pub offers: Vec<Offer>,
}

/// Where the retailer is. Districts and provinces compare trimmed and ASCII case-insensitive;
/// an empty name never matches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub district: String,
    pub province: String,
}

/// A candidate's per-factor scores, each in 0..=1 (rounded to three decimals).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Factors {
    pub availability: f64,
    pub price: f64,
    pub proximity: f64,
    pub workload: f64,
    pub reliability: f64,
}

/// One vendor's place in a decision: its weighted score (0..=100, two decimals), its factors,
/// whether it may take the order, and one line saying why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    pub vendor_id: u64,
    pub score: f64,
    pub factors: Factors,
    pub eligible: bool,
    pub reason: String,
}

/// The routing decision for one order, as stored and shown by the API (the caller adds `at`).
///
/// `candidates` holds every vendor that offers at least one of the order's products, eligible
/// ones first, then by score, ties to the lower vendor id. `chosen_vendor_id` is the first
/// eligible candidate; re-routing after a reject or a missed deadline calls [`decide`] again
/// with the vendors already tried in `exclude`, so each level gets the next best vendor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub chosen_vendor_id: Option<u64>,
    pub reason: String,
    pub candidates: Vec<CandidateScore>,
}
