//! Cross-cutting HTTP behaviour: request ids, metrics per route, security headers, and JSON
//! bodies for errors produced outside handlers (unknown routes, timeouts, oversized bodies).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};

use super::error::ApiError;
use crate::support::telemetry::Metrics;

/// Request ids: a per-process random prefix and a counter (`3f9a1c-000042`).
#[derive(Clone)]
pub struct RequestIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let prefix = format!("{:06x}", rand::random::<u32>() & 0xff_ffff);
        Self {
            prefix: prefix.into(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n:06}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Counts every request and its latency by method, route template and status. Routes are
/// templates (`/api/v1/users/{id}`), never raw paths, so ids and phones stay out of metrics.
pub async fn track_metrics(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let res = next.run(req).await;
    metrics.observe_http(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// Gives a JSON error body to error responses that were not made by our handlers.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let mut fresh = ApiError::from_status(status).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    for (name, value) in parts.headers.iter() {
        fresh.headers_mut().entry(name).or_insert(value.clone());
    }
    let (fresh_parts, body): (_, Body) = fresh.into_parts();
    Response::from_parts(fresh_parts, body)
}

/// Headers every response carries.
pub fn security_headers() -> Vec<(HeaderName, HeaderValue)> {
    vec![
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ]
}

/// Request limits per access token and per client address (`http.requests_per_minute_*`),
/// with governor's GCRA: a steady rate with the minute's worth as the burst.
pub struct RequestLimits {
    per_token: Option<governor::DefaultKeyedRateLimiter<[u8; 16]>>,
    per_address: Option<governor::DefaultKeyedRateLimiter<String>>,
}

impl RequestLimits {
    pub fn new(per_token_per_minute: u32, per_address_per_minute: u32) -> Self {
        let quota = |n: u32| std::num::NonZeroU32::new(n).map(governor::Quota::per_minute);
        Self {
            per_token: quota(per_token_per_minute).map(governor::RateLimiter::keyed),
            per_address: quota(per_address_per_minute).map(governor::RateLimiter::keyed),
        }
    }

    /// Forgets keys that are full again (bounded memory); call now and then.
    pub fn prune(&self) {
        if let Some(l) = &self.per_token {
            l.retain_recent();
        }
        if let Some(l) = &self.per_address {
            l.retain_recent();
        }
    }

    /// Seconds to wait, when this request is over a limit.
    fn refused(&self, token: Option<&str>, address: Option<&str>) -> Option<u64> {
        use governor::clock::{Clock, DefaultClock};
        let wait = |e: governor::NotUntil<_>| {
            e.wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        };
        if let (Some(l), Some(t)) = (&self.per_token, token) {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(t.as_bytes());
            let mut key = [0u8; 16];
            key.copy_from_slice(&digest[..16]);
            if let Err(e) = l.check_key(&key) {
                return Some(wait(e));
            }
        }
        if let (Some(l), Some(a)) = (&self.per_address, address)
            && let Err(e) = l.check_key(&a.to_string())
        {
            return Some(wait(e));
        }
        None
    }
}

/// Refuses a request over its limits with 429 and `Retry-After`. Signed, deduplicated
/// provider webhooks are not limited (the WhatsApp per-number throttle applies to them).
pub async fn limit_requests(
    State(state): State<crate::app::AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with("/webhooks/") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let client = super::extract::client_ip(&parts, &state);
    let address = match client {
        Some(ip) if ip.is_loopback() => None,
        ip => Some(crate::support::ratelimit::client_key(ip)),
    };
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(secs) = state.limits.refused(token, address.as_deref()) {
        return ApiError::rate_limited(secs).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}
