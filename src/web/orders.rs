//! `/api/v1/orders`: placing orders (idempotent), reading them with their history, and moving
//! them through the state machine.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::error::ApiError;
use super::extract::{Caller, Json, Path, Query};
use super::orders_view::named;
pub use super::orders_view::{EventView, LineView, OrderView};
use crate::app::AppState;
use crate::orders::{
    Action, LineRequest, MoveRequest, NewOrder, OrderFilter, OrderSource, OrderState, ProductRef,
};
use crate::support::page::clamp_limit;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders, create_order))
        .routes(routes!(get_order))
        .routes(routes!(transition))
        .routes(routes!(routing))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    items: Vec<OrderView>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    retailer_id: Option<u64>,
    vendor_id: Option<u64>,
    /// One of PLACED, ACCEPTED, PACKING, DISPATCHED, DELIVERED, COMPLETED, CANCELLED.
    state: Option<OrderState>,
    /// Created at or after: RFC 3339, or a Nepal date YYYY-MM-DD.
    #[param(
        pattern = r"^(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))$"
    )]
    from: Option<String>,
    /// Created before: RFC 3339, or a Nepal date YYYY-MM-DD (the whole day is included).
    #[param(
        pattern = r"^(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))$"
    )]
    to: Option<String>,
    /// Page size, 1 to 1000 (100 when absent).
    #[serde(default, deserialize_with = "crate::web::paging::limit")]
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{0,19}$")]
    cursor: Option<String>,
}

/// Reads a bound: an RFC 3339 time, or a Nepal calendar date (its start; `end` → the next day's start).
fn time_bound(
    raw: Option<&str>,
    field: &str,
    end: bool,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    crate::support::clock::parse_bound(raw, end)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("{field}: '{raw}' is neither RFC 3339 nor YYYY-MM-DD"),
            )
        })
}

/// Orders, newest first (staff: all; vendors and retailers: their own).
#[utoipa::path(get, path = "", tag = "orders", security(("bearer" = [])), params(OrderQuery),
    responses((status = 200, body = OrderPage), (status = 400), (status = 403)))]
async fn list_orders(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<OrderQuery>,
) -> Result<axum::Json<OrderPage>, ApiError> {
    let st = q.state;
    let filter = OrderFilter {
        retailer_id: q.retailer_id,
        vendor_id: q.vendor_id,
        state: st,
        from: time_bound(q.from.as_deref(), "from", false)?,
        to: time_bound(q.to.as_deref(), "to", true)?,
        cursor: super::paging::cursor(q.cursor.as_deref())?,
        limit: clamp_limit(q.limit),
    };
    let page = state.svc.orders().list(&who, filter).await?;
    let items = named(
        &state,
        page.items
            .into_iter()
            .map(|o| OrderView::new(o, Vec::new()))
            .collect(),
    )
    .await?;
    Ok(axum::Json(OrderPage {
        items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// The product by sku (e.g. RICE-1KG) ...
    #[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    sku: Option<String>,
    /// ... or by id.
    product_id: Option<u64>,
    /// Packs.
    #[schema(minimum = 1, maximum = 1_000_000)]
    quantity: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// Required when staff order on a retailer's behalf; a retailer orders for itself.
    retailer_id: Option<u64>,
    #[schema(min_items = 1, max_items = 1000)]
    lines: Vec<LineInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    #[serde(flatten)]
    order: OrderView,
    /// Every order the cart became (one unless it was split across vendors).
    orders: Vec<OrderView>,
}

/// Place an order. Send an `Idempotency-Key` header: the same key with the same body returns
/// the same order (200); with another body it is a 409. A key is kept for
/// `retention.idempotency_days` (30 days); after that it places a new order.
#[utoipa::path(post, path = "", tag = "orders", security(("bearer" = [])), request_body = CreateOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses((status = 201, body = Created), (status = 200, body = Created, description = "a repeated request"),
              (status = 409, description = "credit, stock, blocked, no vendor, key reused"), (status = 422)))]
async fn create_order(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    Json(req): Json<CreateOrder>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let lines = req
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| l.into_request(i))
        .collect::<Result<Vec<_>, _>>()?;
    let new = NewOrder {
        retailer_id: req.retailer_id.unwrap_or(0),
        lines,
        idempotency_key: key,
        source: OrderSource::Api,
    };
    let placed = state.svc.orders().place(&who, new).await?;
    let all = named(
        &state,
        placed
            .orders
            .into_iter()
            .map(|o| OrderView::new(o, Vec::new()))
            .collect(),
    )
    .await?;
    Ok(created(all, placed.replayed))
}

/// The optional `Idempotency-Key` header, as text.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                ApiError::bad_request("invalid_header", "Idempotency-Key must be plain text")
            })
        })
        .transpose()
}

impl LineInput {
    /// The line as the order door takes it: exactly one of `sku` and `product_id`.
    fn into_request(self, i: usize) -> Result<LineRequest, ApiError> {
        let product = match (self.sku, self.product_id) {
            (Some(sku), None) => ProductRef::Sku(super::products::sku(&sku)?),
            (None, Some(id)) => ProductRef::Id(id),
            _ => {
                return Err(ApiError::rule(format!(
                    "lines[{i}]: give exactly one of sku and product_id"
                )));
            }
        };
        Ok(LineRequest {
            product,
            quantity: self.quantity,
        })
    }
}

