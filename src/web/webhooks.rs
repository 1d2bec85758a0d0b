//! `/webhooks/twilio`, `/webhooks/meta`: WhatsApp messages and delivery reports, signed by
//! the providers (no token).

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::Query;
use crate::app::AppState;
use crate::messaging::outbox::{Channel, Status};
use crate::types::Msisdn;
use crate::whatsapp::Incoming;
use crate::whatsapp::providers::{self, ProviderError, meta, twilio};

/// Largest webhook body read; a provider never sends more for one message.
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;

pub fn webhooks() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(twilio_webhook))
        .routes(routes!(meta_verify, meta_webhook))
}

fn sender_phone(raw: &str) -> Result<Msisdn, ApiError> {
    Msisdn::parse(raw).map_err(|e| ApiError::unprocessable(format!("sender: {e}")))
}

/// Twilio's WhatsApp webhook: inbound messages (answered with TwiML) and delivery reports.
#[utoipa::path(post, path = "/webhooks/twilio", tag = "webhooks",
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "TwiML reply"), (status = 403, description = "bad or missing X-Twilio-Signature")))]
async fn twilio_webhook(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some(cfg) = state.svc.sender().twilio() else {
        return Err(ApiError::provider_not_configured("Twilio"));
    };
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(ApiError::from(ProviderError::TooLarge {
            limit: MAX_WEBHOOK_BYTES,
        }));
    }
    let params = twilio::parse_form(&body)?;
    let path = uri
        .path_and_query()
        .map_or("/webhooks/twilio", |p| p.as_str());
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    if !twilio::verify(cfg, path, &params, signature) {
        return Err(ApiError::bad_signature());
    }
    if let Some(update) = twilio::status(&params) {
        state
            .svc
            .sender()
            .status_update(
                Channel::Twilio,
                update.provider_message_id,
                Status::from(update.status),
                update.error,
            )
            .await?;
        return Ok(twiml(&[]));
    }
    let Some(inbound) = twilio::inbound(&params)? else {
        return Ok(twiml(&[]));
    };
    let msg = Incoming {
        channel: Channel::Twilio,
        provider_id: inbound.provider_message_id,
        from: sender_phone(&inbound.from)?,
        body: inbound.body,
    };
    let handled = state.svc.whatsapp().handle(msg).await?;
    let parts: Vec<String> = if handled.throttled {
        Vec::new()
    } else {
        handled
            .replies
            .iter()
            .flat_map(|r| providers::split_text(r, providers::TWILIO_MAX_CHARS))
            .collect()
    };
    Ok(twiml(&parts))
}

fn twiml(parts: &[String]) -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        twilio::twiml(parts),
    )
        .into_response()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

crate::debug_redacted!(VerifyQuery { mode, challenge } secret { verify_token });

/// Meta's subscription check: answers the challenge when the verify token matches.
#[utoipa::path(get, path = "/webhooks/meta", tag = "webhooks", params(VerifyQuery),
    responses((status = 200, description = "the challenge, as text"), (status = 403)))]
async fn meta_verify(
    State(state): State<AppState>,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, ApiError> {
    let Some(cfg) = state.svc.sender().meta() else {
        return Err(ApiError::provider_not_configured("Meta"));
    };
    let challenge = meta::verify_subscription(
        cfg,
        q.mode.as_deref(),
        q.verify_token.as_deref(),
        q.challenge.as_deref(),
    )?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge,
    )
        .into_response())
}

/// Meta's WhatsApp Cloud API webhook: messages (answered through the outbox) and statuses.
#[utoipa::path(post, path = "/webhooks/meta", tag = "webhooks", request_body = Object,
    responses((status = 200), (status = 403, description = "bad or missing X-Hub-Signature-256")))]
async fn meta_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some(cfg) = state.svc.sender().meta() else {
        return Err(ApiError::provider_not_configured("Meta"));
    };
    if body.len() > meta::MAX_PAYLOAD_BYTES {
        return Err(ApiError::from(ProviderError::TooLarge {
            limit: meta::MAX_PAYLOAD_BYTES,
        }));
    }
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !meta::verify(cfg, &body, signature) {
        return Err(ApiError::bad_signature());
    }
    let (messages, statuses) = meta::parse(&body)?;
    for inbound in messages {
        let Ok(from) = Msisdn::parse(&inbound.from) else {
            continue;
        };
        let msg = Incoming {
            channel: Channel::Meta,
            provider_id: inbound.provider_message_id,
            from,
            body: inbound.body,
        };
        state.svc.whatsapp().handle(msg).await?;
    }
    for s in statuses {
        state
            .svc
            .sender()
            .status_update(
                Channel::Meta,
                s.provider_message_id,
                Status::from(s.status),
                s.error,
            )
            .await?;
    }
    Ok(StatusCode::OK.into_response())
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn the_meta_verify_token_never_shows_in_debug() {
        let q = VerifyQuery {
            mode: Some("subscribe".into()),
            verify_token: Some("s3cret-verify".into()),
            challenge: Some("42".into()),
        };
        let s = format!("{q:?}");
        assert!(!s.contains("s3cret") && s.contains("[redacted]"), "{s}");
    }
}
