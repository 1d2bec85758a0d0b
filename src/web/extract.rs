//! Extractors: request bodies and queries whose rejections speak the API's error format, and
//! the caller's identity with its role checks (`Caller`, `Staff`, `AdminUser`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::app::AppState;
use crate::auth::{AuthError, Principal};
use crate::types::Role;

/// A JSON request body. Malformed JSON is 400, a wrong shape (missing field, wrong type,
/// unknown field) is 422, a missing content type is 415, an oversized body is 413.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    /// A body that reads straight into `T` is taken as it is; any other goes through a
    /// `serde_json::Value` (whole numbers as integers, axum's words for what is wrong). The
    /// second reading gives the same `T` whenever the first does, and reading into a `Value`
    /// first cost 2 % of the request threads under the order load.
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| rejected(r.status(), r.body_text()))?;
        if let Ok(value) = serde_json::from_slice::<T>(&bytes) {
            return Ok(Json(value));
        }
        through_value(axum::Json::<serde_json::Value>::from_bytes(&bytes))
    }
}

/// axum's own test for a JSON content type (`application/json` or `application/…+json`),
/// which axum keeps private.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == "application" && (m.subtype() == "json" || m.suffix() == Some(mime::JSON))
        })
}

fn through_value<T: DeserializeOwned>(
    parsed: Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<T>, ApiError> {
    let axum::Json(mut value) = parsed.map_err(|r| rejected(r.status(), r.body_text()))?;
    whole_numbers(&mut value);
    serde_json::from_value(value).map(Json).map_err(|e| {
        ApiError::unprocessable(format!(
            "Failed to deserialize the JSON body into the target type: {e}"
        ))
    })
}

/// What a body that could not be read or parsed gets: 413, 422 for the wrong shape, else 400.
fn rejected(status: StatusCode, text: String) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::unprocessable(text),
        _ => ApiError::bad_request("malformed_json", text),
    }
}

/// JSON does not tell 2 from 2.0, and JSON Schema calls both integers: a number with no
/// fractional part is read as the integer it is.
fn whole_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) {
                if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                    *v = serde_json::Value::from(f as u64);
                } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
                    *v = serde_json::Value::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A query string; one that does not parse is 400.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|r| ApiError::bad_request("invalid_query", r.body_text()))
    }
}

/// A path parameter; one of the wrong type (`/users/abc`) is 400.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|r| ApiError::bad_request("invalid_path", r.body_text()))
    }
}

/// The authenticated caller, any role.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(Caller(p.clone()));
        }
        let token = bearer_token(parts)?;
        let principal = state.svc.auth().authenticate(token).await?;
        // Nested routers see their own part of the path; the request's whole path is kept.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or(parts.uri.path(), |u| u.0.path());
        if principal.must_change_password && !PASSWORD_CHANGE_ROUTES.contains(&path) {
            return Err(ApiError::forbidden(
                "change your password first (POST /api/v1/auth/password): it was set for you",
            )
            .with_code("password_change_required"));
        }
        parts.extensions.insert(principal.clone());
        Ok(Caller(principal))
    }
}

/// What a session whose password must be changed may still call.
const PASSWORD_CHANGE_ROUTES: [&str; 3] = [
    "/api/v1/auth/password",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
];

fn bearer_token(parts: &Parts) -> Result<&str, AuthError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(AuthError::MissingToken)?
        .to_str()
        .map_err(|_| AuthError::InvalidToken("unreadable Authorization header".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| AuthError::InvalidToken("use `Authorization: Bearer <token>`".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::InvalidToken(
            "use `Authorization: Bearer <token>`".into(),
        ));
    }
    Ok(token.trim())
}

/// An admin or operator.
#[derive(Debug, Clone)]
pub struct Staff(pub Principal);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(p) = Caller::from_request_parts(parts, state).await?;
        if !p.is_staff() {
            return Err(ApiError::forbidden("only operators and admins may do this"));
        }
        Ok(Staff(p))
    }
}

/// An admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub Principal);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(p) = Caller::from_request_parts(parts, state).await?;
        if p.role != Role::Admin {
            return Err(ApiError::forbidden("only admins may do this"));
        }
        Ok(AdminUser(p))
    }
}

/// The client's address: the connecting peer, or behind a trusted reverse proxy the address
/// it forwards (`http.trusted_proxies`). None when the server runs without connection info.
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, state)))
    }
}

pub(super) fn client_ip(parts: &Parts, state: &AppState) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    Some(
        state
            .proxies
            .client(peer, header("x-forwarded-for"), header("forwarded")),
    )
}
