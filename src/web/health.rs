//! `/health` (liveness plus a storage read) and `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    schema_version: u64,
}

/// Liveness: answers 200 when the server runs and its database can be read.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, body = Health), (status = 503, description = "storage unreadable")))]
pub async fn health(State(state): State<AppState>) -> axum::response::Response {
    let read = state.svc.schema_version().await;
    match read {
        Ok(schema_version) => axum::Json(Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            schema_version,
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check could not read storage");
            super::error::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the database cannot be read",
            )
            .into_response()
        }
    }
}

/// Prometheus metrics in the text exposition format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.metrics.observe_store(state.svc.store_stats());
    state.metrics.observe_jobs(state.svc.job_skips());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
