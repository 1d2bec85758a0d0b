//! One day's figures for one dimension, and the dimensions' names.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fact {
    pub placed: u32,
    pub confirmed: u32,
    pub accepted: u32,
    pub delivered: u32,
    pub cancelled: u32,
    pub units_placed: u64,
    pub units_delivered: u64,
    pub placed_paisa: i64,
    pub gmv_paisa: i64,
    pub gmv_excl_vat_paisa: i64,
    pub vat_paisa: i64,
    pub commission_paisa: i64,
    pub reversed_paisa: i64,
    pub credit_issued_paisa: i64,
    pub repaid_paisa: i64,
    /// Minutes from the offer to the vendor's acceptance, summed over `accepted`.
    pub accept_minutes: i64,
    /// Minutes from acceptance to delivery, summed over `delivered`.
    pub fulfil_minutes: i64,
    /// Delivered within [`ON_TIME_HOURS`] of acceptance.
    pub delivered_on_time: u32,
    pub invoices_paid: u32,
    pub invoices_paid_late: u32,
    pub days_late_total: i64,
    /// WhatsApp previews started by shops (the funnel's first step).
    pub previews: u32,
}

impl Fact {
    pub fn add(&mut self, o: &Fact) {
        self.placed += o.placed;
        self.confirmed += o.confirmed;
        self.accepted += o.accepted;
        self.delivered += o.delivered;
        self.cancelled += o.cancelled;
        self.units_placed += o.units_placed;
        self.units_delivered += o.units_delivered;
        self.placed_paisa += o.placed_paisa;
        self.gmv_paisa += o.gmv_paisa;
        self.gmv_excl_vat_paisa += o.gmv_excl_vat_paisa;
        self.vat_paisa += o.vat_paisa;
        self.commission_paisa += o.commission_paisa;
        self.reversed_paisa += o.reversed_paisa;
        self.credit_issued_paisa += o.credit_issued_paisa;
        self.repaid_paisa += o.repaid_paisa;
        self.accept_minutes += o.accept_minutes;
        self.fulfil_minutes += o.fulfil_minutes;
        self.delivered_on_time += o.delivered_on_time;
        self.invoices_paid += o.invoices_paid;
        self.invoices_paid_late += o.invoices_paid_late;
        self.days_late_total += o.days_late_total;
        self.previews += o.previews;
    }

    pub fn is_empty(&self) -> bool {
        *self == Fact::default()
    }
}

/// The dimension names facts are kept under.
pub mod dim {
    pub const ALL: &str = "all";
    pub fn retailer(id: u64) -> String {
        format!("retailer:{id}")
    }
    pub fn vendor(id: u64) -> String {
        format!("vendor:{id}")
    }
    pub fn product(id: u64) -> String {
        format!("product:{id}")
    }
    /// A vendor's listing of a product (the vendor-product pair).
    pub fn listing(id: u64) -> String {
        format!("listing:{id}")
    }
    pub fn district(name: &str) -> String {
        format!("district:{name}")
    }
    /// The id in `retailer:12`, when the dimension is of that kind.
    pub fn id_of(dim: &str, kind: &str) -> Option<u64> {
        dim.strip_prefix(kind)?.strip_prefix(':')?.parse().ok()
    }
}
