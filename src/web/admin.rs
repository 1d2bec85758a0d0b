//! `/api/v1/admin`: the console's Admin screen (admins only): backups taken, listed and
//! downloaded; the outbox with its dead letters, one sent again; the effective settings with
//! every secret hidden.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{AdminUser, Path, Query};
use super::messages::{MessagePage, MessageView};
use super::paging::cursor;
use crate::app::AppState;
use crate::app::backups::Backup;
use crate::messaging::outbox::Status;
use crate::support::page::clamp_limit;

/// The admin routes, nested at `/api/v1/admin`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_backups, create_backup))
        .routes(routes!(download_backup))
        .routes(routes!(list_outbox))
        .routes(routes!(retry_message))
        .routes(routes!(settings))
}

/// A backup file in `DATA_DIR/backups/`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupView {
    /// `khaacho-YYYYMMDD-HHMMSS.redb`, the UTC time it was taken.
    #[schema(example = "khaacho-20261126-040000.redb")]
    name: String,
    /// The file's size.
    bytes: u64,
    created_at: DateTime<Utc>,
}

impl From<Backup> for BackupView {
    fn from(b: Backup) -> Self {
        Self {
            name: b.name,
            bytes: b.bytes,
            created_at: b.created_at,
        }
    }
}

/// Every backup kept, newest first (all of them: there is no paging).
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupList {
    items: Vec<BackupView>,
}

/// Take a consistent backup of the database now, into `DATA_DIR/backups/` (admins).
#[utoipa::path(post, path = "/backups", tag = "admin", security(("bearer" = [])),
    responses((status = 201, body = BackupView), (status = 403, description = "admins only"),
        (status = 409, description = "a backup was taken this second (`backup_exists`)")))]
async fn create_backup(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
) -> Result<(StatusCode, axum::Json<BackupView>), ApiError> {
    // A task of its own: a backup finishes and is audited even when the request times out.
    let (svc, actor) = (state.svc.clone(), admin.actor());
    let backup = tokio::spawn(async move { svc.create_backup(actor).await })
        .await
        .map_err(|e| ApiError::internal(&e))??;
    Ok((StatusCode::CREATED, axum::Json(backup.into())))
}

/// The backups kept in `DATA_DIR/backups/`, newest first (admins).
#[utoipa::path(get, path = "/backups", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = BackupList), (status = 403, description = "admins only")))]
async fn list_backups(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
) -> Result<axum::Json<BackupList>, ApiError> {
    let items = state.svc.backups().await?;
    Ok(axum::Json(BackupList {
        items: items.into_iter().map(BackupView::from).collect(),
    }))
}

/// Download a backup: the redb file as it was taken, streamed (admins). A name not shaped
/// `khaacho-YYYYMMDD-HHMMSS.redb` is refused (422).
#[utoipa::path(get, path = "/backups/{name}", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path, pattern = r"^khaacho-[0-9]{8}-[0-9]{6}\.redb$")),
    responses((status = 200, description = "the backup file", content_type = "application/octet-stream", body = String),
        (status = 403, description = "admins only"), (status = 422, description = "not a backup name")))]
async fn download_backup(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let (backup, file) = state.svc.open_backup(&name).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", backup.name))
        .map_err(|e| ApiError::internal(&e))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, HeaderValue::from(backup.bytes)),
        ],
        body,
    )
        .into_response())
}

/// Which outgoing messages, and which page of them.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// Only messages of this status: `dead` for the dead letters, `failed`, `pending`...
    status: Option<Status>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// Outgoing messages, newest first, with their delivery state (admins; `status=dead` for the
/// dead letters).
#[utoipa::path(get, path = "/outbox", tag = "admin", security(("bearer" = [])), params(OutboxQuery),
    responses((status = 200, body = MessagePage), (status = 403, description = "admins only")))]
async fn list_outbox(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(q): Query<OutboxQuery>,
) -> Result<axum::Json<MessagePage>, ApiError> {
    let page = state
        .svc
        .outbox(q.status, cursor(q.cursor.as_deref())?, clamp_limit(q.limit))
        .await?;
    Ok(axum::Json(page.into()))
}

/// Send a dead or failed message again (admins): it goes back in the outbox, due now with its
/// attempts reset, and its delivery alert is resolved.
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "admin", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = MessageView), (status = 403, description = "admins only"),
        (status = 409, description = "the message is not dead or failed (`not_retryable`)")))]
async fn retry_message(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<u64>,
) -> Result<axum::Json<MessageView>, ApiError> {
    let message = state.svc.retry_message(admin.actor(), id).await?;
    Ok(axum::Json(message.into()))
}

/// The configuration the server runs with (admins). Every secret shows as `"[hidden]"` when
/// set and null when not.
#[utoipa::path(get, path = "/settings", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "the effective configuration, as in `khaacho.toml`, plus `data_dir`", body = Object), (status = 403, description = "admins only")))]
async fn settings(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let shown = state
        .svc
        .config()
        .redacted_json()
        .map_err(|e| ApiError::internal(&e))?;
    Ok(axum::Json(shown))
}
