//! Retailer, inventory and price intelligence, and recommendations:
//! `/api/v1/retailers/{id}/insights`, `/api/v1/retailers/{id}/nudges`,
//! `/api/v1/analytics/reorder-due`, `/api/v1/analytics/inventory`, `/api/v1/analytics/prices`,
//! `/api/v1/listings/{id}/price-history`, `/api/v1/products/{id}/forecast`,
//! `/api/v1/recommendations`.

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Query};
use super::paging::cursor;
use crate::analytics::demand::ForecastView;
use crate::analytics::recommend::{Kind, Recommendation, Status};
use crate::analytics::shops::{Insights, Nudge};
use crate::analytics::stock::{ProductStock, StockInsight};
use crate::analytics::{PricePoint, PriceReport, ReorderDue};
use crate::app::AppState;
use crate::support::page::clamp_limit;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(insights))
        .routes(routes!(set_nudges))
        .routes(routes!(reorder_due))
        .routes(routes!(send_nudges))
        .routes(routes!(inventory))
        .routes(routes!(inventory_by_product))
        .routes(routes!(prices))
        .routes(routes!(price_history))
        .routes(routes!(forecast))
        .routes(routes!(list_recommendations))
        .routes(routes!(close))
}

/// A shop's LTV, churn risk with its reason, growth, usual basket and whether its usual order
/// is due, computed now (staff, or the shop itself).
#[utoipa::path(get, path = "/retailers/{id}/insights", tag = "analytics", security(("bearer" = [])),
    params(("id" = u64, Path)), responses((status = 200, body = Insights), (status = 403), (status = 404)))]
