//! `/api/v1/audit`: the audit log, for admins.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{AdminUser, Query};
use crate::app::AppState;
use crate::support::page::clamp_limit;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    id: u64,
    at: DateTime<Utc>,
    /// `role:user id`, `cli` or `system`.
    actor: String,
    action: String,
    target: String,
    details: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<AuditView>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// The audit log, newest first (admins).
#[utoipa::path(get, path = "", tag = "users", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403)))]
async fn list_audit(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<AuditPage>, ApiError> {
    let cursor = super::paging::cursor(q.cursor.as_deref())?;
    let limit = clamp_limit(q.limit);
    let page = state.svc.audit_log(cursor, limit).await?;
    let page = page.map(|e: crate::audit::AuditEntry| AuditView {
        id: e.id,
        at: e.at,
        actor: e.actor.label(),
        action: e.action,
        target: e.target,
        details: e.details,
    });
    Ok(axum::Json(AuditPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}
