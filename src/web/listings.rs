//! `/api/v1/listings`: what each vendor sells, at what price, with how much stock. A vendor
//! sees and changes only its own (price and stock); retailers never see them.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Path, Query, Staff};
use crate::app::AppState;

use super::json::present;
use super::paging::cursor;
use crate::catalog::{ListingFilter, ListingInput, ListingPatch};
use crate::support::page::{Page, clamp_limit};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_listings, create_listing))
        .routes(routes!(get_listing, update_listing))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    id: u64,
    vendor_id: u64,
    product_id: u64,
    sku: String,
    price_paisa: i64,
    mrp_paisa: i64,
    stock: i64,
    min_qty: u32,
    max_qty: Option<u32>,
    pack_multiple: u32,
    active: bool,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    items: Vec<ListingView>,
    next_cursor: Option<String>,
}

async fn listing_views(
    state: &AppState,
    listings: Vec<crate::catalog::Listing>,
) -> Result<Vec<ListingView>, ApiError> {
    let skus = state
        .svc
        .skus(listings.iter().map(|l| l.product_id).collect())
        .await?;
    Ok(listings
        .into_iter()
        .zip(skus)
        .map(|(l, sku)| ListingView {
            id: l.id,
            vendor_id: l.vendor_id,
            product_id: l.product_id,
            sku,
            price_paisa: l.price_paisa,
            mrp_paisa: l.mrp_paisa,
            stock: l.stock,
            min_qty: l.min_qty,
            max_qty: l.max_qty,
            pack_multiple: l.pack_multiple,
            active: l.active,
            updated_at: l.updated_at,
        })
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    vendor_id: Option<u64>,
    product_id: Option<u64>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// Listings (staff: all; a vendor: its own).
#[utoipa::path(get, path = "/listings", tag = "listings", security(("bearer" = [])), params(ListingQuery),
    responses((status = 200, body = ListingPage), (status = 403)))]
async fn list_listings(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<ListingQuery>,
) -> Result<axum::Json<ListingPage>, ApiError> {
    let filter = ListingFilter {
        vendor_id: q.vendor_id,
        product_id: q.product_id,
        cursor: cursor(q.cursor.as_deref())?,
        limit: clamp_limit(q.limit),
    };
    let Page { items, next_cursor } = state.svc.catalog().list_listings(&who, filter).await?;
    Ok(axum::Json(ListingPage {
        items: listing_views(&state, items).await?,
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    vendor_id: u64,
    /// The product, by id or by sku.
    product_id: Option<u64>,
    #[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    sku: Option<String>,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    price_paisa: i64,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    mrp_paisa: i64,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    stock: i64,
    #[serde(default = "one")]
    #[schema(minimum = 1)]
    min_qty: u32,
    #[schema(minimum = 1)]
    max_qty: Option<u32>,
    #[serde(default = "one")]
    #[schema(minimum = 1)]
    pack_multiple: u32,
}

fn one() -> u32 {
    1
}

/// Create a listing (staff).
#[utoipa::path(post, path = "/listings", tag = "listings", security(("bearer" = [])), request_body = CreateListing,
    responses((status = 201, body = ListingView), (status = 404), (status = 409), (status = 422)))]
async fn create_listing(
    State(state): State<AppState>,
    Staff(who): Staff,
    Json(req): Json<CreateListing>,
) -> Result<(StatusCode, axum::Json<ListingView>), ApiError> {
    let product_id = match (req.product_id, req.sku.as_deref()) {
        (Some(id), None) => id,
        (None, Some(sku)) => {
            let sku = super::products::sku(sku)?;
            state.svc.product_id_by_sku(sku).await?
        }
        _ => {
            return Err(ApiError::rule("give exactly one of product_id and sku"));
        }
    };
    let input = ListingInput {
        vendor_id: req.vendor_id,
        product_id,
        price_paisa: req.price_paisa,
        mrp_paisa: req.mrp_paisa,
        stock: req.stock,
        min_qty: req.min_qty,
        max_qty: req.max_qty,
        pack_multiple: req.pack_multiple,
    };
    let l = state.svc.catalog().create_listing(&who, input).await?;
    let mut views = listing_views(&state, vec![l]).await?;
    Ok((StatusCode::CREATED, axum::Json(views.remove(0))))
}

/// One listing (staff, or its vendor).
#[utoipa::path(get, path = "/listings/{id}", tag = "listings", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = ListingView), (status = 404)))]
async fn get_listing(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<ListingView>, ApiError> {
    let l = state.svc.catalog().listing(&who, id).await?;
    let mut views = listing_views(&state, vec![l]).await?;
    Ok(axum::Json(views.remove(0)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateListing {
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    price_paisa: Option<i64>,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    mrp_paisa: Option<i64>,
    /// The stock on hand, in packs; the change is recorded as an adjustment.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    stock: Option<i64>,
    #[schema(minimum = 1)]
    min_qty: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    #[schema(minimum = 1)]
    max_qty: Option<Option<u32>>,
    #[schema(minimum = 1)]
    pack_multiple: Option<u32>,
    active: Option<bool>,
}

/// Change a listing (staff; a vendor: price, MRP and stock of its own).
#[utoipa::path(patch, path = "/listings/{id}", tag = "listings", security(("bearer" = [])), params(("id" = u64, Path)),
    request_body = UpdateListing, responses((status = 200, body = ListingView), (status = 403), (status = 404), (status = 422)))]
async fn update_listing(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
    Json(req): Json<UpdateListing>,
) -> Result<axum::Json<ListingView>, ApiError> {
    let patch = ListingPatch {
        price_paisa: req.price_paisa,
        mrp_paisa: req.mrp_paisa,
        stock: req.stock,
        min_qty: req.min_qty,
        max_qty: req.max_qty,
        pack_multiple: req.pack_multiple,
        active: req.active,
    };
    let l = state.svc.catalog().update_listing(&who, id, patch).await?;
    let mut views = listing_views(&state, vec![l]).await?;
    Ok(axum::Json(views.remove(0)))
}
