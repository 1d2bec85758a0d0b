//! The one table from errors to HTTP: every error body is
//! `{"error": {"code", "message", "details"}}` with a stable snake_case code.
//!
//! 5xx answers are opaque to the caller; their cause is logged once, here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::AuthError;
use crate::catalog::CatalogError;
use crate::credit::CreditError;
use crate::credit::payments::PaymentError;
use crate::orders::OrderError;
use crate::orders::state::TransitionError;
use crate::storage::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Value::Object(Default::default()),
            retry_after: None,
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            message,
        )
    }

    /// Well-formed and within every documented bound, but a business rule refuses it as it
    /// stands (one field requires another, the current state forbids it).
    pub fn rule(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "rule_broken", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// Too many requests: try again after `secs`.
    pub fn rate_limited(secs: u64) -> Self {
        let mut err = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests; try again in {secs} seconds"),
        )
        .with_details(json!({"retry_after_secs": secs}));
        err.retry_after = Some(secs);
        err
    }

    /// An internal failure: the caller learns nothing of the cause, the log gets it once.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; it has been logged",
        )
    }

    /// The error for a status that carries no specific cause (unknown route, timeout...).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "the request could not be read"),
            401 => ("unauthorized", "this request needs a bearer token"),
            403 => ("forbidden", "not allowed"),
            404 => ("not_found", "no such resource"),
            405 => ("method_not_allowed", "this method is not allowed here"),
            408 => ("request_timeout", "the request took too long"),
            413 => ("body_too_large", "the request body is too large"),
            415 => ("unsupported_media_type", "unsupported content type"),
            429 => ("rate_limited", "too many requests"),
            503 => ("unavailable", "the service is unavailable; try again"),
            s if s >= 500 => (
                "internal_error",
                "something went wrong on our side; it has been logged",
            ),
            _ => ("error", "the request failed"),
        };
        Self::new(status, code, message)
    }

    pub fn body(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message, "details": self.details}})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body())).into_response();
        let headers = res.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            let value = match self.code {
                "missing_token" | "unauthorized" => "Bearer realm=\"khaacho\"".to_string(),
                code => format!(
                    "Bearer realm=\"khaacho\", error=\"invalid_token\", error_description=\"{code}\""
                ),
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(header::WWW_AUTHENTICATE, v);
            }
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let msg = e.to_string();
        match e {
            AuthError::InvalidCredentials => {
                Self::new(StatusCode::UNAUTHORIZED, "invalid_credentials", msg)
            }
            AuthError::MissingToken => Self::new(StatusCode::UNAUTHORIZED, "missing_token", msg),
            AuthError::WrongPassword => {
                Self::unprocessable(msg).with_details(json!({"field": "current_password"}))
            }
            AuthError::InvalidToken(_) => Self::new(StatusCode::UNAUTHORIZED, "invalid_token", msg),
            AuthError::TokenExpired => Self::new(StatusCode::UNAUTHORIZED, "token_expired", msg),
            AuthError::SessionEnded => Self::new(StatusCode::UNAUTHORIZED, "session_ended", msg),
            AuthError::Forbidden(_) => Self::forbidden(msg),
            AuthError::TooManyAttempts { retry_after_secs } => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", msg)
                    .with_details(json!({"retry_after_secs": retry_after_secs}));
                err.retry_after = Some(retry_after_secs);
                err
            }
            AuthError::PhoneTaken(_) => Self::conflict("phone_taken", msg),
            AuthError::UserNotFound(_) => Self::not_found(msg),
            AuthError::Invalid { field, .. } => {
                Self::unprocessable(msg).with_details(json!({"field": field}))
            }
            AuthError::Store(e) => e.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        let msg = e.to_string();
        match e {
            CatalogError::NotFound { .. } | CatalogError::UnknownSku(_) => Self::not_found(msg),
            CatalogError::Conflict(_) => Self::conflict("conflict", msg),
            CatalogError::InsufficientStock {
                listing_id,
                available,
                wanted,
            } => Self::conflict("insufficient_stock", msg).with_details(
                json!({"listing_id": listing_id, "available": available, "wanted": wanted}),
            ),
            CatalogError::Invalid { field, .. } => {
                Self::unprocessable(msg).with_details(json!({"field": field}))
            }
            CatalogError::Forbidden(_) => Self::forbidden(msg),
            CatalogError::Rule { field, .. } => {
                Self::rule(msg).with_details(json!({"field": field}))
            }
            CatalogError::OutOfRange(e) => e.into(),
            CatalogError::Store(e) => e.into(),
        }
    }
}

