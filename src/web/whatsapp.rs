//! `/webhooks/twilio`, `/webhooks/meta` (signed by the providers, no token), the simulator
//! `/api/v1/simulator/messages` and the message log `/api/v1/messages`.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Json, Query, Staff};
use crate::app::AppState;
use crate::messaging::outbox::{Channel, Direction, Message, Status};
use crate::support::page::clamp_limit;
use crate::types::Msisdn;
use crate::whatsapp::providers::{self, DeliveryStatus, ProviderError, meta, twilio};
use crate::whatsapp::{Handled, Incoming};

/// Largest webhook body read; a provider never sends more for one message.
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;

pub fn webhooks() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(twilio_webhook))
        .routes(routes!(meta_verify, meta_webhook))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(simulate))
        .routes(routes!(list_messages))
}

fn provider_error(e: ProviderError) -> ApiError {
    let status = match e {
        ProviderError::Forbidden => StatusCode::FORBIDDEN,
        ProviderError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        ProviderError::InvalidUtf8 | ProviderError::Malformed(_) => StatusCode::BAD_REQUEST,
        ProviderError::Missing(_) | ProviderError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, e.code(), e.to_string())
}

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "bad_signature",
        "the webhook signature is missing or does not match",
    )
}

fn not_configured(provider: &str) -> ApiError {
    ApiError::not_found(format!("{provider} is not configured on this server"))
}

fn delivery(s: DeliveryStatus) -> Status {
    match s {
        DeliveryStatus::Queued => Status::Pending,
        DeliveryStatus::Sent => Status::Sent,
        DeliveryStatus::Delivered => Status::Delivered,
        DeliveryStatus::Read => Status::Read,
        DeliveryStatus::Failed => Status::Failed,
    }
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
        return Err(not_configured("Twilio"));
    };
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(provider_error(ProviderError::TooLarge {
            limit: MAX_WEBHOOK_BYTES,
        }));
    }
    let params = twilio::parse_form(&body).map_err(provider_error)?;
    let path = uri
        .path_and_query()
        .map_or("/webhooks/twilio", |p| p.as_str());
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    if !twilio::verify(cfg, path, &params, signature) {
        return Err(forbidden());
    }
    if let Some(update) = twilio::status(&params) {
        state
            .svc
            .sender()
            .status_update(
                Channel::Twilio,
                update.provider_message_id,
                delivery(update.status),
                update.error,
            )
            .await?;
        return Ok(twiml(&[]));
    }
    let Some(inbound) = twilio::inbound(&params).map_err(provider_error)? else {
        return Ok(twiml(&[]));
    };
    let msg = Incoming {
        channel: Channel::Twilio,
        provider_id: inbound.provider_message_id,
        from: sender_phone(&inbound.from)?,
        body: inbound.body,
    };
    let handled = state
        .svc
        .whatsapp()
        .handle(msg)
        .await
        .map_err(|e| ApiError::internal(&e))?;
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
        return Err(not_configured("Meta"));
    };
    let challenge = meta::verify_subscription(
        cfg,
        q.mode.as_deref(),
        q.verify_token.as_deref(),
        q.challenge.as_deref(),
    )
    .map_err(provider_error)?;
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
        return Err(not_configured("Meta"));
    };
    if body.len() > meta::MAX_PAYLOAD_BYTES {
        return Err(provider_error(ProviderError::TooLarge {
            limit: meta::MAX_PAYLOAD_BYTES,
        }));
    }
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !meta::verify(cfg, &body, signature) {
        return Err(forbidden());
    }
    let (messages, statuses) = meta::parse(&body).map_err(provider_error)?;
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
        state
            .svc
            .whatsapp()
            .handle(msg)
            .await
            .map_err(|e| ApiError::internal(&e))?;
    }
    for s in statuses {
        state
            .svc
            .sender()
            .status_update(
                Channel::Meta,
                s.provider_message_id,
                delivery(s.status),
                s.error,
            )
            .await?;
    }
    Ok(StatusCode::OK.into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulatedMessage {
    /// The phone the message comes "from", e.g. a demo retailer's +9779802000002.
    #[schema(example = "+9779802000002")]
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$")]
    from: String,
    #[schema(example = "chamal 10 kg, chini 5 kg")]
    #[schema(min_length = 1, max_length = 4096)]
    body: String,
    /// The provider's message id, to try a redelivery; a fresh one when absent.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    message_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reply {
    to: String,
    body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Simulated {
    /// Every message the one sent caused at once: the replies, and messages to others (a
    /// vendor's new order).
    replies: Vec<Reply>,
    duplicate: bool,
}

/// Send a message "from" a phone as if it came over WhatsApp (staff), and see what it caused.
#[utoipa::path(post, path = "/simulator/messages", tag = "whatsapp", security(("bearer" = [])), request_body = SimulatedMessage,
    responses((status = 200, body = Simulated), (status = 429, description = "the number sends too fast")))]
