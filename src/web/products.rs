//! `/api/v1/products` and `/api/v1/catalog/match`: the catalog's products, searched with the
//! typo-tolerant matcher, and the matcher's decision for a phrase.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Path, Query, Staff};
use crate::app::AppState;
use crate::auth::Principal;
use rust_decimal::Decimal;

use super::json::{decimal_number, opt_decimal, present, present_decimal};
use super::paging::cursor;
use crate::catalog::import::{ProductInput, split_aliases};
use crate::catalog::{PackUnit, Product, ProductFilter, ProductPatch};
use crate::support::page::clamp_limit;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, update_product))
        .routes(routes!(match_phrase))
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
    /// Null for vendors, who never see their competitors' prices.
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

/// Aliases as the API takes them: each one text of 1 to 100 characters, none blank.
fn aliases(list: &[String]) -> Result<Vec<String>, ApiError> {
    crate::catalog::import::validate_aliases(list).map_err(|e| {
        ApiError::unprocessable(format!("aliases: {e}"))
            .with_details(serde_json::json!({"field": "aliases"}))
    })?;
    Ok(list.to_vec())
}

/// A product code as the API takes it: exactly the documented pattern (no spaces around it),
/// in any case; stored upper-case.
pub(super) fn sku(raw: &str) -> Result<String, ApiError> {
    let sku = crate::types::sku::Sku::parse(raw).map_err(|e| {
        ApiError::unprocessable(format!("sku: {e}"))
            .with_details(serde_json::json!({"field": "sku"}))
    })?;
    Ok(sku.into_string())
}

async fn with_prices(
    state: &AppState,
    who: &Principal,
    products: Vec<Product>,
) -> Result<Vec<ProductView>, ApiError> {
    let prices = state
        .svc
        .catalog()
        .best_prices(who, products.iter().map(|p| p.id).collect())
        .await?;
    Ok(products
        .into_iter()
        .zip(prices)
        .map(|(p, price)| ProductView::new(p, price))
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// Typo-tolerant search (names, aliases in any script, skus); best match first, no paging.
    #[param(max_length = 500)]
    q: Option<String>,
    category: Option<String>,
    active: Option<bool>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
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
    if q.q.as_deref().is_some_and(|t| t.chars().count() > 500) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "q must be at most 500 characters",
        ));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let ids = state.svc.catalog().search(text, limit);
        let products = state.svc.catalog().products_by_ids(&who, ids).await?;
        let items = with_prices(&state, &who, products).await?;
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
    let page = state.svc.catalog().list_products(&who, filter).await?;
    let items = with_prices(&state, &who, page.items).await?;
    Ok(axum::Json(ProductPage {
        items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    #[schema(example = "RICE-1KG")]
    #[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    sku: String,
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: String,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    brand: Option<String>,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    category: Option<String>,
    #[serde(default, deserialize_with = "opt_decimal")]
    #[schema(value_type = Option<f64>, minimum = 0.001, maximum = 999999)]
    pack_size: Option<Decimal>,
    unit: Option<PackUnit>,
    #[serde(default)]
    #[schema(inline, max_items = 100)]
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
        sku: sku(&req.sku)?,
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
        aliases: split_aliases(&aliases(&req.aliases)?.join("|")),
    };
    let p = state.svc.catalog().create_product(&who, input).await?;
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
    let p = state.svc.catalog().product(&who, id).await?;
    let mut views = with_prices(&state, &who, vec![p]).await?;
    Ok(axum::Json(views.remove(0)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    brand: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    category: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_decimal")]
    #[schema(value_type = Option<f64>, minimum = 0.001, maximum = 999999)]
    pack_size: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<PackUnit>)]
    unit: Option<Option<PackUnit>>,
    #[schema(max_items = 100)]
    aliases: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 64, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
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
        aliases: req.aliases.as_deref().map(aliases).transpose()?,
        barcode: req.barcode,
        active: req.active,
    };
    let p = state.svc.catalog().update_product(&who, id, patch).await?;
    let mut views = with_prices(&state, &who, vec![p]).await?;
    Ok(axum::Json(views.remove(0)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    /// What the retailer wrote, e.g. "suger 1kg", "chamal", "चिनी".
    #[param(min_length = 1, max_length = 500)]
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
    let retailer_id = crate::preview::service::history_for(&who, q.retailer_id)?;
    if !(1..=500).contains(&q.q.chars().count()) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "q must be 1 to 500 characters",
        ));
    }
    Ok(axum::Json(state.svc.match_phrase(&q.q, retailer_id).await?))
}