impl From<OrderError> for ApiError {
    fn from(e: OrderError) -> Self {
        let msg = e.to_string();
        match e {
            OrderError::NotFound(_) => Self::not_found(msg),
            OrderError::Invalid(_) | OrderError::Overflow(_) => Self::unprocessable(msg),
            OrderError::UnknownRetailer(_) | OrderError::UnknownRecord(_) => Self::not_found(msg),
            OrderError::Rule(_) => Self::rule(msg),
            OrderError::Forbidden(_) | OrderError::Transition(TransitionError::NotAllowed(_)) => Self::forbidden(msg),
            OrderError::Blocked(_) => Self::conflict("retailer_blocked", msg),
            OrderError::CreditLimitExceeded { limit, posted, held, available, needed } => Self::conflict("credit_limit_exceeded", msg).with_details(json!({
                "limit_paisa": limit, "posted_paisa": posted, "held_paisa": held, "available_paisa": available, "needed_paisa": needed
            })),
            OrderError::NoVendor(_) => Self::conflict("no_vendor", msg),
            OrderError::IdempotencyConflict => Self::conflict("idempotency_key_reused", msg),
            OrderError::Transition(TransitionError::Illegal { state, action }) => {
                Self::conflict("illegal_transition", msg).with_details(json!({"state": state.as_str(), "action": action.as_str()}))
            }
            OrderError::Catalog(e) => e.into(),
            OrderError::Ledger(e) => Self::internal(&e),
            OrderError::Store(e) => e.into(),
        }
    }
}

impl From<CreditError> for ApiError {
    fn from(e: CreditError) -> Self {
        let msg = e.to_string();
        match e {
            CreditError::NotFound(_) | CreditError::Payment(PaymentError::UnknownRetailer(_)) => {
                Self::not_found(msg)
            }
            CreditError::Forbidden(_) => Self::forbidden(msg),
            CreditError::Rule { field, .. } => {
                Self::rule(msg).with_details(json!({"field": field}))
            }
            CreditError::Invalid { field, .. } => {
                Self::unprocessable(msg).with_details(json!({"field": field}))
            }
            CreditError::Payment(PaymentError::Invalid(_)) => Self::unprocessable(msg),
            CreditError::Conflict(_) => Self::conflict("conflict", msg),
            CreditError::Payment(PaymentError::ReferenceReused { existing, .. }) => {
                Self::conflict("payment_reference_reused", msg)
                    .with_details(json!({"payment_id": existing}))
            }
            CreditError::Payment(PaymentError::OutOfRange(e)) | CreditError::OutOfRange(e) => {
                e.into()
            }
            CreditError::Payment(PaymentError::Ledger(e)) => Self::internal(&e),
            CreditError::Payment(PaymentError::Store(e)) | CreditError::Store(e) => e.into(),
        }
    }
}

impl From<crate::analytics::AnalyticsError> for ApiError {
    fn from(e: crate::analytics::AnalyticsError) -> Self {
        use crate::analytics::AnalyticsError as E;
        let msg = e.to_string();
        match e {
            E::Forbidden(_) => Self::forbidden(msg),
            E::NotFound(_) => Self::not_found(msg),
            E::Invalid { field, .. } => {
                Self::unprocessable(msg).with_details(json!({"field": field}))
            }
            E::Export(_) => Self::internal(&e),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::types::limits::OutOfRange> for ApiError {
    fn from(e: crate::types::limits::OutOfRange) -> Self {
        let msg = e.to_string();
        Self::unprocessable(msg)
            .with_details(json!({"field": e.field, "minimum": e.minimum, "maximum": e.maximum}))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::internal(&e)
    }
}

impl From<crate::whatsapp::WhatsAppError> for ApiError {
    fn from(e: crate::whatsapp::WhatsAppError) -> Self {
        use crate::whatsapp::WhatsAppError as W;
        match e {
            W::Invalid { field, .. } => {
                Self::unprocessable(e.to_string()).with_details(json!({ "field": field }))
            }
            W::Store(e) => e.into(),
        }
    }
}

impl From<crate::messaging::dead_letters::RetryError> for ApiError {
    fn from(e: crate::messaging::dead_letters::RetryError) -> Self {
        use crate::messaging::dead_letters::RetryError as R;
        let msg = e.to_string();
        match e {
            R::NotFound(_) => Self::not_found(msg),
            R::NotRetryable { status, .. } => {
                Self::conflict("not_retryable", msg).with_details(json!({"status": status}))
            }
            R::Store(e) => e.into(),
        }
    }
}

impl From<crate::app::backups::BackupError> for ApiError {
    fn from(e: crate::app::backups::BackupError) -> Self {
        use crate::app::backups::BackupError as B;
        let msg = e.to_string();
        match e {
            B::BadName(_) => Self::unprocessable(msg).with_details(json!({"field": "name"})),
            B::NotFound(_) => Self::not_found(msg),
            B::Exists(_) => Self::conflict("backup_exists", msg),
            B::Io(e) => Self::internal(&e),
            B::Store(e) => e.into(),
        }
    }
}

/// A webhook the provider's adapter refused.
impl From<crate::whatsapp::providers::ProviderError> for ApiError {
    fn from(e: crate::whatsapp::providers::ProviderError) -> Self {
        use crate::whatsapp::providers::ProviderError as P;
        let status = match e {
            P::Forbidden => StatusCode::FORBIDDEN,
            P::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            P::InvalidUtf8 | P::Malformed(_) => StatusCode::BAD_REQUEST,
            P::Missing(_) | P::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self::new(status, e.code(), e.to_string())
    }
}

impl ApiError {
    /// A webhook whose signature is missing or does not match.
    pub fn bad_signature() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "bad_signature",
            "the webhook signature is missing or does not match",
        )
    }

    /// A webhook for a provider this server is not set up for.
    pub fn provider_not_configured(provider: &str) -> Self {
        Self::not_found(format!("{provider} is not configured on this server"))
    }
}
