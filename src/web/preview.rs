//! `POST /api/v1/orders/preview`: what a shop would see on WhatsApp for an order text, priced,
//! with its questions and what was not added. Writes nothing.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json};
use crate::app::AppState;
use crate::preview::Preview;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(preview))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The shop the order is for: its prices, credit and language.
    #[schema(minimum = 1)]
    retailer_id: u64,
    /// The order as the shop writes it.
    #[schema(min_length = 1, max_length = 4096)]
    text: String,
}

/// The same preview the WhatsApp conversation shows: staff for any shop, a shop for itself.
#[utoipa::path(post, path = "/preview", tag = "orders", security(("bearer" = [])),
    request_body = PreviewRequest,
    responses((status = 200, body = Preview), (status = 400), (status = 401), (status = 403),
              (status = 404, description = "no such retailer"), (status = 422)))]
async fn preview(
    State(state): State<AppState>,
    Caller(who): Caller,
    Json(req): Json<PreviewRequest>,
) -> Result<axum::Json<Preview>, ApiError> {
    Ok(axum::Json(
        state.svc.preview(&who, req.retailer_id, req.text).await?,
    ))
}
