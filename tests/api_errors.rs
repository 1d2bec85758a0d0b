//! Bad input over HTTP gets the right status and the JSON error shape, and changes nothing.

mod common;

use chrono::Duration;
use common::{Options, error_code, spawn_app, spawn_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn raw(
    app: &common::TestApp,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = app.http.post(app.url(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_json_missing_fields_wrong_types_and_content_type_are_told_apart() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (s, b) = raw(
        &app,
        "/api/v1/users",
        Some("application/json"),
        "{\"phone\": ",
        Some(&admin),
    )
    .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let (s, b) = raw(
        &app,
        "/api/v1/users",
        Some("application/json"),
        r#"{"phone": "+9779811000005"}"#,
        Some(&admin),
    )
    .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing field"),
        "{b}"
    );
    let body = r#"{"phone": 9779811000005, "name": "x", "role": "operator", "password": "a long enough password"}"#;
    let (s, b) = raw(
        &app,
        "/api/v1/users",
        Some("application/json"),
        body,
        Some(&admin),
    )
    .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    let (s, b) = raw(
        &app,
        "/api/v1/users",
        Some("text/plain"),
        "hello",
        Some(&admin),
    )
    .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let body = json!({"phone": "+9779811000005", "name": "x", "role": "emperor", "password": "a long enough password"});
    let (s, _) = app.post("/api/v1/users", &admin, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "unknown role");
    let (s, list) = app.get("/api/v1/users", &admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "nothing was created by bad requests"
    );
}

/// A body is read straight into its type when it can be, and through a JSON value when not:
/// both give the same order, and whatever neither reads is still refused with the same words.
#[tokio::test]
async fn whole_numbers_written_as_decimals_and_json_suffix_types_read_as_before() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let order = |quantity: &str| {
        format!(r#"{{"retailer_id": 2, "lines": [{{"sku": "RICE-1KG", "quantity": {quantity}}}]}}"#)
    };
    let twice =
        r#"{"retailer_id": 2, "retailer_id": 2, "lines": [{"sku": "RICE-1KG", "quantity": 2}]}"#;
    let cases = [
        ("application/json", order("2"), "created"),
        ("application/json", order("2.0"), "created"),
        ("application/vnd.khaacho+json", order("2"), "created"),
        ("application/json; charset=utf-8", order("2e0"), "created"),
        // A repeated key's last value counts, as it always did.
        ("application/json", twice.to_string(), "created"),
        ("application/json", order("2.5"), "validation_failed"),
        ("application/json", order("2] }"), "malformed_json"),
        ("text/json", order("2"), "unsupported_media_type"),
    ];
    for (content_type, body, want) in cases {
        let (s, b) = raw(
            &app,
            "/api/v1/orders",
            Some(content_type),
            body.clone(),
            Some(&admin),
        )
        .await;
        let got = if s == StatusCode::CREATED {
            "created"
        } else {
            error_code(&b)
        };
        assert_eq!(got, want, "{content_type} {body}: {s} {b}");
        if s == StatusCode::CREATED {
            assert_eq!(b["lines"][0]["quantity"], 2, "{b}");
        }
    }
    let (s, list) = app.get("/api/v1/orders?retailer_id=2", &admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        5,
        "only the five good bodies placed orders"
    );
}

#[tokio::test]
async fn an_oversized_body_is_413_with_a_json_error() {
    let app = spawn_with(Options {
        tweak: Box::new(|c| c.http.body_limit_bytes = 4096),
        ..Options::default()
    })
    .await;
    let big = format!(
        "{{\"phone\": \"{}\", \"password\": \"x\"}}",
        "9".repeat(10_000)
    );
    let (s, b) = raw(
        &app,
        "/api/v1/auth/login",
        Some("application/json"),
        big,
        None,
    )
    .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
}

#[tokio::test]
async fn bad_expired_and_tampered_tokens_are_401_with_www_authenticate() {
    let app = spawn_app().await;
    let good = app.admin_token().await;
    let mut parts: Vec<String> = good.split('.').map(String::from).collect();
    parts[2] = parts[2].chars().rev().collect();
    let tampered = parts.join(".");
    for (token, code) in [
        ("not-a-jwt", "invalid_token"),
        (tampered.as_str(), "invalid_token"),
    ] {
        let res = app
            .http
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(error_code(&body), code);
    }
    let res = app
        .http
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.clock.advance(Duration::minutes(61));
    let (s, b) = app.get("/api/v1/auth/me", &good).await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::UNAUTHORIZED, "token_expired")
    );
}

#[tokio::test]
async fn unknown_ids_routes_and_malformed_paths_get_json_errors() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (s, b) = app.get("/api/v1/users/999999", &admin).await;
    assert_eq!((s, error_code(&b)), (StatusCode::NOT_FOUND, "not_found"));
    let (s, b) = app.get("/api/v1/users/abc", &admin).await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );
    let (s, b) = app.get("/api/v1/nothing-here", &admin).await;
    assert_eq!((s, error_code(&b)), (StatusCode::NOT_FOUND, "no_route"));
    let (s, b) = app
        .call(Method::PUT, "/api/v1/users", Some(&admin), None)
        .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let (s, b) = app.get("/api/v1/users?limit=abc", &admin).await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    for path in ["/health", "/nope", "/"] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.contains_key("content-security-policy"), "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
        assert!(
            !h.contains_key("access-control-allow-origin"),
            "CORS is closed by default"
        );
    }
}

#[tokio::test]
async fn health_metrics_and_openapi_are_public() {
    let app = spawn_app().await;
    let health: Value = app
        .http
        .get(app.url("/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "khaacho_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("khaacho_http_request_duration_seconds_bucket"));
    let doc: Value = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/health",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
}
