//! The simulator `/api/v1/simulator/messages` and the message log `/api/v1/messages` (its
//! views serve the admin's outbox too).

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Json, Query, Staff};
use super::webhooks::MAX_WEBHOOK_BYTES;
use crate::app::AppState;
use crate::messaging::outbox::{Channel, Direction, Message, Status};
use crate::support::page::{Page, clamp_limit};
use crate::types::Msisdn;
use crate::whatsapp::providers::ProviderError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(simulate))
        .routes(routes!(list_messages))
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
        return Err(ApiError::from(ProviderError::TooLarge {
            limit: MAX_WEBHOOK_BYTES,
        }));
    }
    let from =
        Msisdn::parse_e164(&req.from).map_err(|e| ApiError::unprocessable(format!("from: {e}")))?;
    let msg = crate::whatsapp::simulate::simulated(from.clone(), req.body, req.message_id)?;
    let handled = state.svc.whatsapp().handle(msg).await?;
    if handled.throttled {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "this number is sending too many messages; wait a minute",
        ));
    }
    state.svc.sender().deliver_due().await?;
    let duplicate = handled.duplicate;
    let replies = handled
        .effects(&from)
        .into_iter()
        .map(|(to, body)| Reply { to, body })
        .collect();
    Ok(axum::Json(Simulated { replies, duplicate }))
}

/// A message in or out, as the log and the outbox show it.
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
    /// When the sender next tries a pending message (null for any other status).
    next_attempt_at: Option<DateTime<Utc>>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        let next_attempt_at = (m.status == Status::Pending).then_some(m.next_attempt_at);
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
            next_attempt_at,
        }
    }
}

/// A page of messages, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    items: Vec<MessageView>,
    next_cursor: Option<String>,
}

impl From<Page<Message>> for MessagePage {
    fn from(p: Page<Message>) -> Self {
        let p = p.map(MessageView::from);
        Self {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
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
    Ok(axum::Json(page.into()))
}
