//! How an order reads in the API: its lines, its history and the names of the shop and the
//! vendor.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use crate::app::AppState;
use crate::orders::{Order, OrderEvent, OrderState};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineView {
    product_id: u64,
    sku: String,
    name: String,
    quantity: u32,
    unit_price_paisa: i64,
    vat_paisa: i64,
    total_paisa: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    at: DateTime<Utc>,
    from: Option<OrderState>,
    to: OrderState,
    actor: String,
    note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    id: u64,
    number: String,
    state: OrderState,
    retailer_id: u64,
    vendor_id: u64,
    lines: Vec<LineView>,
    subtotal_paisa: i64,
    vat_paisa: i64,
    total_paisa: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// The vendor must accept before this.
    accept_by: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    /// Nepal date by which the retailer pays.
    due_date: Option<NaiveDate>,
    cancel_reason: Option<String>,
    /// Orders split from one cart share this id.
    group_id: u64,
    /// The shop reported a problem with the delivery.
    disputed: bool,
    retailer_name: Option<String>,
    vendor_name: Option<String>,
    history: Vec<EventView>,
}

impl OrderView {
    pub fn new(o: Order, history: Vec<OrderEvent>) -> Self {
        Self {
            id: o.id,
            number: o.number,
            state: o.state,
            retailer_id: o.retailer_id,
            vendor_id: o.vendor_id,
            lines: o
                .lines
                .into_iter()
                .map(|l| LineView {
                    product_id: l.product_id,
                    sku: l.sku,
                    name: l.name,
                    quantity: l.quantity,
                    unit_price_paisa: l.unit_price_paisa.paisa(),
                    vat_paisa: l.vat_paisa.paisa(),
                    total_paisa: l.total_paisa.paisa(),
                })
                .collect(),
            subtotal_paisa: o.subtotal_paisa.paisa(),
            vat_paisa: o.vat_paisa.paisa(),
            total_paisa: o.total_paisa.paisa(),
            created_at: o.created_at,
            updated_at: o.updated_at,
            accept_by: o.accept_by,
            delivered_at: o.delivered_at,
            due_date: o.due_date,
            cancel_reason: o.cancel_reason,
            group_id: o.group_id,
            disputed: o.disputed,
            retailer_name: None,
            vendor_name: None,
            history: history
                .into_iter()
                .map(|e| EventView {
                    at: e.at,
                    from: e.from,
                    to: e.to,
                    actor: e.actor,
                    note: e.note,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
impl OrderView {
    /// An order with a line, a history event and names that JSON must escape.
    pub(super) fn sample(id: u64) -> Self {
        let at = DateTime::from_timestamp(1_790_000_000 + id as i64, 0).unwrap_or_default();
        Self {
            id,
            number: format!("ORD26120500{id:02}"),
            state: OrderState::Placed,
            retailer_id: 2,
            vendor_id: id,
            lines: vec![LineView {
                product_id: 7,
                sku: "RICE-1KG".into(),
                name: "Basmati \"Gold\" चामल 1 kg".into(),
                quantity: 3,
                unit_price_paisa: 15_000,
                vat_paisa: 5_850,
                total_paisa: 50_850,
            }],
            subtotal_paisa: 45_000,
            vat_paisa: 5_850,
            total_paisa: 50_850,
            created_at: at,
            updated_at: at,
            accept_by: Some(at),
            delivered_at: None,
            due_date: None,
            cancel_reason: None,
            group_id: 1,
            disputed: false,
            retailer_name: Some("Shrestha Kirana\nPasal".into()),
            vendor_name: None,
            history: vec![EventView {
                at,
                from: None,
                to: OrderState::Placed,
                actor: "api".into(),
                note: String::new(),
            }],
        }
    }
}

/// Fills in the shop's and the vendor's names.
pub(super) async fn named(
    state: &AppState,
    mut views: Vec<OrderView>,
) -> Result<Vec<OrderView>, ApiError> {
    let ids: Vec<(u64, u64)> = views.iter().map(|v| (v.retailer_id, v.vendor_id)).collect();
    let names = state.svc.orders().party_names(ids).await?;
    for (v, (shop, vendor)) in views.iter_mut().zip(names) {
        v.retailer_name = shop;
        v.vendor_name = vendor;
    }
    Ok(views)
}