async fn insights(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<Insights>, ApiError> {
    Ok(axum::Json(state.svc.analytics().insights(&who, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NudgeChoice {
    /// Whether the shop wants a WhatsApp reminder when its usual order is due.
    opt_in: bool,
}

/// Turn reorder nudges on or off for a shop (staff, or the shop itself).
#[utoipa::path(put, path = "/retailers/{id}/nudges", tag = "analytics", security(("bearer" = [])),
    params(("id" = u64, Path)), request_body = NudgeChoice,
    responses((status = 200, body = Nudge), (status = 403), (status = 404), (status = 422)))]
async fn set_nudges(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
    Json(req): Json<NudgeChoice>,
) -> Result<axum::Json<Nudge>, ApiError> {
    Ok(axum::Json(
        state
            .svc
            .analytics()
            .set_nudges(&who, id, req.opt_in)
            .await?,
    ))
}

/// Shops whose usual order is due (their last order day + their median gap has come and
/// they are not at high churn risk), from last night's insights (staff).
#[utoipa::path(get, path = "/analytics/reorder-due", tag = "analytics", security(("bearer" = [])),
    responses((status = 200, body = [ReorderDue]), (status = 403)))]
async fn reorder_due(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<axum::Json<Vec<ReorderDue>>, ApiError> {
    Ok(axum::Json(state.svc.analytics().reorder_due(&who).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NudgesSent {
    /// The shops a nudge was queued for.
    retailer_ids: Vec<u64>,
}

/// Queue a reorder nudge (WhatsApp template `reorder_nudge`) for every due shop that opted in
/// and got none within `analytics.nudge_every_days` (staff).
#[utoipa::path(post, path = "/analytics/reorder-due/nudge", tag = "analytics", security(("bearer" = [])),
    responses((status = 200, body = NudgesSent), (status = 403)))]
async fn send_nudges(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<axum::Json<NudgesSent>, ApiError> {
    let retailer_ids = state.svc.analytics().send_nudges(&who).await?;
    Ok(axum::Json(NudgesSent { retailer_ids }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InventoryQuery {
    vendor_id: Option<u64>,
    product_id: Option<u64>,
}

/// Sales velocity, days of stock left, stock-out days and slow movers per listing over the
/// last 28 days (staff; a vendor for its own listings).
#[utoipa::path(get, path = "/analytics/inventory", tag = "analytics", security(("bearer" = [])),
    params(InventoryQuery), responses((status = 200, body = [StockInsight]), (status = 403)))]
async fn inventory(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<InventoryQuery>,
) -> Result<axum::Json<Vec<StockInsight>>, ApiError> {
    Ok(axum::Json(
        state
            .svc
            .analytics()
            .inventory(&who, q.vendor_id, q.product_id)
            .await?,
    ))
}

/// The same figures added up per product across its listings (staff; a vendor over its own).
#[utoipa::path(get, path = "/analytics/inventory/products", tag = "analytics", security(("bearer" = [])),
    params(InventoryQuery), responses((status = 200, body = [ProductStock]), (status = 403)))]
async fn inventory_by_product(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<InventoryQuery>,
) -> Result<axum::Json<Vec<ProductStock>>, ApiError> {
    let rows = state
        .svc
        .analytics()
        .inventory(&who, q.vendor_id, q.product_id)
        .await?;
    Ok(axum::Json(crate::analytics::stock::by_product(&rows)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PricesQuery {
    /// Abnormal changes of the last this many days, 1 to 365 (30 when absent).
    #[param(minimum = 1, maximum = 365)]
    days: Option<u16>,
}

/// Price spread across vendors per product, and abnormal price changes (staff).
#[utoipa::path(get, path = "/analytics/prices", tag = "analytics", security(("bearer" = [])),
    params(PricesQuery), responses((status = 200, body = PriceReport), (status = 403), (status = 422)))]
async fn prices(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<PricesQuery>,
) -> Result<axum::Json<PriceReport>, ApiError> {
    let days = i64::from(q.days.unwrap_or(30));
    if !(1..=365).contains(&days) {
        return Err(
            ApiError::unprocessable(format!("days: {days} is not between 1 and 365"))
                .with_details(serde_json::json!({"field": "days"})),
        );
    }
    Ok(axum::Json(state.svc.analytics().prices(&who, days).await?))
}

/// A listing's prices over time (staff, or the listing's vendor).
#[utoipa::path(get, path = "/listings/{id}/price-history", tag = "analytics", security(("bearer" = [])),
    params(("id" = u64, Path)), responses((status = 200, body = [PricePoint]), (status = 404)))]
async fn price_history(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<Vec<PricePoint>>, ApiError> {
    Ok(axum::Json(
        state.svc.analytics().price_history(&who, id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ForecastQuery {
    /// Forecast this vendor's listing of the product instead of the product as a whole.
    vendor_id: Option<u64>,
}

/// A product's demand forecast for the next 28 days with 80 % and 95 % intervals, its daily
/// history, the method chosen by backtest and its backtest error, and the stock-out risk over
/// the restocking lead time (staff; a vendor for its own listing of the product).
#[utoipa::path(get, path = "/products/{id}/forecast", tag = "analytics", security(("bearer" = [])),
    params(("id" = u64, Path), ForecastQuery),
    responses((status = 200, body = ForecastView), (status = 403), (status = 404)))]
async fn forecast(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
    Query(q): Query<ForecastQuery>,
) -> Result<axum::Json<ForecastView>, ApiError> {
    Ok(axum::Json(
        state
            .svc
            .analytics()
            .forecast(&who, id, q.vendor_id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecommendationQuery {
    /// open (default), done, dismissed or expired.
    status: Option<Status>,
    kind: Option<Kind>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationPage {
    items: Vec<Recommendation>,
    next_cursor: Option<String>,
}

/// Recommendations newest first, open ones unless asked (staff).
#[utoipa::path(get, path = "/recommendations", tag = "analytics", security(("bearer" = [])),
    params(RecommendationQuery), responses((status = 200, body = RecommendationPage), (status = 403)))]
async fn list_recommendations(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<RecommendationQuery>,
) -> Result<axum::Json<RecommendationPage>, ApiError> {
    let page = state
        .svc
        .analytics()
        .recommendations(
            &who,
            Some(q.status.unwrap_or(Status::Open)),
            q.kind,
            cursor(q.cursor.as_deref())?,
            clamp_limit(q.limit),
        )
        .await?;
    Ok(axum::Json(RecommendationPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// What may be done with an open recommendation.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Closing {
    /// Not raised again for its subject for 30 days.
    Dismiss,
    Done,
}

/// Dismiss a recommendation (`/dismiss`: it is not raised again for its subject for 30 days)
/// or mark it done (`/done`) (staff).
#[utoipa::path(post, path = "/recommendations/{id}/{action}", tag = "analytics", security(("bearer" = [])),
    params(("id" = u64, Path), ("action" = inline(Closing), Path)),
    responses((status = 200, body = Recommendation), (status = 403), (status = 404)))]
async fn close(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((id, action)): Path<(u64, Closing)>,
) -> Result<axum::Json<Recommendation>, ApiError> {
    let to = match action {
        Closing::Dismiss => Status::Dismissed,
        Closing::Done => Status::Done,
    };
    Ok(axum::Json(
        state
            .svc
            .analytics()
            .close_recommendation(&who, id, to)
            .await?,
    ))
}
