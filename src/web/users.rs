//! `/api/v1/users`: admins manage accounts. Everyone may read their own.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{AdminUser, Caller, Json, Path, Query};
use crate::app::AppState;
use crate::auth::{NewUser, Party, User, UserPatch};
use crate::support::page::{Page, clamp_limit};
use crate::types::language::Language;
use crate::types::{Msisdn, Role};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(deactivate_user))
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    id: u64,
    phone: String,
    email: Option<String>,
    name: String,
    role: Role,
    active: bool,
    vendor_id: Option<u64>,
    retailer_id: Option<u64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// The console's language: `en` or `ne`.
    language: Language,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        let (vendor_id, retailer_id) = match u.party {
            Some(Party::Vendor(id)) => (Some(id), None),
            Some(Party::Retailer(id)) => (None, Some(id)),
            None => (None, None),
        };
        Self {
            id: u.id,
            phone: u.phone.to_string(),
            email: u.email,
            name: u.name,
            role: u.role,
            active: u.active,
            vendor_id,
            retailer_id,
            created_at: u.created_at,
            updated_at: u.updated_at,
            language: u.language,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    items: Vec<UserView>,
    next_cursor: Option<String>,
}

impl From<Page<User>> for UserPage {
    fn from(p: Page<User>) -> Self {
        let p = p.map(UserView::from);
        Self {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    role: Option<Role>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// Users, newest first.
#[utoipa::path(get, path = "", tag = "users", security(("bearer" = [])), params(UserFilter),
    responses((status = 200, body = UserPage), (status = 401), (status = 403)))]
async fn list_users(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(f): Query<UserFilter>,
) -> Result<axum::Json<UserPage>, ApiError> {
    let cursor = super::paging::cursor(f.cursor.as_deref())?;
    let (limit, role) = (clamp_limit(f.limit), f.role);
    let page = state.svc.auth().list_users(cursor, limit, role).await?;
    Ok(axum::Json(page.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(example = "+9779812345678")]
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    phone: String,
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: String,
    role: Role,
    #[schema(min_length = 10, max_length = 256, pattern = r"\S")]
    password: String,
    #[schema(max_length = 254, pattern = r"^[^\s@]+@\S*\.\S*$")]
    email: Option<String>,
}

crate::debug_redacted!(CreateUser { phone, name, role, email } secret { password });

/// Create a user. A vendor or retailer user becomes the login of the record with its phone.
#[utoipa::path(post, path = "", tag = "users", security(("bearer" = [])), request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 409, description = "phone taken"), (status = 422)))]
async fn create_user(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Json(req): Json<CreateUser>,
) -> Result<(StatusCode, axum::Json<UserView>), ApiError> {
    let phone = Msisdn::parse_e164(&req.phone).map_err(|e| {
        ApiError::unprocessable(format!("phone: {e}"))
            .with_details(serde_json::json!({"field": "phone"}))
    })?;
    let new = NewUser {
        phone,
        name: req.name,
        email: req.email,
        role: req.role,
        password: req.password,
        must_change_password: false,
    };
    let user = state.svc.auth().create_user(&admin.actor(), new).await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

/// One user (admins: anyone; others: themselves).
#[utoipa::path(get, path = "/{id}", tag = "users", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = UserView), (status = 403), (status = 404)))]
async fn get_user(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<UserView>, ApiError> {
    if who.role != Role::Admin && who.user_id != id {
        return Err(ApiError::forbidden("you may only read your own account"));
    }
    Ok(axum::Json(state.svc.auth().get_user(id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[schema(
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    name: Option<String>,
    /// `null` removes the email.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 254, pattern = r"^[^\s@]+@\S*\.\S*$")]
    email: Option<Option<String>>,
    role: Option<Role>,
    active: Option<bool>,
    #[schema(min_length = 10, max_length = 256, pattern = r"\S")]
    password: Option<String>,
    /// The console's language (`en` | `ne`): the one field users change on their own account.
    language: Option<Language>,
}

crate::debug_redacted!(UpdateUser { name, email, role, active, language } secret { password });

/// Distinguishes a field set to `null` (Some(None)) from one left out (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Change a user (admins). Anyone may change their own `language`; nobody changes their own
/// role or deactivates themselves.
#[utoipa::path(patch, path = "/{id}", tag = "users", security(("bearer" = [])), params(("id" = u64, Path)),
    request_body = UpdateUser, responses((status = 200, body = UserView), (status = 403), (status = 404), (status = 422)))]
async fn update_user(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
    Json(req): Json<UpdateUser>,
) -> Result<axum::Json<UserView>, ApiError> {
    let patch = UserPatch {
        name: req.name,
        email: req.email,
        role: req.role,
        active: req.active,
        password: req.password,
        language: req.language,
    };
    Ok(axum::Json(
        state.svc.auth().update_user(&who, id, patch).await?.into(),
    ))
}

/// Deactivate a user: they can no longer log in and their sessions end at once. The user is
/// kept (for the audit trail, and to be turned back on with `PATCH {"active": true}`), so this
/// is not a DELETE.
#[utoipa::path(post, path = "/{id}/deactivate", tag = "users", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn deactivate_user(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    state.svc.auth().update_user(&admin, id, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_requests_never_show_passwords_in_debug() {
        let create = CreateUser {
            phone: "+9779800000000".into(),
            name: "A".into(),
            role: Role::Operator,
            password: "s3cret-pass".into(),
            email: None,
        };
        let update = UpdateUser {
            name: None,
            email: None,
            role: None,
            active: None,
            password: Some("s3cret-pass".into()),
            language: None,
        };
        for s in [format!("{create:?}"), format!("{update:?}")] {
            assert!(!s.contains("s3cret") && s.contains("[redacted]"), "{s}");
        }
    }
}
