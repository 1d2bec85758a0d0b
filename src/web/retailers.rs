//! `/api/v1/retailers`: shops, their credit terms (changed with a reason), credit view and
//! statement.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Path, Query, Staff};
use super::paging::{PageQuery, cursor};
use crate::app::AppState;
use crate::credit::{CreditView, RetailerInput, RetailerPatch};
use crate::retailers::{Language, Retailer};
use crate::support::page::clamp_limit;
use crate::types::Msisdn;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_retailers, create_retailer))
        .routes(routes!(get_retailer, update_retailer))
        .routes(routes!(credit))
        .routes(routes!(statement))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetailerView {
    id: u64,
    name: String,
    owner_name: String,
    phone: String,
    district: String,
    province: String,
    credit_limit_paisa: i64,
    terms_days: u32,
    blocked: bool,
    language: Language,
    created_at: DateTime<Utc>,
    active: bool,
}

impl From<Retailer> for RetailerView {
    fn from(r: Retailer) -> Self {
        Self {
            id: r.id,
            name: r.name,
            owner_name: r.owner_name,
            phone: r.phone.to_string(),
            district: r.district,
            province: r.province,
            credit_limit_paisa: r.credit_limit_paisa,
            terms_days: r.terms_days,
            blocked: r.blocked,
            language: r.language,
            created_at: r.created_at,
            active: r.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetailerPage {
    items: Vec<RetailerView>,
    next_cursor: Option<String>,
}

/// Retailers, newest first (staff).
#[utoipa::path(get, path = "", tag = "retailers", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = RetailerPage), (status = 403)))]
async fn list_retailers(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<RetailerPage>, ApiError> {
    let page = state
        .svc
        .credit()
        .list_retailers(&who, cursor(q.cursor.as_deref())?, clamp_limit(q.limit))
        .await?;
    let page = page.map(RetailerView::from);
    Ok(axum::Json(RetailerPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRetailer {
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: String,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    owner_name: String,
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
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    credit_limit_paisa: i64,
    /// Payment terms in days; the configured default when absent.
    #[schema(maximum = 365)]
    terms_days: Option<u32>,
    #[serde(default = "english")]
    language: Language,
}

fn english() -> Language {
    Language::En
}

fn phone(raw: &str) -> Result<Msisdn, ApiError> {
    Msisdn::parse_e164(raw).map_err(|e| {
        ApiError::unprocessable(format!("phone: {e}"))
            .with_details(serde_json::json!({"field": "phone"}))
    })
}

/// Create a retailer (staff). A retailer login with the same phone is linked to it.
#[utoipa::path(post, path = "", tag = "retailers", security(("bearer" = [])), request_body = CreateRetailer,
    responses((status = 201, body = RetailerView), (status = 409), (status = 422)))]
async fn create_retailer(
    State(state): State<AppState>,
    Staff(who): Staff,
    Json(req): Json<CreateRetailer>,
) -> Result<(StatusCode, axum::Json<RetailerView>), ApiError> {
    let input = RetailerInput {
        name: req.name,
        owner_name: req.owner_name,
        phone: phone(&req.phone)?,
        district: req.district,
        province: req.province,
        credit_limit_paisa: req.credit_limit_paisa,
        terms_days: req.terms_days,
        language: req.language,
    };
    let r = state.svc.credit().create_retailer(&who, input).await?;
    Ok((StatusCode::CREATED, axum::Json(r.into())))
}

/// One retailer (staff, or the retailer itself).
#[utoipa::path(get, path = "/{id}", tag = "retailers", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = RetailerView), (status = 403), (status = 404)))]
async fn get_retailer(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<RetailerView>, ApiError> {
    Ok(axum::Json(
        state.svc.credit().retailer(&who, id).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRetailer {
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    phone: Option<String>,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    district: Option<String>,
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    credit_limit_paisa: Option<i64>,
    #[schema(maximum = 365)]
    terms_days: Option<u32>,
    blocked: Option<bool>,
    language: Option<Language>,
    /// false deactivates the shop: its logins and its WhatsApp number act on nothing until it
    /// is turned back on.
    active: Option<bool>,
    /// Required when credit_limit_paisa, terms_days, blocked or active change; kept in the
    /// audit log.
    #[schema(max_length = 500, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    reason: Option<String>,
}

/// Change a retailer (staff). Limit, terms and block changes need a reason.
#[utoipa::path(patch, path = "/{id}", tag = "retailers", security(("bearer" = [])), params(("id" = u64, Path)),
    request_body = UpdateRetailer, responses((status = 200, body = RetailerView), (status = 403), (status = 404), (status = 422)))]
async fn update_retailer(
    State(state): State<AppState>,
    Staff(who): Staff,
    Path(id): Path<u64>,
    Json(req): Json<UpdateRetailer>,
) -> Result<axum::Json<RetailerView>, ApiError> {
    let patch = RetailerPatch {
        phone: req.phone.as_deref().map(phone).transpose()?,
        district: req.district,
        credit_limit_paisa: req.credit_limit_paisa,
        terms_days: req.terms_days,
        blocked: req.blocked,
        language: req.language,
        active: req.active,
        reason: req.reason,
    };
    Ok(axum::Json(
        state
            .svc
            .credit()
            .update_retailer(&who, id, patch)
            .await?
            .into(),
    ))
}

/// Credit position, aging, and score with its explanation.
#[utoipa::path(get, path = "/{id}/credit", tag = "retailers", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = CreditView), (status = 403), (status = 404)))]
async fn credit(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<CreditView>, ApiError> {
    Ok(axum::Json(state.svc.credit().credit_view(&who, id).await?))
}

pub use crate::credit::Statement;

/// Every charge, payment and hold on the retailer's account with the running balance.
#[utoipa::path(get, path = "/{id}/statement", tag = "retailers", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Statement), (status = 403), (status = 404)))]
async fn statement(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<Statement>, ApiError> {
    Ok(axum::Json(state.svc.credit().statement(&who, id).await?))
}
