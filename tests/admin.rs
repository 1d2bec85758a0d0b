//! The console's Admin screen over HTTP: backups taken, listed and downloaded (and the file
//! opens as a database); a dead message sent again; the settings with every secret hidden.
//! Admins only.

mod common;

use common::{Options, TestApp, error_code, spawn_with};
use khaacho::messaging::outbox;
use khaacho::support::clock::Clock;
use khaacho::types::{Msisdn, Secret};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const JWT_SECRET: &str = "admin-test-jwt-secret-0123456789abcdef";
const TWILIO_TOKEN: &str = "admin-test-twilio-auth-token";
const META_ACCESS: &str = "admin-test-meta-access-token";
const META_APP_SECRET: &str = "admin-test-meta-app-secret";
const META_VERIFY: &str = "admin-test-meta-verify-token";

/// A server (no demo data) with every secret set. Twilio is configured with no templates, so
/// a message to someone who has not written within 24 hours is given up at its first attempt.
async fn app() -> TestApp {
    spawn_with(Options {
        demo: false,
        tweak: Box::new(|cfg| {
            cfg.auth.jwt_secret = Secret::new(JWT_SECRET);
            let w = &mut cfg.whatsapp;
            w.public_url = "https://khaacho.example.com.np".into();
            w.twilio.account_sid = "AC0123456789abcdef0123456789abcdef".into();
            w.twilio.auth_token = Secret::new(TWILIO_TOKEN);
            w.twilio.from = "whatsapp:+14155238886".into();
            w.meta.phone_number_id = "106540352242922".into();
            w.meta.access_token = Secret::new(META_ACCESS);
            w.meta.app_secret = Secret::new(META_APP_SECRET);
            w.meta.verify_token = Secret::new(META_VERIFY);
        }),
        ..Options::default()
    })
    .await
}

/// Queues a message and lets the sender give it up; its id.
async fn dead_message(app: &TestApp) -> u64 {
    let now = app.clock.now();
    let to = Msisdn::parse("+9779812345678").unwrap();
    let id = app
        .state
        .svc
        .store_for_tests()
        .write(move |tx| {
            outbox::enqueue(tx, &to, "order_new_vendor", "naya order".into(), None, now)
        })
        .await
        .unwrap();
    app.state.svc.sender().deliver_due().await.unwrap();
    let m = app
        .state
        .svc
        .store_for_tests()
        .read(move |tx| outbox::get(tx, id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.status, outbox::Status::Dead, "{m:?}");
    id
}

fn ids(page: &Value) -> Vec<u64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_operator_may_use_none_of_the_admin_endpoints() {
    let app = app().await;
    let operator = app.user_token("operator", "+9779800000077").await;
    for (method, path) in [
        (Method::POST, "/api/v1/admin/backups"),
        (Method::GET, "/api/v1/admin/backups"),
        (
            Method::GET,
            "/api/v1/admin/backups/khaacho-20261126-040000.redb",
        ),
        (Method::GET, "/api/v1/admin/outbox"),
        (Method::POST, "/api/v1/admin/outbox/1/retry"),
        (Method::GET, "/api/v1/admin/settings"),
    ] {
        let (s, body) = app.call(method.clone(), path, Some(&operator), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_eq!(error_code(&body), "forbidden");
        let (s, _) = app.call(method.clone(), path, None, None).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a token"
        );
    }
}

#[tokio::test]
async fn a_backup_is_taken_listed_and_downloaded_as_a_database_that_opens() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (s, empty) = app.get("/api/v1/admin/backups", &admin).await;
    assert_eq!(
        (s, empty["items"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );

    let (s, made) = app.post("/api/v1/admin/backups", &admin, Value::Null).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    assert_eq!(made["name"], "khaacho-20261126-040000.redb");
    assert_eq!(made["created_at"], "2026-11-26T04:00:00Z");
    let dir = app.dir.path().join("backups");
    let on_disk = std::fs::read(dir.join("khaacho-20261126-040000.redb")).unwrap();
    assert_eq!(made["bytes"].as_u64(), Some(on_disk.len() as u64));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let (s, again) = app.post("/api/v1/admin/backups", &admin, Value::Null).await;
    assert_eq!(
        (s, error_code(&again)),
        (StatusCode::CONFLICT, "backup_exists")
    );

    app.clock.advance(chrono::Duration::minutes(1));
    let (s, _) = app.post("/api/v1/admin/backups", &admin, Value::Null).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, list) = app.get("/api/v1/admin/backups", &admin).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "khaacho-20261126-040100.redb",
            "khaacho-20261126-040000.redb"
        ]
    );
    assert_eq!(list["items"][1], made);

    let res = app
        .http
        .get(app.url("/api/v1/admin/backups/khaacho-20261126-040000.redb"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"khaacho-20261126-040000.redb\""
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes[..] == on_disk[..], "the download is the file");

    let copy = tempfile::tempdir().unwrap();
    let path = copy.path().join("restored.redb");
    std::fs::write(&path, &bytes).unwrap();
    let (_db, problems) = khaacho::storage::verify_file(&path).unwrap();
    assert!(problems.is_empty(), "{problems:?}");

    let (_, audit) = app.get("/api/v1/audit", &admin).await;
    let taken = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "backup.create")
        .count();
    assert_eq!(taken, 2, "{audit}");
}

