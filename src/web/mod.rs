//! The HTTP layer, the only place that knows axum: one file per URL area, one error table,
//! the extractors, the middleware stack, and the OpenAPI document generated from the handlers.

pub mod admin;
pub mod alerts;
pub mod analytics;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod error;
pub mod extract;
pub mod health;
pub mod intelligence;
pub mod json;
pub mod listings;
pub mod messages;
pub mod middleware;
pub mod openapi;
pub mod orders;
pub mod orders_view;
pub mod paging;
pub mod payments;
pub mod preview;
pub mod products;
pub mod retailers;
pub mod users;
pub mod vendors;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "Khaacho API", description = "B2B wholesale ordering for Nepal. Money is integer paisa in fields ending `_paisa`; times are RFC 3339 UTC; lists answer `{items, next_cursor}` newest first."),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "users"), (name = "catalog"), (name = "vendors"), (name = "listings"), (name = "orders"), (name = "retailers"), (name = "payments"), (name = "alerts"), (name = "analytics"), (name = "whatsapp"), (name = "webhooks"), (name = "system"), (name = "admin"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every API route with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .nest("/api/v1/auth", auth::router())
        .nest("/api/v1/users", users::router())
        .nest("/api/v1/audit", audit::router())
        .nest("/api/v1", products::router())
        .nest("/api/v1", vendors::router())
        .nest("/api/v1", listings::router())
        .nest("/api/v1/orders", orders::router().merge(preview::router()))
        .nest("/api/v1/retailers", retailers::router())
        .nest("/api/v1/payments", payments::router())
        .nest("/api/v1/alerts", alerts::router())
        .nest("/api/v1/analytics", analytics::router())
        .nest(
            "/api/v1",
            analytics::vendor_router().merge(intelligence::router()),
        )
        .nest("/api/v1", messages::router())
        .nest("/api/v1/admin", admin::router())
        .merge(webhooks::webhooks())
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().split_for_parts().1;
    openapi::complete(&mut doc);
    doc
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api().split_for_parts();
    let orders = &state.svc.config().orders;
    let doc = Arc::new(openapi::to_json(doc, orders.max_lines, orders.max_quantity));
    let cfg = &state.svc.config().http;
    let cors = cors_layer(&cfg.cors_allowed_origins);
    let router = api
        .route(
            "/api/v1/openapi.json",
            get(move || openapi_json(doc.clone())),
        )
        .route("/metrics", get(health::metrics))
        .merge(assets::router())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such route") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::limit_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            middleware::track_metrics,
        ))
        .layer(DefaultBodyLimit::max(cfg.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(cfg.request_timeout_secs),
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(middleware::json_errors));
    let router = middleware::security_headers()
        .into_iter()
        .fold(router, |r, (name, value)| {
            r.layer(SetResponseHeaderLayer::if_not_present(name, value))
        });
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(TraceLayer::new_for_http().make_span_with(span_for))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(
            middleware::RequestIds::default(),
        ))
        .with_state(state)
}

async fn openapi_json(doc: Arc<String>) -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.as_str().to_owned(),
    )
}

/// Spans carry the method, the route template and the request id; never the query string
/// (which may hold phone numbers).
fn span_for(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("http", method = %req.method(), route, request_id = id)
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static("idempotency-key"),
            ]),
    )
}
