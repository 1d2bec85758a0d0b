//! The router called directly (`tower::ServiceExt::oneshot`, no socket): every way a request
//! can be wrong meets the one error table in `web/error.rs` through the extractors, and gets a
//! status, a stable code and the one error body.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, error_code, spawn_app};
use serde_json::Value;
use tower::ServiceExt;

async fn call(app: &TestApp, req: Request<Body>) -> (StatusCode, Value) {
    let router = khaacho::web::router(app.state.clone());
    let res = router.oneshot(req).await.expect("the router answers");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn request(
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    match body {
        Some((content_type, text)) => b
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(text.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

#[tokio::test]
async fn every_bad_request_meets_the_one_error_table() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let shop = app.user_token("retailer", "+9779802000002").await;
    let json = "application/json";
    let big = format!("{{\"phone\":\"{}\"}}", "9".repeat(2 << 20));
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "no token",
            request("GET", "/api/v1/orders", None, None),
            StatusCode::UNAUTHORIZED,
            "missing_token",
        ),
        (
            "a forged token",
            request("GET", "/api/v1/orders", Some("e30.e30.e30"), None),
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            "a shop at the staff's list",
            request("GET", "/api/v1/retailers", Some(&shop), None),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "an unknown order",
            request("GET", "/api/v1/orders/999999", Some(&admin), None),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "an id that is not a number",
            request("GET", "/api/v1/orders/abc", Some(&admin), None),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            "a limit out of range",
            request("GET", "/api/v1/orders?limit=0", Some(&admin), None),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "malformed JSON",
            request(
                "POST",
                "/api/v1/orders",
                Some(&admin),
                Some((json, "{\"lines\": [")),
            ),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "a wrong type",
            request(
                "POST",
                "/api/v1/orders",
                Some(&admin),
                Some((json, "{\"lines\": \"many\"}")),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "not JSON at all",
            request(
                "POST",
                "/api/v1/orders",
                Some(&admin),
                Some(("text/plain", "rice 10")),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "a body over the limit",
            request(
                "POST",
                "/api/v1/auth/login",
                None,
                Some((json, big.as_str())),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "a quantity of zero",
            request(
                "POST",
                "/api/v1/orders",
                Some(&admin),
                Some((
                    json,
                    "{\"retailer_id\":1,\"lines\":[{\"sku\":\"RICE-1KG\",\"quantity\":0}]}",
                )),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    let mut wrong = Vec::new();
    for (what, req, status, code) in cases {
        let (got, body) = call(&app, req).await;
        if got != status || error_code(&body) != code {
            wrong.push(format!("{what}: {got} {body}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_good_request_passes_the_extractors_and_answers_the_domain() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (status, body) = call(
        &app,
        request("GET", "/api/v1/orders?limit=1", Some(&admin), None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["items"].is_array(), "{body}");
}
