//! `/api/v1/analytics`: the owner's figures (staff), and `/api/v1/vendors/{id}/insights`.

use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Query};
use crate::analytics::exposure::Exposure;
use crate::analytics::league::{LeagueRow, VendorInsights};
use crate::analytics::summary::{Funnel, Summary};
use crate::analytics::top::TopRow;
use crate::analytics::{Granularity, Range, TopBy};
use crate::app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(funnel))
        .routes(routes!(credit))
        .routes(routes!(top))
        .routes(routes!(vendor_league))
}

pub fn vendor_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(vendor_insights))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First Nepal day, YYYY-MM-DD (default: 29 days before `to`).
    from: Option<NaiveDate>,
    /// Last Nepal day, included (default: today).
    to: Option<NaiveDate>,
    /// Series buckets: day (default), week (Sunday first) or month.
    #[param(inline)]
    granularity: Option<Granularity>,
    /// What a top list ranks (`top` only): product (default), category, district, retailer, vendor.
    #[param(inline)]
    by: Option<TopBy>,
    /// Rows of a list, 1 to 1000 (10 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

impl RangeQuery {
    fn range(&self, state: &AppState) -> Result<Range, ApiError> {
        Ok(Range::checked(
            self.from,
            self.to,
            state.svc.analytics().today(),
        )?)
    }

    fn limit(&self) -> usize {
        self.limit.unwrap_or(10).clamp(1, 1000)
    }
}

/// GMV, margin, orders and shops for a range of Nepal days, the period of equal length
/// before it, and a series (staff).
#[utoipa::path(get, path = "/summary", tag = "analytics", security(("bearer" = [])),
    params(RangeQuery), responses((status = 200, body = Summary), (status = 403), (status = 422)))]
async fn summary(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<Summary>, ApiError> {
    let r = q.range(&state)?;
    let g = q.granularity.unwrap_or(Granularity::Day);
    Ok(axum::Json(state.svc.analytics().summary(&who, r, g).await?))
}

/// Preview → confirmed → accepted → delivered, with drop-off and median times (staff).
#[utoipa::path(get, path = "/funnel", tag = "analytics", security(("bearer" = [])),
    params(RangeQuery), responses((status = 200, body = Funnel), (status = 403), (status = 422)))]
async fn funnel(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<Funnel>, ApiError> {
    let r = q.range(&state)?;
    Ok(axum::Json(state.svc.analytics().funnel(&who, r).await?))
}

/// Credit exposure against limits, overdue by bucket, expected inflow, top shops (staff).
#[utoipa::path(get, path = "/credit", tag = "analytics", security(("bearer" = [])),
    params(RangeQuery), responses((status = 200, body = Exposure), (status = 403)))]
async fn credit(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<Exposure>, ApiError> {
    Ok(axum::Json(
        state.svc.analytics().exposure(&who, q.limit()).await?,
    ))
}

/// The top products, categories, districts, shops or vendors by GMV in a range (staff).
#[utoipa::path(get, path = "/top", tag = "analytics", security(("bearer" = [])),
    params(RangeQuery), responses((status = 200, body = [TopRow]), (status = 403), (status = 422)))]
async fn top(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<Vec<TopRow>>, ApiError> {
    let r = q.range(&state)?;
    let by = q.by.unwrap_or(TopBy::Product);
    Ok(axum::Json(
        state.svc.analytics().top(&who, r, by, q.limit()).await?,
    ))
}

/// Every vendor's fill rate, on-time rate, acceptance time, cancellations and price position
/// over a range (staff).
#[utoipa::path(get, path = "/vendors", tag = "analytics", security(("bearer" = [])),
    params(RangeQuery), responses((status = 200, body = [LeagueRow]), (status = 403), (status = 422)))]
async fn vendor_league(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<Vec<LeagueRow>>, ApiError> {
    let r = q.range(&state)?;
    Ok(axum::Json(state.svc.analytics().league(&who, r).await?))
}

/// A vendor's sales and performance over time (weekly unless asked), for staff or the vendor
/// itself; its price position against other vendors for staff only.
#[utoipa::path(get, path = "/vendors/{id}/insights", tag = "analytics", security(("bearer" = [])),
    params(("id" = u64, Path), RangeQuery),
    responses((status = 200, body = VendorInsights), (status = 403), (status = 404), (status = 422)))]
async fn vendor_insights(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<VendorInsights>, ApiError> {
    let today = state.svc.analytics().today();
    let r = Range::checked(
        q.from.or(Some(today - chrono::Duration::weeks(12))),
        q.to,
        today,
    )?;
    let g = q.granularity.unwrap_or(Granularity::Week);
    Ok(axum::Json(
        state
            .svc
            .analytics()
            .vendor_insights(&who, id, r, g)
            .await?,
    ))
}
