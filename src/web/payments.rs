//! `/api/v1/payments`: payments recorded against a retailer's account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Query, Staff};
use super::paging::cursor;
use crate::app::AppState;
use crate::credit::payments::{Allocation, Method, Payment, PaymentInput};
use crate::support::page::clamp_limit;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_payments, create_payment))
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
