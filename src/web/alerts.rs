//! `/api/v1/alerts`: risk and operations alerts for staff.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Query};
use super::paging::cursor;
use crate::app::AppState;
use crate::credit::alerts::{Alert, AlertKind};
use crate::support::page::clamp_limit;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_alerts))
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
