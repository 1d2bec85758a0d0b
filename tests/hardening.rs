//! The faults a review found, each shown fixed over the real server: one door per business
//! action with ownership re-checked in the write transaction, bounded numbers, deactivated
//! parties, changed phones.

mod common;

use common::{TestApp, error_code, spawn_app};
use khaacho::auth::{Acting, Party};
use khaacho::orders::{Action, MoveRequest, OrderError};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SHOP: u64 = 2;
const SHOP_PHONE: &str = "+9779802000002";

/// The demo vendors' phones are numbered like their ids.
fn vendor_phone(id: u64) -> String {
    format!("+97798010000{id:02}")
}

async fn place(app: &TestApp, token: &str, sku: &str, quantity: u32) -> Value {
    let (s, o) = app
        .post(
            "/api/v1/orders",
            token,
            json!({"retailer_id": SHOP, "lines": [{"sku": sku, "quantity": quantity}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    o
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

async fn sim(app: &TestApp, token: &str, from: &str, body: &str) -> String {
    app.answer_to(token, from, body).await
}

async fn audit_actions(app: &TestApp, admin: &str) -> Vec<(String, String)> {
    let (s, log) = app.get("/api/v1/audit?limit=200", admin).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_vendor_that_rejects_over_rest_is_told_it_happened_without_seeing_where_it_went() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(&app, &admin, "RICE-1KG", 5).await;
    let first = o["vendor_id"].as_u64().unwrap();
    let vendor = app.user_token("vendor", &vendor_phone(first)).await;
    let (s, r) = app
        .post(
            &format!("/api/v1/orders/{}/transitions", o["id"]),
            &vendor,
            json!({"action": "reject", "note": "out of stock"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "the rejection happened: {r}");
    assert_eq!(r["id"], o["id"]);
    assert_eq!(r["number"], o["number"]);
    assert_eq!(r["outcome"], "moved_to_another_vendor", "{r}");
    assert!(
        r.get("vendor_id").is_none(),
        "the next vendor is not shown: {r}"
    );
    let (_, now) = app
        .get(&format!("/api/v1/orders/{}", o["id"]), &admin)
        .await;
    assert_ne!(now["vendor_id"].as_u64(), Some(first));
}

#[tokio::test]
async fn a_move_made_for_a_vendor_does_not_land_on_the_order_once_it_went_to_another() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(&app, &admin, "RICE-1KG", 5).await;
    let (id, first) = (o["id"].as_u64().unwrap(), o["vendor_id"].as_u64().unwrap());
    let (s, moved) = app
        .post(
            &format!("/api/v1/orders/{id}/transitions"),
            &admin,
            json!({"action": "reroute", "note": "the operator moved it"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_ne!(moved["vendor_id"].as_u64(), Some(first));
    // What a WhatsApp ACCEPT planned on the old snapshot carries to the write: the vendor it
    // was planned for. The door checks it against the order as it is now.
    let late = app
        .state
        .svc
        .orders()
        .act_on(
            Acting::Party(Party::Vendor(first)),
            id,
            MoveRequest::new(Action::Accept, ""),
        )
        .await;
    assert!(matches!(late, Err(OrderError::NotFound(_))), "{late:?}");
    let (_, after) = app.get(&format!("/api/v1/orders/{id}"), &admin).await;
    assert_eq!(after["state"], "PLACED", "{after}");
}

#[tokio::test]
async fn a_shop_reports_a_problem_through_the_one_door_and_only_for_its_own_delivered_order() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(&app, &admin, "RICE-1KG", 5).await;
    let id = o["id"].as_u64().unwrap();
    let number = o["number"].as_str().unwrap().to_string();
    // Not delivered yet: the shop is told so and nothing is marked.
    let r = sim(
        &app,
        &admin,
        SHOP_PHONE,
        &format!("ISSUE {number} bag torn"),
    )
    .await;
    assert!(!r.contains("noted"), "{r}");
    for action in ["accept", "pack", "dispatch", "deliver"] {
        let (s, b) = app
            .post(
                &format!("/api/v1/orders/{id}/transitions"),
                &admin,
                json!({"action": action}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    sim(&app, &admin, "+9779802000003", &format!("ISSUE {number} x")).await;
    let (_, after) = app.get(&format!("/api/v1/orders/{id}"), &admin).await;
    assert_eq!(
        after["disputed"], false,
        "another shop cannot report: {after}"
    );
    let r = sim(
        &app,
        &admin,
        SHOP_PHONE,
        &format!("ISSUE {number} bag torn"),
    )
    .await;
    assert!(r.contains(&number), "{r}");
    let (_, after) = app.get(&format!("/api/v1/orders/{id}"), &admin).await;
    assert_eq!(after["disputed"], true, "{after}");
    let history = after["history"].as_array().unwrap();
    assert!(
        history.iter().any(|e| e["note"]
            .as_str()
            .unwrap()
            .contains("issue reported: bag torn")),
        "{after}"
    );
    let audit = audit_actions(&app, &admin).await;
    assert!(
        audit
            .iter()
            .any(|(a, who)| a == "order.issue" && who.contains("retailer")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn stock_and_price_by_whatsapp_go_through_the_listing_door_bounded_and_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let phone = vendor_phone(1);
    let r = sim(&app, &admin, &phone, "STOCK SUGAR-1KG 99999999999999999999").await;
    assert!(r.contains("between 0 and 1000000000"), "{r}");
    let r = sim(
        &app,
        &admin,
        &phone,
        "PRICE SUGAR-1KG 79228162514264337593543950335",
    )
    .await;
    assert!(r.contains("The price must be between"), "{r}");
    let r = sim(&app, &admin, &phone, "STOCK SUGAR-1KG 500").await;
    assert!(r.contains("500"), "{r}");
    let audit = audit_actions(&app, &admin).await;
    assert!(
        audit
            .iter()
            .any(|(a, who)| a == "listing.update" && who == "whatsapp vendor:1"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn numbers_past_their_bounds_are_refused_naming_the_bound() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, listings) = app.get("/api/v1/listings?limit=1", &admin).await;
    let listing = listings["items"][0]["id"].as_u64().unwrap();
    let path = format!("/api/v1/listings/{listing}");
    let (s, b) = patch(&app, &path, &admin, json!({"stock": i64::MAX})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["details"]["field"], "stock");
    assert_eq!(b["error"]["details"]["maximum"], 1_000_000_000i64);
    let (s, b) = patch(
        &app,
        &path,
        &admin,
        json!({"price_paisa": i64::MAX, "mrp_paisa": i64::MAX}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(error_code(&b), "validation_failed");
    let r = format!("/api/v1/retailers/{SHOP}");
    let (s, b) = patch(
        &app,
        &r,
        &admin,
        json!({"credit_limit_paisa": i64::MAX, "reason": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["details"]["field"], "credit_limit_paisa");
    let (s, b) = app
        .post(
            "/api/v1/payments",
            &admin,
            json!({"retailer_id": SHOP, "amount_paisa": i64::MAX, "method": "cash", "reference": "big-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["details"]["field"], "amount_paisa");
    // Nothing was half-applied: the shop and the listing are as they were, check passes.
    let (_, shop) = app.get(&r, &admin).await;
    assert!(shop["credit_limit_paisa"].as_i64().unwrap() < 1_000_000_000_000);
}

#[tokio::test]
async fn a_deactivated_vendor_or_shop_acts_on_nothing_by_rest_or_whatsapp() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(&app, &admin, "RICE-1KG", 5).await;
    let v = o["vendor_id"].as_u64().unwrap();
    let vendor = app.user_token("vendor", &vendor_phone(v)).await;
    let shop = app.user_token("retailer", SHOP_PHONE).await;
    let (s, b) = patch(
        &app,
        &format!("/api/v1/vendors/{v}"),
        &admin,
        json!({"active": false}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = app
        .post(
            &format!("/api/v1/orders/{}/transitions", o["id"]),
            &vendor,
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "{b}"
    );
    let r = sim(
        &app,
        &admin,
        &vendor_phone(v),
        &format!("ACCEPT {}", o["number"].as_str().unwrap()),
    )
    .await;
    assert!(r.contains("deactivated"), "{r}");
    let (s, b) = patch(
        &app,
        &format!("/api/v1/retailers/{SHOP}"),
        &admin,
        json!({"active": false, "reason": "closed"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["active"], false);
    let (s, _) = app.get("/api/v1/orders", &shop).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = sim(&app, &admin, SHOP_PHONE, "chini 5 kg").await;
    assert!(r.contains("deactivated"), "{r}");
    let (s, b) = app
        .post(
            "/api/v1/orders",
            &admin,
            json!({"retailer_id": SHOP, "lines": [{"sku": "RICE-1KG", "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "staff may still order for it: {b}");
    // Turned back on, both act again.
    patch(
        &app,
        &format!("/api/v1/vendors/{v}"),
        &admin,
        json!({"active": true}),
    )
    .await;
    patch(
        &app,
        &format!("/api/v1/retailers/{SHOP}"),
        &admin,
        json!({"active": true, "reason": "reopened"}),
    )
    .await;
    assert_eq!(app.get("/api/v1/orders", &shop).await.0, StatusCode::OK);
    assert_eq!(app.get("/api/v1/orders", &vendor).await.0, StatusCode::OK);
    assert_check_passes(&app).await;
}

#[tokio::test]
async fn a_changed_phone_ends_the_old_logins_access_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let vendor = app.user_token("vendor", &vendor_phone(3)).await;
    let shop = app.user_token("retailer", SHOP_PHONE).await;
    assert_eq!(
        app.get("/api/v1/vendors/3", &vendor).await.0,
        StatusCode::OK
    );
    let (s, b) = patch(
        &app,
        "/api/v1/vendors/3",
        &admin,
        json!({"phone": "+9779801999003"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = app.get("/api/v1/vendors/3", &vendor).await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::UNAUTHORIZED, "session_ended")
    );
    let (s, b) = patch(
        &app,
        &format!("/api/v1/retailers/{SHOP}"),
        &admin,
        json!({"phone": "+9779802999002"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        app.get("/api/v1/orders", &shop).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Logging in again with the old phone gives a login that is no longer the vendor's.
    let again = app.token(&vendor_phone(3), "a long enough password").await;
    assert_eq!(
        app.get("/api/v1/vendors/3", &again).await.0,
        StatusCode::FORBIDDEN
    );
    assert_check_passes(&app).await;
}

async fn assert_check_passes(app: &TestApp) {
    let problems = app
        .state
        .svc
        .store_for_tests()
        .read(khaacho::app::check::invariants)
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn a_rejected_order_no_single_vendor_can_take_is_split_not_cancelled() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut product = Vec::new();
    for sku in ["SPLIT-X", "SPLIT-Y"] {
        let (s, p) = app
            .post(
                "/api/v1/products",
                &admin,
                json!({"sku": sku, "name": format!("{sku} thing")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        product.push(p["id"].as_u64().unwrap());
    }
    // The first vendor holds both; two others hold one each.
    let mut vendor = Vec::new();
    for (n, holds) in [(1, vec![0, 1]), (2, vec![0]), (3, vec![1])] {
        let (_, v) = app
            .post(
                "/api/v1/vendors",
                &admin,
                json!({"name": format!("Split vendor {n}"), "phone": format!("+977980177710{n}"),
                       "district": "Kathmandu", "province": "Bagmati"}),
            )
            .await;
        for i in holds {
            let (s, l) = app
                .post(
                    "/api/v1/listings",
                    &admin,
                    json!({"vendor_id": v["id"], "product_id": product[i], "price_paisa": 1000,
                           "mrp_paisa": 1200, "stock": 50}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{l}");
        }
        vendor.push(v["id"].as_u64().unwrap());
    }
    let (s, o) = app
        .post(
            "/api/v1/orders",
            &admin,
            json!({"retailer_id": SHOP, "lines": [{"sku": "SPLIT-X", "quantity": 3}, {"sku": "SPLIT-Y", "quantity": 4}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert_eq!(o["vendor_id"].as_u64(), Some(vendor[0]), "{o}");
    let id = o["id"].as_u64().unwrap();
    let (s, r) = app
        .post(
            &format!("/api/v1/orders/{id}/transitions"),
            &admin,
            json!({"action": "reject", "note": "cannot supply"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "PLACED", "split, not cancelled: {r}");
    assert_eq!(r["lines"].as_array().unwrap().len(), 1, "{r}");
    let group = r["group_id"].clone();
    let (_, all) = app.get("/api/v1/orders?limit=50", &admin).await;
    let together: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["group_id"] == group && x["state"] == "PLACED")
        .collect();
    assert_eq!(together.len(), 2, "{all}");
    let vendors: std::collections::BTreeSet<u64> = together
        .iter()
        .map(|x| x["vendor_id"].as_u64().unwrap())
        .collect();
    assert_eq!(vendors, [vendor[1], vendor[2]].into_iter().collect());
    let quantities: u64 = together
        .iter()
        .flat_map(|x| x["lines"].as_array().unwrap())
        .map(|l| l["quantity"].as_u64().unwrap())
        .sum();
    assert_eq!(quantities, 7, "every line still ordered");
    assert_check_passes(&app).await;
}

#[tokio::test]
async fn the_deadline_job_skips_an_order_it_cannot_move_and_moves_the_others() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let broken = place(&app, &admin, "RICE-1KG", 2).await;
    let fine = place(&app, &admin, "SUGAR-1KG", 2).await;
    // Damage one order beyond repair: its listing vanishes from under it.
    let order_id = broken["id"].as_u64().unwrap();
    app.state
        .svc
        .store_for_tests()
        .write(move |tx| {
            let o = khaacho::orders::store::get(tx, order_id)?.unwrap();
            tx.open(khaacho::storage::tables::LISTINGS)?
                .remove(o.lines[0].listing_id)?;
            Ok::<_, khaacho::storage::StoreError>(())
        })
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::minutes(31));
    let walked = app.state.svc.orders().expire_overdue().await.unwrap();
    assert_eq!((walked.done, walked.skipped), (1, 1), "{walked:?}");
    let (_, moved) = app
        .get(&format!("/api/v1/orders/{}", fine["id"]), &admin)
        .await;
    assert_ne!(
        moved["vendor_id"], fine["vendor_id"],
        "the other order went on"
    );
}

#[tokio::test]
async fn a_vendor_never_sees_its_competitors_prices() {
    let app = spawn_app().await;
    let vendor = app.user_token("vendor", &vendor_phone(1)).await;
    let shop = app.user_token("retailer", SHOP_PHONE).await;
    for (token, shown) in [(&shop, true), (&vendor, false)] {
        let (s, page) = app.get("/api/v1/products?limit=20", token).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(
            items.iter().any(|p| p["price_from_paisa"].is_i64()) == shown,
            "{page}"
        );
        let (_, found) = app.get("/api/v1/products?q=chamal", token).await;
        let items = found["items"].as_array().unwrap();
        assert!(items.iter().any(|p| p["price_from_paisa"].is_i64()) == shown);
        let id = items[0]["id"].as_u64().unwrap();
        let (_, one) = app.get(&format!("/api/v1/products/{id}"), token).await;
        assert_eq!(one["price_from_paisa"].is_i64(), shown, "{one}");
    }
}

async fn login_from(app: &TestApp, forwarded: &str, phone: &str, password: &str) -> StatusCode {
    app.http
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"phone": phone, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

fn behind_proxy(per_token: u32, per_address: u32) -> common::Options {
    common::Options {
        tweak: Box::new(move |c: &mut khaacho::config::Config| {
            c.http.trusted_proxies = vec!["127.0.0.1".into()];
            c.http.requests_per_minute_per_token = per_token;
            c.http.requests_per_minute_per_address = per_address;
        }),
        ..common::Options::default()
    }
}

#[tokio::test]
async fn failing_on_purpose_elsewhere_does_not_lock_the_admin_out() {
    let app = common::spawn_with(behind_proxy(0, 0)).await;
    let phone = app.admin_phone.clone();
    for _ in 0..10 {
        let s = login_from(&app, "203.0.113.5", &phone, "wrong password 123").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let s = login_from(&app, "203.0.113.5", &phone, "wrong password 123").await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's address is stopped"
    );
    let s = login_from(&app, "198.51.100.20", &phone, &app.admin_password.clone()).await;
    assert_eq!(s, StatusCode::OK, "the admin elsewhere still logs in");
    // A forwarded header from a peer that is not a trusted proxy is the client's invention.
    let plain = spawn_app().await;
    let phone = plain.admin_phone.clone();
    for i in 0..10 {
        login_from(
            &plain,
            &format!("203.0.113.{i}"),
            &phone,
            "wrong password 123",
        )
        .await;
    }
    let s = login_from(&plain, "192.0.2.99", &phone, "wrong password 123").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "all came from 127.0.0.1");
}

#[tokio::test]
async fn parallel_guesses_cannot_pass_the_failure_limit_together() {
    let app = spawn_app().await;
    let phone = app.admin_phone.clone();
    let mut tries = Vec::new();
    for _ in 0..40 {
        let (app_http, url, phone) = (
            app.http.clone(),
            app.url("/api/v1/auth/login"),
            phone.clone(),
        );
        tries.push(tokio::spawn(async move {
            app_http
                .post(url)
                .json(&json!({"phone": phone, "password": "wrong password 123"}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut checked = 0;
    for t in tries {
        if t.await.unwrap() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert_eq!(
        checked, 10,
        "only as many passwords were tried as the limit allows"
    );
    // The owner lifts the lockout from the box itself.
    let out = khaacho::app::ops::run(
        &app.state.svc,
        khaacho::app::ops::Request::ResetLogins {
            phone: Some(phone.clone()),
        },
    )
    .await
    .unwrap();
    assert!(out["reset"].is_string(), "{out}");
    assert_eq!(
        app.login(&phone, &app.admin_password).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn wrong_current_passwords_are_limited_like_logins() {
    let app = spawn_app().await;
    let token = app.user_token("operator", "+9779811000123").await;
    for _ in 0..10 {
        let (s, b) = app
            .post(
                "/api/v1/auth/password",
                &token,
                json!({"current_password": "not the password", "new_password": "another long password"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    }
    let (s, b) = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({"current_password": "a long enough password", "new_password": "another long password"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        "{b}"
    );
}

#[tokio::test]
async fn requests_past_the_limit_are_refused_with_retry_after_and_webhooks_are_not_counted() {
    let app = common::spawn_with(behind_proxy(5, 8)).await;
    let admin = app.admin_token().await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let res = app
            .http
            .get(app.url("/api/v1/orders"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        statuses.push((res.status(), res.headers().get("retry-after").cloned()));
    }
    assert!(
        statuses[..5].iter().all(|(s, _)| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (s, retry) = &statuses[5];
    assert_eq!(*s, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some(), "Retry-After is set");
    // Per address, whatever the token (and with none at all).
    let other = app.user_token("operator", "+9779811000124").await;
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = app
            .http
            .get(app.url("/api/v1/products?limit=1"))
            .header("x-forwarded-for", "203.0.113.77")
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..20 {
        let s = app
            .http
            .post(app.url("/webhooks/twilio"))
            .header("x-forwarded-for", "203.0.113.77")
            .send()
            .await
            .unwrap()
            .status();
        assert_ne!(s, StatusCode::TOO_MANY_REQUESTS, "webhooks are not limited");
    }
}

#[tokio::test]
async fn the_printed_first_admin_password_must_be_changed_before_anything_else() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let cfg = common::test_config(dir.path());
    let app = khaacho::app::App::build(cfg, khaacho::app::AppOptions::default())
        .await
        .unwrap();
    let (phone, password) = app.bootstrap_admin.clone().unwrap();
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"phone": phone.to_string(), "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login["password_change_required"], true, "{login}");
    let token = login["access_token"].as_str().unwrap();
    let res = http
        .get(format!("{base}/api/v1/orders"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "password_change_required");
    let me = http
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK, "who am I is still allowed");
    let changed = http
        .post(format!("{base}/api/v1/auth/password"))
        .bearer_auth(token)
        .json(&json!({"current_password": password, "new_password": "the owner's own choice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let orders = http
        .get(format!("{base}/api/v1/orders"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(orders.status(), StatusCode::OK, "the same session goes on");
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn personal_data_past_its_retention_is_deleted_and_recent_data_kept() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    sim(&app, &admin, SHOP_PHONE, "chini 5 kg").await;
    // A message through the outbox: once delivered, what became of it is kept beside it.
    let now = khaacho::support::clock::Clock::now(&app.clock);
    app.state
        .svc
        .store_for_tests()
        .write(move |tx| {
            let to = khaacho::types::Msisdn::parse(SHOP_PHONE).unwrap();
            khaacho::messaging::outbox::enqueue(tx, &to, "help", "hi".into(), None, now)
        })
        .await
        .unwrap();
    app.state.svc.sender().deliver_due().await.unwrap();
    app.clock.advance(chrono::Duration::days(60));
    let admin = app.admin_token().await;
    sim(&app, &admin, "+9779802000003", "chamal 2 bora").await;
    let counts = |app: &TestApp| {
        let svc = app.state.svc.clone();
        async move {
            svc.store_for_tests()
                .read(|tx| {
                    use khaacho::storage::{TableRead, Tx, tables};
                    Ok::<_, khaacho::storage::StoreError>((
                        tx.open(tables::MESSAGES)?.len()?,
                        tx.open(tables::INBOUND_SEEN)?.len()?,
                        tx.open(tables::CONVERSATIONS)?.len()?,
                        khaacho::storage::postings::count_all(
                            &tx.open(tables::MESSAGES_BY_PHONE)?,
                        )?,
                        tx.open(tables::MESSAGE_STATES)?.len()?,
                    ))
                })
                .await
                .unwrap()
        }
    };
    let (messages, seen, conversations, by_phone, states) = counts(&app).await;
    assert!(messages >= 4 && seen == 2 && conversations == 2 && by_phone == messages);
    assert!(states > 0);
    app.clock.advance(chrono::Duration::days(31));
    let keep = khaacho::retention::Retention::from_config(&app.state.svc.config().retention);
    let now = khaacho::support::clock::Clock::now(&app.clock);
    let walked = khaacho::retention::prune(app.state.svc.store_for_tests(), keep, now).await;
    assert_eq!(walked.skipped, 0);
    let (after, seen_after, conv_after, by_phone_after, states_after) = counts(&app).await;
    // The first shop's message is 91 days old: its texts and phone are gone; the second's,
    // 31 days old, stays (its webhook record is past the 30-day dedupe window).
    assert!(after < messages && after > 0, "{messages} → {after}");
    assert_eq!(by_phone_after, after);
    assert!(
        states_after < states && states_after <= after,
        "{states} → {states_after}"
    );
    assert_eq!(seen_after, 0);
    assert_eq!(conv_after, 1);
    let (_, log) = app
        .get(
            &format!(
                "/api/v1/whatsapp/messages?phone={}",
                SHOP_PHONE.replace('+', "%2B")
            ),
            &app.admin_token().await,
        )
        .await;
    assert!(
        log["items"].as_array().is_none_or(|i| i.is_empty()),
        "{log}"
    );
    assert_check_passes(&app).await;
}

#[tokio::test]
async fn routing_decisions_past_their_retention_are_deleted_and_recent_ones_kept() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let routing = |id: u64| {
        let app = &app;
        async move {
            let (s, r) = app
                .get(
                    &format!("/api/v1/orders/{id}/routing"),
                    &app.admin_token().await,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            r["decisions"].as_array().map_or(0, Vec::len)
        }
    };
    let old = place(&app, &admin, "SUGAR-1KG", 1).await["id"]
        .as_u64()
        .unwrap();
    app.clock.advance(chrono::Duration::days(80));
    let admin = app.admin_token().await;
    let recent = place(&app, &admin, "RICE-1KG", 1).await["id"]
        .as_u64()
        .unwrap();
    assert_eq!((routing(old).await, routing(recent).await), (1, 1));
    app.clock.advance(chrono::Duration::days(11));
    let keep = khaacho::retention::Retention::from_config(&app.state.svc.config().retention);
    let now = khaacho::support::clock::Clock::now(&app.clock);
    let walked = khaacho::retention::prune(app.state.svc.store_for_tests(), keep, now).await;
    assert_eq!(walked.skipped, 0);
    assert_eq!(
        (routing(old).await, routing(recent).await),
        (0, 1),
        "91 days old: gone; 11 days old: kept"
    );
    let (s, o) = app
        .get(&format!("/api/v1/orders/{old}"), &app.admin_token().await)
        .await;
    assert_eq!(s, StatusCode::OK, "the order itself stays: {o}");
    assert_check_passes(&app).await;
}

#[tokio::test]
async fn a_throttled_message_delivered_again_gets_the_same_answer() {
    use khaacho::messaging::outbox::Channel;
    use khaacho::whatsapp::Incoming;
    let app = spawn_app().await;
    let wa = &app.state.svc.whatsapp();
    let from = khaacho::types::Msisdn::parse(SHOP_PHONE).unwrap();
    let message = |n: u32| Incoming {
        channel: Channel::Twilio,
        provider_id: format!("SMflood{n}"),
        from: from.clone(),
        body: "help".into(),
    };
    let mut last = None;
    for n in 0..40 {
        last = Some(wa.handle(message(n)).await.unwrap());
    }
    let throttled = last.unwrap();
    assert!(throttled.throttled && throttled.replies.is_empty());
    let again = wa.handle(message(39)).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.replies, throttled.replies);
}