/// 201 with the orders a cart became, or 200 (marked) for a repeated request.
fn created(all: Vec<OrderView>, replayed: bool) -> Response {
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut res = match created_body(&all) {
        Ok(body) => {
            let json = HeaderValue::from_static("application/json");
            (status, [(axum::http::header::CONTENT_TYPE, json)], body).into_response()
        }
        Err(e) => return ApiError::internal(&e).into_response(),
    };
    if replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}

/// The body [`Created`] describes, each order serialized once: the first order's fields, then
/// `orders` (the first again, the same bytes, and the rest), as `Created`'s derived form
/// writes them (`created_body_is_createds_own_form` checks that).
fn created_body(all: &[OrderView]) -> Result<Vec<u8>, serde_json::Error> {
    let each: Vec<Vec<u8>> = all
        .iter()
        .map(serde_json::to_vec)
        .collect::<Result<_, _>>()?;
    let Some(first) = each.first().and_then(|f| f.strip_suffix(b"}")) else {
        return Err(serde::ser::Error::custom("a cart became no order"));
    };
    let mut out = Vec::with_capacity(each.iter().map(Vec::len).sum::<usize>() * 2 + 16);
    out.extend_from_slice(first);
    out.extend_from_slice(b",\"orders\":[");
    for (i, one) in each.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(one);
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// One order with its history.
#[utoipa::path(get, path = "/{id}", tag = "orders", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = OrderView), (status = 404)))]
async fn get_order(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<OrderView>, ApiError> {
    let (o, history) = state.svc.orders().get(&who, id).await?;
    let mut views = named(&state, vec![OrderView::new(o, history)]).await?;
    Ok(axum::Json(views.remove(0)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// accept, reject, pack, dispatch, deliver, complete, cancel (staff also: reroute).
    action: Action,
    /// Why (kept in the history); required for a manual re-route.
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    note: Option<String>,
    /// For `reroute`: the vendor to move the order to; the next best when absent.
    vendor_id: Option<u64>,
}

/// What a move answers: the order as the caller now sees it, or, when the move took it out of
/// the caller's sight (a vendor's rejection sends it to another vendor), only what the caller
/// did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TransitionView {
    Order(Box<OrderView>),
    MovedAway(MovedAway),
}

/// An order that is no longer the caller's to see after its move.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovedAway {
    id: u64,
    number: String,
    action: Action,
    /// `moved_to_another_vendor` or `cancelled`.
    outcome: &'static str,
}

/// Move an order through the state machine; an illegal move is a 409 naming the current state.
#[utoipa::path(post, path = "/{id}/transitions", tag = "orders", security(("bearer" = [])), params(("id" = u64, Path)),
    request_body = TransitionRequest, responses((status = 200, body = TransitionView), (status = 403), (status = 404), (status = 409)))]
async fn transition(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
    Json(req): Json<TransitionRequest>,
) -> Result<axum::Json<TransitionView>, ApiError> {
    let note = req.note.unwrap_or_default();
    let mv = MoveRequest::checked(req.action, &note, req.vendor_id)?;
    let (out, history) = state.svc.orders().transition(&who, id, mv).await?;
    Ok(axum::Json(match history {
        Some(history) => {
            let mut views = named(&state, vec![OrderView::new(out.order, history)]).await?;
            TransitionView::Order(Box::new(views.remove(0)))
        }
        None => TransitionView::MovedAway(MovedAway {
            outcome: out.outcome(),
            id: out.order.id,
            number: out.order.number,
            action: req.action,
        }),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    at: DateTime<Utc>,
    chosen_vendor_id: Option<u64>,
    reason: String,
    #[schema(value_type = Vec<Object>)]
    candidates: Vec<crate::routing::CandidateScore>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingView {
    /// Oldest first: the first placement, then every re-route.
    decisions: Vec<DecisionView>,
}

/// Every routing decision for an order with each candidate's per-factor scores (staff).
#[utoipa::path(get, path = "/{id}/routing", tag = "orders", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = RoutingView), (status = 403), (status = 404)))]
async fn routing(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<u64>,
) -> Result<axum::Json<RoutingView>, ApiError> {
    let decisions = state
        .svc
        .orders()
        .routing(&who, id)
        .await?
        .into_iter()
        .map(|d| DecisionView {
            at: d.at,
            chosen_vendor_id: d.decision.chosen_vendor_id,
            reason: d.decision.reason,
            candidates: d.decision.candidates,
        })
        .collect();
    Ok(axum::Json(RoutingView { decisions }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_body_is_createds_own_form() {
        for n in [1, 3] {
            let all: Vec<OrderView> = (1..=n).map(OrderView::sample).collect();
            let derived = Created {
                order: all[0].clone(),
                orders: all.clone(),
            };
            let derived = String::from_utf8(serde_json::to_vec(&derived).unwrap()).unwrap();
            let spliced = String::from_utf8(created_body(&all).unwrap()).unwrap();
            assert_eq!(spliced, derived);
        }
        assert!(created_body(&[]).is_err());
    }
}