async fn simulate(
    State(state): State<AppState>,
    Staff(_): Staff,
    Json(req): Json<SimulatedMessage>,
) -> Result<axum::Json<Simulated>, ApiError> {
    if req.body.len() > MAX_WEBHOOK_BYTES {
        return Err(provider_error(ProviderError::TooLarge {
            limit: MAX_WEBHOOK_BYTES,
        }));
    }
    let from =
        Msisdn::parse_e164(&req.from).map_err(|e| ApiError::unprocessable(format!("from: {e}")))?;
    if !(1..=4096).contains(&req.body.chars().count()) {
        return Err(
            ApiError::unprocessable("body: must be 1 to 4096 characters")
                .with_details(serde_json::json!({"field": "body"})),
        );
    }
    if let Some(id) = &req.message_id {
        crate::catalog::import::validate_text(id, 200, true)
            .map_err(|e| ApiError::unprocessable(format!("message_id: {e}")))?;
    }
    let provider_id = req
        .message_id
        .unwrap_or_else(|| format!("sim-{:016x}", rand::random::<u64>()));
    let handled: Handled = state
        .svc
        .whatsapp()
        .handle(Incoming {
            channel: Channel::Simulator,
            provider_id,
            from: from.clone(),
            body: req.body,
        })
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if handled.throttled {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "this number is sending too many messages; wait a minute",
        ));
    }
    state.svc.sender().deliver_due().await?;
    let replies = if handled.duplicate {
        handled
            .replies
            .into_iter()
            .map(|body| Reply {
                to: from.to_string(),
                body,
            })
            .collect()
    } else {
        handled
            .caused
            .into_iter()
            .map(|(to, body)| Reply { to, body })
            .collect()
    };
    Ok(axum::Json(Simulated {
        replies,
        duplicate: handled.duplicate,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    id: u64,
    direction: Direction,
    phone: String,
    /// twilio, meta or simulator (null while an outgoing message waits for its channel).
    provider: Option<Channel>,
    body: String,
    status: Status,
    kind: String,
    order_id: Option<u64>,
    attempts: u32,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            direction: m.direction,
            phone: m.phone.to_string(),
            provider: m.channel,
            body: m.body,
            status: m.status,
            kind: m.kind,
            order_id: m.order_id,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    items: Vec<MessageView>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessageQuery {
    #[param(pattern = r"^\+[1-9][0-9]{7,14}$")]
    phone: Option<String>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// Every WhatsApp message in and out, newest first (staff; `phone` for one conversation).
#[utoipa::path(get, path = "/messages", tag = "whatsapp", security(("bearer" = [])), params(MessageQuery),
    responses((status = 200, body = MessagePage), (status = 403)))]
async fn list_messages(
    State(state): State<AppState>,
    Staff(_): Staff,
    Query(q): Query<MessageQuery>,
) -> Result<axum::Json<MessagePage>, ApiError> {
    let phone = q
        .phone
        .as_deref()
        .map(Msisdn::parse_e164)
        .transpose()
        .map_err(|e| ApiError::bad_request("invalid_query", format!("phone: {e}")))?;
    let cursor = super::paging::cursor(q.cursor.as_deref())?;
    let page = state
        .svc
        .messages(phone, cursor, clamp_limit(q.limit))
        .await?;
    let page = page.map(MessageView::from);
    Ok(axum::Json(MessagePage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
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
