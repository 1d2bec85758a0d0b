//! `/api/v1/products`, `/api/v1/vendors`, `/api/v1/listings`: the catalog over HTTP.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Path, Query, Staff};
use super::json::{decimal_number, opt_decimal, present, present_decimal};
use super::paging::{PageQuery, cursor};
use crate::app::AppState;
use crate::catalog::import::{ProductInput, normalize_sku, split_aliases};
use crate::catalog::{
    ListingFilter, ListingInput, ListingPatch, PackUnit, Product, ProductFilter, ProductPatch,
    VendorInput, VendorPatch,
};
use crate::page::{Page, clamp_limit};
use crate::types::Msisdn;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, update_product))
        .routes(routes!(list_vendors, create_vendor))
        .routes(routes!(get_vendor, update_vendor))
        .routes(routes!(list_listings, create_listing))
        .routes(routes!(get_listing, update_listing))
        .routes(routes!(match_phrase))
        .routes(routes!(vendor_performance))
}

fn phone(raw: &str) -> Result<Msisdn, ApiError> {
    Msisdn::parse(raw).map_err(|e| {
        ApiError::unprocessable(format!("phone: {e}"))
            .with_details(serde_json::json!({"field": "phone"}))
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    id: u64,
    sku: String,
    name: String,
    brand: Option<String>,
    category: Option<String>,
    #[serde(serialize_with = "decimal_number")]
    #[schema(value_type = Option<f64>)]
    pack_size: Option<Decimal>,
    unit: Option<PackUnit>,
    aliases: Vec<String>,
    barcode: Option<String>,
    active: bool,
    /// The lowest price of an active listing with stock: what a retailer would pay at best.
    price_from_paisa: Option<i64>,
    updated_at: DateTime<Utc>,
}

impl ProductView {
    fn new(p: Product, price_from_paisa: Option<i64>) -> Self {
        Self {
            id: p.id,
            sku: p.sku,
            name: p.name,
            brand: p.brand,
            category: p.category,
            pack_size: p.pack_size,
            unit: p.unit,
            aliases: p.aliases,
            barcode: p.barcode,
            active: p.active,
            price_from_paisa,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPage {
    items: Vec<ProductView>,
    next_cursor: Option<String>,
}

async fn with_prices(
    state: &AppState,
    products: Vec<Product>,
) -> Result<Vec<ProductView>, ApiError> {
    let prices = state
        .svc
        .catalog
        .best_prices(products.iter().map(|p| p.id).collect())
        .await?;
    Ok(products
        .into_iter()
        .zip(prices)
        .map(|(p, price)| ProductView::new(p, price))
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// Typo-tolerant search (names, aliases in any script, skus); best match first, no paging.
    q: Option<String>,
    category: Option<String>,
    active: Option<bool>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// Products, newest first, or the best matches for `q`.
#[utoipa::path(get, path = "/products", tag = "catalog", security(("bearer" = [])), params(ProductQuery),
    responses((status = 200, body = ProductPage), (status = 401)))]
async fn list_products(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<ProductQuery>,
) -> Result<axum::Json<ProductPage>, ApiError> {
    let limit = clamp_limit(q.limit);
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let ids = state.svc.search(text, limit).await?;
        let products = state.svc.catalog.products_by_ids(&who, ids).await?;
        let items = with_prices(&state, products).await?;
        return Ok(axum::Json(ProductPage {
            items,
            next_cursor: None,
        }));
    }
    let filter = ProductFilter {
        category: q.category,
        active: q.active,
        cursor: cursor(q.cursor.as_deref())?,
        limit,
    };
    let page = state.svc.catalog.list_products(&who, filter).await?;
    let items = with_prices(&state, page.items).await?;
    Ok(axum::Json(ProductPage {
        items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    #[schema(example = "RICE-1KG")]
    sku: String,
    name: String,
    brand: Option<String>,
    category: Option<String>,
    #[serde(default, deserialize_with = "opt_decimal")]
    #[schema(value_type = Option<f64>)]
    pack_size: Option<Decimal>,
    unit: Option<PackUnit>,
    #[serde(default)]
    aliases: Vec<String>,
}

/// Create a product (staff).
#[utoipa::path(post, path = "/products", tag = "catalog", security(("bearer" = [])), request_body = CreateProduct,
    responses((status = 201, body = ProductView), (status = 403), (status = 409), (status = 422)))]
async fn create_product(
    State(state): State<AppState>,
    Staff(who): Staff,
    Json(req): Json<CreateProduct>,
) -> Result<(StatusCode, axum::Json<ProductView>), ApiError> {
    let input = ProductInput {
        sku: normalize_sku(&req.sku),
        name: req.name.trim().to_string(),
        brand: req
            .brand
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty()),
        category: req
            .category
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
        pack_size: req.pack_size,
        unit: req.unit,
        aliases: split_aliases(&req.aliases.join("|")),
    };
    let p = state.svc.create_product(&who, input).await?;
    Ok((StatusCode::CREATED, axum::Json(ProductView::new(p, None))))
}

/// One product.
#[utoipa::path(get, path = "/products/{id}", tag = "catalog", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = ProductView), (status = 404)))]
async fn get_product(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<ProductView>, ApiError> {
    let p = state.svc.catalog.product(&who, id).await?;
    let mut views = with_prices(&state, vec![p]).await?;
    Ok(axum::Json(views.remove(0)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    brand: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    category: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_decimal")]
    #[schema(value_type = Option<f64>)]
    pack_size: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<PackUnit>)]
    unit: Option<Option<PackUnit>>,
    aliases: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    barcode: Option<Option<String>>,
    /// false deactivates: the product is no longer matched or orderable.
    active: Option<bool>,
}

/// Change or deactivate a product (staff).
#[utoipa::path(patch, path = "/products/{id}", tag = "catalog", security(("bearer" = [])), params(("id" = u64, Path)),
    request_body = UpdateProduct, responses((status = 200, body = ProductView), (status = 403), (status = 404), (status = 422)))]
async fn update_product(
    State(state): State<AppState>,
    Staff(who): Staff,
    Path(id): Path<u64>,
    Json(req): Json<UpdateProduct>,
) -> Result<axum::Json<ProductView>, ApiError> {
    let patch = ProductPatch {
        name: req.name,
        brand: req.brand,
        category: req.category,
        pack_size: req.pack_size,
        unit: req.unit,
        aliases: req.aliases,
        barcode: req.barcode,
        active: req.active,
    };
    let p = state.svc.update_product(&who, id, patch).await?;
    let mut views = with_prices(&state, vec![p]).await?;
    Ok(axum::Json(views.remove(0)))
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
        .catalog
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
    name: String,
    #[schema(example = "+9779801000009")]
    phone: String,
    district: String,
    province: String,
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
    let v = state.svc.catalog.create_vendor(&who, input).await?;
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
    Ok(axum::Json(state.svc.catalog.vendor(&who, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVendor {
    name: Option<String>,
    phone: Option<String>,
    district: Option<String>,
    province: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
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
            .catalog
            .update_vendor(&who, id, patch)
            .await?
            .into(),
    ))
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
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    vendor_id: Option<u64>,
    product_id: Option<u64>,
    limit: Option<usize>,
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
    let Page { items, next_cursor } = state.svc.catalog.list_listings(&who, filter).await?;
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
    sku: Option<String>,
    price_paisa: i64,
    mrp_paisa: i64,
    stock: i64,
    #[serde(default = "one")]
    min_qty: u32,
    max_qty: Option<u32>,
    #[serde(default = "one")]
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
        (None, Some(sku)) => state.svc.product_id_by_sku(sku).await?,
        _ => {
            return Err(ApiError::unprocessable(
                "give exactly one of product_id and sku",
            ));
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
    let l = state.svc.catalog.create_listing(&who, input).await?;
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
    let l = state.svc.catalog.listing(&who, id).await?;
    let mut views = listing_views(&state, vec![l]).await?;
    Ok(axum::Json(views.remove(0)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateListing {
    price_paisa: Option<i64>,
    mrp_paisa: Option<i64>,
    /// The stock on hand, in packs; the change is recorded as an adjustment.
    stock: Option<i64>,
    min_qty: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    max_qty: Option<Option<u32>>,
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
    let l = state.svc.catalog.update_listing(&who, id, patch).await?;
    let mut views = listing_views(&state, vec![l]).await?;
    Ok(axum::Json(views.remove(0)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    /// What the retailer wrote, e.g. "suger 1kg", "chamal", "चिनी".
    q: String,
    /// Lifts products this retailer ordered before.
    retailer_id: Option<u64>,
}

/// The matcher's decision for a phrase: matched, ambiguous (did you mean ...) or not_found.
#[utoipa::path(get, path = "/catalog/match", tag = "catalog", security(("bearer" = [])), params(MatchQuery),
    responses((status = 200, body = Object, description = "{decision, candidates: [{product_id, sku, name, confidence, reason}]}"), (status = 403)))]
async fn match_phrase(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<MatchQuery>,
) -> Result<axum::Json<crate::matching::MatchDecision>, ApiError> {
    let retailer_id = match (who.is_staff(), who.retailer_id()) {
        (true, _) => q.retailer_id,
        (false, Some(own)) if q.retailer_id.is_none_or(|r| r == own) => Some(own),
        (false, None) if q.retailer_id.is_none() => None,
        _ => {
            return Err(ApiError::forbidden(
                "you may only match with your own order history",
            ));
        }
    };
    if q.q.chars().count() > 500 {
        return Err(ApiError::unprocessable("q must be at most 500 characters"));
    }
    Ok(axum::Json(state.svc.match_phrase(&q.q, retailer_id).await?))
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
    let r = state.svc.orders.vendor_performance(&who, id).await?;
    let s = r.stats;
    let answered = s.accepted + s.rejected + s.expired;
    let round = |x: f64| (x * 100.0).round() / 100.0;
    Ok(axum::Json(Performance {
        vendor_id: id,
        offered: s.offered,
        accepted: s.accepted,
        rejected: s.rejected,
        expired: s.expired,
        delivered: s.delivered,
        cancelled_after_accept: s.cancelled_after_accept,
        open_orders: r.open_orders,
        acceptance_rate: (answered > 0).then(|| round(f64::from(s.accepted) / f64::from(answered))),
        avg_accept_minutes: (s.accepted > 0)
            .then(|| round(s.total_accept_secs as f64 / f64::from(s.accepted) / 60.0)),
        avg_fulfil_hours: (s.delivered > 0)
            .then(|| round(s.total_fulfil_secs as f64 / f64::from(s.delivered) / 3600.0)),
    }))
}
