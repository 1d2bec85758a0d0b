//! `/api/v1/vendors`: wholesalers, and the figures routing keeps on each.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Path, Query, Staff};
use crate::app::AppState;

use super::json::present;
use super::paging::{PageQuery, cursor};
use crate::catalog::{VendorInput, VendorPatch};
use crate::support::page::clamp_limit;
use crate::types::Msisdn;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_vendors, create_vendor))
        .routes(routes!(get_vendor, update_vendor))
        .routes(routes!(vendor_performance))
}

fn phone(raw: &str) -> Result<Msisdn, ApiError> {
    Msisdn::parse_e164(raw).map_err(|e| {
        ApiError::unprocessable(format!("phone: {e}"))
            .with_details(serde_json::json!({"field": "phone"}))
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VendorView {
    id: u64,
    name: String,
    phone: String,
    district: String,
    province: String,
    active: bool,
    /// Platform commission in basis points (250 = 2.5 %); null = the default.
    commission_bps: Option<u32>,
    created_at: DateTime<Utc>,
}

impl From<crate::catalog::Vendor> for VendorView {
    fn from(v: crate::catalog::Vendor) -> Self {
        Self {
            id: v.id,
            name: v.name,
            phone: v.phone.to_string(),
            district: v.district,
            province: v.province,
            active: v.active,
            commission_bps: v.commission_bps,
            created_at: v.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VendorPage {
    items: Vec<VendorView>,
    next_cursor: Option<String>,
}

/// Vendors (staff: all; a vendor: itself).
#[utoipa::path(get, path = "/vendors", tag = "vendors", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = VendorPage), (status = 403)))]
async fn list_vendors(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<VendorPage>, ApiError> {
    let page = state
        .svc
        .catalog()
        .list_vendors(&who, cursor(q.cursor.as_deref())?, clamp_limit(q.limit))
        .await?;
    let page = page.map(VendorView::from);
    Ok(axum::Json(VendorPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVendor {
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: String,
    #[schema(example = "+9779801000009")]
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    phone: String,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    district: String,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    province: String,
    #[schema(maximum = 5000)]
    commission_bps: Option<u32>,
}

/// Create a vendor (staff). A vendor login with the same phone is linked to it.
#[utoipa::path(post, path = "/vendors", tag = "vendors", security(("bearer" = [])), request_body = CreateVendor,
    responses((status = 201, body = VendorView), (status = 409), (status = 422)))]
async fn create_vendor(
    State(state): State<AppState>,
    Staff(who): Staff,
    Json(req): Json<CreateVendor>,
) -> Result<(StatusCode, axum::Json<VendorView>), ApiError> {
    let input = VendorInput {
        name: req.name,
        phone: phone(&req.phone)?,
        district: req.district,
        province: req.province,
        commission_bps: req.commission_bps,
    };
    let v = state.svc.catalog().create_vendor(&who, input).await?;
    Ok((StatusCode::CREATED, axum::Json(v.into())))
}

/// One vendor (staff, or the vendor itself).
#[utoipa::path(get, path = "/vendors/{id}", tag = "vendors", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = VendorView), (status = 403), (status = 404)))]
async fn get_vendor(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<VendorView>, ApiError> {
    Ok(axum::Json(
        state.svc.catalog().vendor(&who, id).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVendor {
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: Option<String>,
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    phone: Option<String>,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    district: Option<String>,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    province: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, maximum = 5000)]
    commission_bps: Option<Option<u32>>,
    active: Option<bool>,
}

/// Change a vendor (staff).
#[utoipa::path(patch, path = "/vendors/{id}", tag = "vendors", security(("bearer" = [])), params(("id" = u64, Path)),
    request_body = UpdateVendor, responses((status = 200, body = VendorView), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn update_vendor(
    State(state): State<AppState>,
    Staff(who): Staff,
    Path(id): Path<u64>,
    Json(req): Json<UpdateVendor>,
) -> Result<axum::Json<VendorView>, ApiError> {
    let patch = VendorPatch {
        name: req.name,
        phone: req.phone.as_deref().map(phone).transpose()?,
        district: req.district,
        province: req.province,
        commission_bps: req.commission_bps,
        active: req.active,
    };
    Ok(axum::Json(
        state
            .svc
            .catalog()
            .update_vendor(&who, id, patch)
            .await?
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Performance {
    vendor_id: u64,
    /// Orders routed to the vendor (each re-route counts).
    offered: u32,
    accepted: u32,
    rejected: u32,
    /// Offers left unanswered past the deadline.
    expired: u32,
    delivered: u32,
    cancelled_after_accept: u32,
    /// Orders routed to it and not yet delivered or cancelled.
    open_orders: u32,
    /// accepted ÷ (accepted + rejected + expired), when it has answered any.
    acceptance_rate: Option<f64>,
    avg_accept_minutes: Option<f64>,
    avg_fulfil_hours: Option<f64>,
}

/// A vendor's figures from order events, as routing scores them (staff, or the vendor itself).
#[utoipa::path(get, path = "/vendors/{id}/performance", tag = "vendors", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Performance), (status = 403)))]
async fn vendor_performance(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<Performance>, ApiError> {
    let r = state.svc.orders().vendor_performance(&who, id).await?;
    let s = r.stats;
    Ok(axum::Json(Performance {
        vendor_id: id,
        offered: s.offered,
        accepted: s.accepted,
        rejected: s.rejected,
        expired: s.expired,
        delivered: s.delivered,
        cancelled_after_accept: s.cancelled_after_accept,
        open_orders: r.open_orders,
        acceptance_rate: s.acceptance_rate(),
        avg_accept_minutes: s.avg_accept_minutes(),
        avg_fulfil_hours: s.avg_fulfil_hours(),
    }))
}