#[tokio::test]
async fn only_a_backup_name_reaches_the_file_system() {
    let app = app().await;
    let admin = app.admin_token().await;
    for name in [
        "..%2Fx",
        "..%2F..%2Fkhaacho.redb",
        "khaacho-1.redb",
        "khaacho.redb",
        "khaacho-20261126-040000.redb.tmp",
        "%2Fetc%2Fpasswd",
    ] {
        let (s, body) = app
            .get(&format!("/api/v1/admin/backups/{name}"), &admin)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(error_code(&body), "validation_failed");
    }
    let (s, body) = app
        .get("/api/v1/admin/backups/khaacho-20200101-000000.redb", &admin)
        .await;
    assert_eq!((s, error_code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn a_dead_message_is_sent_again_once() {
    let app = app().await;
    let admin = app.admin_token().await;
    let id = dead_message(&app).await;
    let (s, dead) = app.get("/api/v1/admin/outbox?status=dead", &admin).await;
    assert_eq!(s, StatusCode::OK, "{dead}");
    assert_eq!(ids(&dead), [id]);
    let item = &dead["items"][0];
    assert_eq!(
        (
            &item["phone"],
            &item["kind"],
            &item["attempts"],
            &item["body"]
        ),
        (
            &Value::from("+9779812345678"),
            &Value::from("order_new_vendor"),
            &Value::from(1),
            &Value::from("naya order")
        )
    );
    assert!(
        item["last_error"].as_str().unwrap().contains("template"),
        "{item}"
    );
    assert!(item["next_attempt_at"].is_null(), "{item}");

    let (s, body) = app
        .post("/api/v1/admin/outbox/999999/retry", &admin, Value::Null)
        .await;
    assert_eq!((s, error_code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    let path = format!("/api/v1/admin/outbox/{id}/retry");
    let (s, retried) = app.post(&path, &admin, Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{retried}");
    assert_eq!(
        (
            &retried["status"],
            &retried["attempts"],
            &retried["next_attempt_at"]
        ),
        (
            &Value::from("pending"),
            &Value::from(0),
            &Value::from("2026-11-26T04:00:00Z")
        )
    );
    let (_, pending) = app.get("/api/v1/admin/outbox?status=pending", &admin).await;
    assert!(ids(&pending).contains(&id), "{pending}");
    let (_, dead) = app.get("/api/v1/admin/outbox?status=dead", &admin).await;
    assert!(ids(&dead).is_empty(), "{dead}");

    let (s, body) = app.post(&path, &admin, Value::Null).await;
    assert_eq!(
        (s, error_code(&body)),
        (StatusCode::CONFLICT, "not_retryable")
    );
    assert_eq!(body["error"]["details"]["status"], "pending");

    let (_, alerts) = app.get("/api/v1/alerts?kind=delivery", &admin).await;
    assert!(alerts["items"].as_array().unwrap().is_empty(), "{alerts}");
    let (_, audit) = app.get("/api/v1/audit", &admin).await;
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "outbox.retry")
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["target"], format!("message:{id}"), "{audit}");
    assert!(!entry.to_string().contains("naya order"), "{entry}");
}

#[tokio::test]
async fn the_outbox_refuses_an_unknown_status_and_pages() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (s, body) = app.get("/api/v1/admin/outbox?status=lost", &admin).await;
    assert_eq!(
        (s, error_code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
    let (s, body) = app.get("/api/v1/admin/outbox?limit=0", &admin).await;
    assert_eq!(
        (s, error_code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
    let (first, second) = (dead_message(&app).await, dead_message(&app).await);
    let (_, page) = app.get("/api/v1/admin/outbox?limit=1", &admin).await;
    assert_eq!(ids(&page), [second]);
    let next = page["next_cursor"].as_str().unwrap().to_string();
    let (_, page) = app
        .get(
            &format!("/api/v1/admin/outbox?limit=1&cursor={next}"),
            &admin,
        )
        .await;
    assert_eq!(ids(&page), [first]);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["direction"] == "out")
    );
}

#[tokio::test]
async fn the_settings_show_every_value_but_no_secret() {
    let app = app().await;
    let admin = app.admin_token().await;
    let (s, settings) = app.get("/api/v1/admin/settings", &admin).await;
    assert_eq!(s, StatusCode::OK, "{settings}");
    let text = settings.to_string();
    for secret in [
        JWT_SECRET,
        TWILIO_TOKEN,
        META_ACCESS,
        META_APP_SECRET,
        META_VERIFY,
    ] {
        assert!(!text.contains(secret), "a secret shows: {text}");
    }
    assert_eq!(settings["auth"]["jwt_secret"], "[hidden]");
    assert_eq!(settings["whatsapp"]["twilio"]["auth_token"], "[hidden]");
    assert_eq!(settings["whatsapp"]["meta"]["access_token"], "[hidden]");
    assert_eq!(settings["whatsapp"]["meta"]["app_secret"], "[hidden]");
    assert_eq!(settings["whatsapp"]["meta"]["verify_token"], "[hidden]");
    assert_eq!(settings["listen"], "127.0.0.1:0");
    assert_eq!(settings["whatsapp"]["send_attempts"], 8);
    assert_eq!(settings["data_dir"], app.dir.path().display().to_string());
}

#[test]
fn the_admin_endpoints_are_documented_under_their_tag() {
    let doc = serde_json::to_value(khaacho::web::openapi()).unwrap();
    for (path, method) in [
        ("/api/v1/admin/backups", "post"),
        ("/api/v1/admin/backups", "get"),
        ("/api/v1/admin/backups/{name}", "get"),
        ("/api/v1/admin/outbox", "get"),
        ("/api/v1/admin/outbox/{id}/retry", "post"),
        ("/api/v1/admin/settings", "get"),
    ] {
        let op = &doc["paths"][path][method];
        assert_eq!(op["tags"][0], "admin", "{method} {path}: {op}");
        assert!(op["responses"]["403"].is_object(), "{method} {path}: {op}");
    }
    let download = &doc["paths"]["/api/v1/admin/backups/{name}"]["get"]["responses"]["200"];
    assert!(
        download["content"]["application/octet-stream"].is_object(),
        "{download}"
    );
}
