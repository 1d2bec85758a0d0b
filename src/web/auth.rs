//! `/api/v1/auth/*`: login, token refresh, logout, who am I, password change.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, ClientIp, Json};
use super::users::UserView;
use crate::app::AppState;
use crate::auth::LoginTokens;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E.164, e.g. +9779812345678.
    #[schema(example = "+9779800000000")]
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    phone: String,
    #[schema(max_length = 1024)]
    password: String,
}

crate::debug_redacted!(LoginRequest { phone } secret { password });

/// Log in with phone and password.
#[utoipa::path(post, path = "/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginTokens), (status = 401, description = "wrong phone or password"),
               (status = 429, description = "too many attempts")))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> Result<axum::Json<LoginTokens>, ApiError> {
    crate::types::Msisdn::parse_e164(&req.phone).map_err(|e| {
        ApiError::unprocessable(format!("phone: {e}"))
            .with_details(serde_json::json!({"field": "phone"}))
    })?;
    let result = state.svc.auth().login(&req.phone, req.password, ip).await;
    state
        .metrics
        .login(if result.is_ok() { "ok" } else { "refused" });
    Ok(axum::Json(result?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(max_length = 256)]
    refresh_token: String,
}

crate::debug_redacted!(RefreshRequest {  } secret { refresh_token });

/// Exchange a refresh token for a new access token and a new refresh token.
#[utoipa::path(post, path = "/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = LoginTokens), (status = 401, description = "unknown, used or expired refresh token")))]
async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<axum::Json<LoginTokens>, ApiError> {
    Ok(axum::Json(
        state.svc.auth().refresh(&req.refresh_token).await?,
    ))
}

/// End this session: its access and refresh tokens stop working.
#[utoipa::path(post, path = "/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "logged out"), (status = 401)))]
async fn logout(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<StatusCode, ApiError> {
    state.svc.auth().logout(&who).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The logged-in user.
#[utoipa::path(get, path = "/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401)))]
async fn me(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<axum::Json<UserView>, ApiError> {
    let user = state.svc.auth().get_user(who.user_id).await?;
    Ok(axum::Json(UserView::from(user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(max_length = 1024)]
    current_password: String,
    #[schema(min_length = 10, max_length = 256, pattern = r"\S")]
    new_password: String,
}

crate::debug_redacted!(PasswordChange {  } secret { current_password, new_password });

/// Change your own password; your other sessions end.
#[utoipa::path(post, path = "/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 401), (status = 422)))]
async fn change_password(
    State(state): State<AppState>,
    Caller(who): Caller,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state
        .svc
        .auth()
        .change_password(&who, req.current_password, req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_with_passwords_or_tokens_never_show_them_in_debug() {
        let shown = [
            format!(
                "{:?}",
                LoginRequest {
                    phone: "+9779800000000".into(),
                    password: "s3cret-pass".into()
                }
            ),
            format!(
                "{:?}",
                RefreshRequest {
                    refresh_token: "s3cret-pass".into()
                }
            ),
            format!(
                "{:?}",
                PasswordChange {
                    current_password: "s3cret-pass".into(),
                    new_password: "s3cret-pass".into()
                }
            ),
        ];
        for s in shown {
            assert!(!s.contains("s3cret") && s.contains("[redacted]"), "{s}");
        }
    }
}
