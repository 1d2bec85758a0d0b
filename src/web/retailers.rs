//! `/api/v1/retailers`: shops, their credit terms (changed with a reason), credit view and
//! statement; `/api/v1/payments`; `/api/v1/alerts`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Path, Query, Staff};
use super::paging::{PageQuery, cursor};
use crate::app::AppState;
use crate::credit::alerts::{Alert, AlertKind};
use crate::credit::payments::{Allocation, Method, Payment, PaymentInput};
use crate::credit::{CreditView, RetailerInput, RetailerPatch, StatementRow};
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

pub fn payments_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_payments, create_payment))
}

pub fn alerts_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_alerts))
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

#[derive(Debug, Serialize, ToSchema)]
pub struct Statement {
    retailer_id: u64,
    rows: Vec<StatementRow>,
    /// Owed now (negative: paid in advance).
    balance_paisa: i64,
}

/// Every charge, payment and hold on the retailer's account with the running balance.
#[utoipa::path(get, path = "/{id}/statement", tag = "retailers", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Statement), (status = 403), (status = 404)))]
async fn statement(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<Statement>, ApiError> {
    let rows = state.svc.credit().statement(&who, id).await?;
    let balance_paisa = rows.last().map_or(0, |r| r.balance_paisa);
    Ok(axum::Json(Statement {
        retailer_id: id,
        rows,
        balance_paisa,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    id: u64,
    retailer_id: u64,
    amount_paisa: i64,
    method: Method,
    reference: String,
    allocations: Vec<Allocation>,
    /// Not yet used against an invoice: a credit balance.
    unallocated_paisa: i64,
    created_at: DateTime<Utc>,
}

impl From<Payment> for PaymentView {
    fn from(p: Payment) -> Self {
        Self {
            id: p.id,
            retailer_id: p.retailer_id,
            amount_paisa: p.amount_paisa,
            method: p.method,
            reference: p.reference,
            allocations: p.allocations,
            unallocated_paisa: p.unallocated_paisa,
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentPage {
    items: Vec<PaymentView>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PaymentQuery {
    retailer_id: Option<u64>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// Payments, newest first (staff: all; a retailer: its own).
#[utoipa::path(get, path = "", tag = "payments", security(("bearer" = [])), params(PaymentQuery),
    responses((status = 200, body = PaymentPage), (status = 403)))]
async fn list_payments(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<PaymentQuery>,
) -> Result<axum::Json<PaymentPage>, ApiError> {
    let page = state
        .svc
        .credit()
        .payments(
            &who,
            q.retailer_id,
            cursor(q.cursor.as_deref())?,
            clamp_limit(q.limit),
        )
        .await?;
    let page = page.map(PaymentView::from);
    Ok(axum::Json(PaymentPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    retailer_id: u64,
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    amount_paisa: i64,
    method: Method,
    /// The receipt, cheque or wallet transaction number; a payment is recorded once per reference.
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    reference: String,
}

/// Record a payment (staff). It pays the oldest-due invoices first; the rest is credit.
/// Repeating a reference with the same details returns the same payment (200).
#[utoipa::path(post, path = "", tag = "payments", security(("bearer" = [])), request_body = CreatePayment,
    responses((status = 201, body = PaymentView), (status = 200, body = PaymentView), (status = 409), (status = 422)))]
async fn create_payment(
    State(state): State<AppState>,
    Staff(who): Staff,
    Json(req): Json<CreatePayment>,
) -> Result<Response, ApiError> {
    let input = PaymentInput {
        retailer_id: req.retailer_id,
        amount_paisa: req.amount_paisa,
        method: req.method,
        reference: req.reference,
    };
    let (p, replayed) = state.svc.credit().record_payment(&who, input).await?;
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(PaymentView::from(p))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    id: u64,
    kind: AlertKind,
    subject: String,
    message: String,
    raised_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
}

impl From<Alert> for AlertView {
    fn from(a: Alert) -> Self {
        Self {
            id: a.id,
            kind: a.kind,
            subject: a.subject,
            message: a.message,
            raised_at: a.raised_at,
            updated_at: a.updated_at,
            resolved_at: a.resolved_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertPage {
    items: Vec<AlertView>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// Only alerts not yet resolved (default true).
    open: Option<bool>,
    kind: Option<AlertKind>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// Risk and operations alerts, newest first (staff).
#[utoipa::path(get, path = "", tag = "alerts", security(("bearer" = [])), params(AlertQuery),
    responses((status = 200, body = AlertPage), (status = 403)))]
async fn list_alerts(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<AlertQuery>,
) -> Result<axum::Json<AlertPage>, ApiError> {
    let page = state
        .svc
        .credit()
        .alerts(
            &who,
            q.open.unwrap_or(true),
            q.kind,
            cursor(q.cursor.as_deref())?,
            clamp_limit(q.limit),
        )
        .await?;
    let page = page.map(AlertView::from);
    Ok(axum::Json(AlertPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
