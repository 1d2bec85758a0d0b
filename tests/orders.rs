//! Orders, stock and credit over the real HTTP server.

mod common;

use chrono::Duration;
use common::{Options, TestApp, error_code, spawn_app, spawn_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn order(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: Value,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = app
        .http
        .post(app.url("/api/v1/orders"))
        .bearer_auth(token)
        .json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, res.json().await.unwrap_or(Value::Null), headers)
}

async fn act(app: &TestApp, token: &str, id: u64, action: &str) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/orders/{id}/transitions"),
        token,
        json!({"action": action, "note": ""}),
    )
    .await
}

async fn check(app: &TestApp) {
    let resp = khaacho::app::control::call(app.dir.path(), &khaacho::app::ops::Request::Check)
        .await
        .unwrap()
        .unwrap();
    assert!(resp.ok, "{:?}", resp.error);
    assert_eq!(resp.result["ok"], true, "{}", resp.result);
}

/// A product only one new vendor sells, with the given stock, and a retailer with the given
/// limit: a controlled corner of the demo data.
async fn setup(app: &TestApp, admin: &str, stock: i64, limit_paisa: i64) -> (u64, u64, u64) {
    let (s, p) = app.post("/api/v1/products", admin, json!({"sku": "TEST-WIDGET", "name": "Test Widget 1 pcs", "pack_size": 1, "unit": "pcs"})).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, v) = app.post("/api/v1/vendors", admin, json!({"name": "Only Vendor", "phone": "+9779801999999", "district": "Kathmandu", "province": "Bagmati"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let listing = json!({"vendor_id": v["id"], "sku": "TEST-WIDGET", "price_paisa": 10000, "mrp_paisa": 12000, "stock": stock});
    let (s, l) = app.post("/api/v1/listings", admin, listing).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    let (s, r) = app
        .post("/api/v1/retailers", admin, json!({"name": "Test Pasal", "owner_name": "Ram", "phone": "+9779802999999", "district": "Kathmandu", "province": "Bagmati", "credit_limit_paisa": limit_paisa}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    (
        r["id"].as_u64().unwrap(),
        v["id"].as_u64().unwrap(),
        l["id"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn an_order_runs_its_whole_life_and_the_money_is_right() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (retailer, vendor, listing) = setup(&app, &admin, 50, 10_000_000).await;
    let (s, o, _) = order(
        &app,
        &admin,
        Some("life-1"),
        json!({"retailer_id": retailer, "lines": [{"sku": "TEST-WIDGET", "quantity": 10}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert!(
        o["number"].as_str().unwrap().starts_with("ORD261126"),
        "{o}"
    );
    assert_eq!(
        (o["vendor_id"].as_u64(), o["state"].as_str()),
        (Some(vendor), Some("PLACED"))
    );
    // The parties by name, as the console shows them.
    assert_eq!(
        (o["retailer_name"].as_str(), o["vendor_name"].as_str()),
        (Some("Test Pasal"), Some("Only Vendor")),
        "{o}"
    );
    assert_eq!(
        (
            o["subtotal_paisa"].as_i64(),
            o["vat_paisa"].as_i64(),
            o["total_paisa"].as_i64()
        ),
        (Some(100_000), Some(13_000), Some(113_000))
    );
    let id = o["id"].as_u64().unwrap();
    let (_, l) = app
        .get(&format!("/api/v1/listings/{listing}"), &admin)
        .await;
    assert_eq!(l["stock"], 40, "stock is reserved at once");
    let (_, c) = app
        .get(&format!("/api/v1/retailers/{retailer}/credit"), &admin)
        .await;
    assert_eq!(
        (c["held_paisa"].as_i64(), c["available_paisa"].as_i64()),
        (Some(113_000), Some(10_000_000 - 113_000))
    );

    for a in ["accept", "pack", "dispatch", "deliver"] {
        let (s, body) = act(&app, &admin, id, a).await;
        assert_eq!(s, StatusCode::OK, "{a}: {body}");
    }
    let (_, c) = app
        .get(&format!("/api/v1/retailers/{retailer}/credit"), &admin)
        .await;
    assert_eq!(
        (c["posted_paisa"].as_i64(), c["held_paisa"].as_i64()),
        (Some(113_000), Some(0))
    );
    let (_, detail) = app.get(&format!("/api/v1/orders/{id}"), &admin).await;
    assert_eq!(
        detail["due_date"], "2026-12-26",
        "delivery starts the 30-day terms"
    );
    let states: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["PLACED", "ACCEPTED", "PACKING", "DISPATCHED", "DELIVERED"]
    );

    let (s, e) = act(&app, &admin, id, "accept").await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::CONFLICT, "illegal_transition")
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("DELIVERED")
    );

    let pay = json!({"retailer_id": retailer, "amount_paisa": 150_000, "method": "esewa", "reference": "ESW-1"});
    let (s, p) = app.post("/api/v1/payments", &admin, pay.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(
        (
            p["allocations"][0]["amount_paisa"].as_i64(),
            p["unallocated_paisa"].as_i64()
        ),
        (Some(113_000), Some(37_000))
    );
    let (s, again) = app.post("/api/v1/payments", &admin, pay).await;
    assert_eq!(
        (s, again["id"].clone()),
        (StatusCode::OK, p["id"].clone()),
        "a repeated reference is one payment"
    );
    let (_, st) = app
        .get(&format!("/api/v1/retailers/{retailer}/statement"), &admin)
        .await;
    assert_eq!(
        st["balance_paisa"], -37_000,
        "overpayment is a credit balance: {st}"
    );
    check(&app).await;
}

#[tokio::test]
async fn cancelling_releases_stock_and_the_hold_and_retailers_only_cancel_before_acceptance() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (retailer, _, listing) = setup(&app, &admin, 20, 10_000_000).await;
    let shop = app.user_token("retailer", "+9779802999999").await;
    let (s, o, _) = order(
        &app,
        &shop,
        None,
        json!({"lines": [{"sku": "TEST-WIDGET", "quantity": 5}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "a retailer orders for itself: {o}");
    assert_eq!(o["retailer_id"].as_u64(), Some(retailer));
    let (s, _) = act(&app, &shop, o["id"].as_u64().unwrap(), "cancel").await;
    assert_eq!(s, StatusCode::OK);
    let (_, l) = app
        .get(&format!("/api/v1/listings/{listing}"), &admin)
        .await;
    assert_eq!(l["stock"], 20);
    let (_, c) = app
        .get(&format!("/api/v1/retailers/{retailer}/credit"), &admin)
        .await;
    assert_eq!(c["held_paisa"], 0);

    let (_, o, _) = order(
        &app,
        &shop,
        None,
        json!({"lines": [{"sku": "TEST-WIDGET", "quantity": 5}]}),
    )
    .await;
    let id = o["id"].as_u64().unwrap();
    assert_eq!(act(&app, &admin, id, "accept").await.0, StatusCode::OK);
    let (s, e) = act(&app, &shop, id, "cancel").await;
    assert_eq!((s, error_code(&e)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, e) = act(&app, &shop, id, "pack").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only the vendor or staff pack: {e}"
    );
    check(&app).await;
}

#[tokio::test]
async fn cancelling_a_delivered_and_paid_order_reverses_it_and_the_payment_becomes_credit() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (retailer, _, listing) = setup(&app, &admin, 20, 10_000_000).await;
    let body = json!({"retailer_id": retailer, "lines": [{"sku": "TEST-WIDGET", "quantity": 5}]});
    let (s, o, _) = order(&app, &admin, None, body).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let id = o["id"].as_u64().unwrap();
    for a in ["accept", "dispatch", "deliver"] {
        assert_eq!(act(&app, &admin, id, a).await.0, StatusCode::OK, "{a}");
    }
    let pay = json!({"retailer_id": retailer, "amount_paisa": 20_000, "method": "cash", "reference": "C-1"});
    assert_eq!(
        app.post("/api/v1/payments", &admin, pay).await.0,
        StatusCode::CREATED
    );

    let (s, body) = act(&app, &admin, id, "cancel").await;
    assert_eq!(s, StatusCode::OK, "staff cancel a delivered order: {body}");
    assert_eq!(body["state"], "CANCELLED", "{body}");
    let (_, l) = app
        .get(&format!("/api/v1/listings/{listing}"), &admin)
        .await;
    assert_eq!(l["stock"], 20, "the goods are back in stock");
    let (_, st) = app
        .get(&format!("/api/v1/retailers/{retailer}/statement"), &admin)
        .await;
    assert_eq!(
        st["balance_paisa"], -20_000,
        "the order is undone and what was paid for it is the shop's credit: {st}"
    );
    check(&app).await;
}

#[tokio::test]
async fn an_order_over_the_limit_or_the_stock_is_refused_with_the_figures_and_leaves_no_trace() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (retailer, _, listing) = setup(&app, &admin, 5, 50_000).await;
    let (s, e, _) = order(
        &app,
        &admin,
        None,
        json!({"retailer_id": retailer, "lines": [{"sku": "TEST-WIDGET", "quantity": 5}]}),
    )
    .await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::CONFLICT, "credit_limit_exceeded"),
        "{e}"
    );
    assert_eq!(e["error"]["details"]["available_paisa"], 50_000);
    assert_eq!(e["error"]["details"]["needed_paisa"], 56_500);
    let (s, e, _) = order(
        &app,
        &admin,
        None,
        json!({"retailer_id": 1, "lines": [{"sku": "TEST-WIDGET", "quantity": 6}]}),
    )
    .await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::CONFLICT, "no_vendor"),
        "{e}"
    );
    let (s, e, _) = order(
        &app,
        &admin,
        None,
        json!({"retailer_id": 1, "lines": [{"sku": "NOPE-1", "quantity": 1}]}),
    )
    .await;
    // A well-formed reference to a product that does not exist.
    assert_eq!((s, error_code(&e)), (StatusCode::NOT_FOUND, "not_found"));
    let (s, _, _) = order(
        &app,
        &admin,
        None,
        json!({"retailer_id": 1, "lines": [{"sku": "TEST-WIDGET", "quantity": 0}]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, l) = app
        .get(&format!("/api/v1/listings/{listing}"), &admin)
        .await;
    assert_eq!(l["stock"], 5);
    let (_, list) = app.get("/api/v1/orders", &admin).await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "no partial orders: {list}"
    );
    check(&app).await;
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_same_order_and_another_body_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"retailer_id": 2, "lines": [{"sku": "RICE-1KG", "quantity": 3}]});
    let (s1, o1, _) = order(&app, &admin, Some("retry-me"), body.clone()).await;
    let (s2, o2, h2) = order(&app, &admin, Some("retry-me"), body.clone()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(
        (o1["id"].clone(), o1["number"].clone()),
        (o2["id"].clone(), o2["number"].clone())
    );
    assert_eq!(h2["idempotent-replayed"], "true");
    let other = json!({"retailer_id": 2, "lines": [{"sku": "RICE-1KG", "quantity": 4}]});
    let (s, e, _) = order(&app, &admin, Some("retry-me"), other.clone()).await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::CONFLICT, "idempotency_key_reused")
    );
    let (_, list) = app.get("/api/v1/orders?retailer_id=2", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // After a restart the key is still known: the index is built again from the file.
    app.user_token("operator", "+9779811000060").await;
    let dir = app.stop().await;
    let app = spawn_with(Options {
        dir: Some(dir),
        ..Options::default()
    })
    .await;
    let operator = app.token("+9779811000060", "a long enough password").await;
    let (s3, o3, h3) = order(&app, &operator, Some("retry-me"), body).await;
    assert_eq!((s3, &o3["id"]), (StatusCode::OK, &o1["id"]), "{o3}");
    assert_eq!(h3["idempotent-replayed"], "true");
    let (s, e, _) = order(&app, &operator, Some("retry-me"), other).await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::CONFLICT, "idempotency_key_reused")
    );
    check(&app).await;
}

/// The same keyed request sent 24 times at once makes one order: the copies that share a
/// write batch with the first find its record through the index before it is committed.
#[tokio::test]
async fn one_key_sent_many_times_at_once_makes_one_order() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"retailer_id": 3, "lines": [{"sku": "SUGAR-1KG", "quantity": 2}]});
    let answers = at_once(&app, &admin, 24, |_| ("tap-tap-tap".into(), body.clone())).await;
    let mut created = 0;
    let mut ids = std::collections::BTreeSet::new();
    for (status, order) in answers {
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}: {order}"),
        }
        ids.insert(order["id"].as_u64().unwrap());
    }
    assert_eq!((created, ids.len()), (1, 1), "{ids:?}");
    let (_, list) = app.get("/api/v1/orders?retailer_id=3", &admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    check(&app).await;
}

#[tokio::test]
async fn an_idempotency_key_past_its_retention_places_a_new_order() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"retailer_id": 2, "lines": [{"sku": "RICE-1KG", "quantity": 1}]});
    let (_, old, _) = order(&app, &admin, Some("old-key"), body.clone()).await;
    app.clock.advance(Duration::days(25));
    let admin = app.admin_token().await;
    let (_, recent, _) = order(&app, &admin, Some("recent-key"), body.clone()).await;
    app.clock.advance(Duration::days(6));
    let keep = khaacho::retention::Retention::from_config(&app.state.svc.config().retention);
    let now = khaacho::support::clock::Clock::now(&app.clock);
    let walked = khaacho::retention::prune(app.state.svc.store_for_tests(), keep, now).await;
    assert_eq!(walked.skipped, 0);
    let admin = app.admin_token().await;
    // 31 days old, past the 30 days kept: the same key is a new order.
    let (s, again, h) = order(&app, &admin, Some("old-key"), body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_ne!(again["id"], old["id"]);
    assert!(h.get("idempotent-replayed").is_none());
    // 6 days old: still answered with its order.
    let (s, replayed, _) = order(&app, &admin, Some("recent-key"), body).await;
    assert_eq!((s, &replayed["id"]), (StatusCode::OK, &recent["id"]));
    check(&app).await;
}

/// Sends `n` orders at once, the i-th with `request(i)`'s Idempotency-Key and body; every
/// answer's status and body, in the order sent.
async fn at_once(
    app: &TestApp,
    token: &str,
    n: usize,
    request: impl Fn(usize) -> (String, Value),
) -> Vec<(StatusCode, Value)> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let (http, url, token) = (
            app.http.clone(),
            app.url("/api/v1/orders"),
            token.to_string(),
        );
        let (key, body) = request(i);
        tasks.push(tokio::spawn(async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }));
    }
    let mut answers = Vec::with_capacity(n);
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

/// Fires `n` orders of one widget at once; retailer `pick(i)` places the i-th. Returns the
/// successes and every refusal's code.
async fn burst(
    app: &TestApp,
    token: &str,
    n: usize,
    tag: &str,
    pick: impl Fn(usize) -> u64,
) -> (usize, Vec<String>) {
    let answers = at_once(app, token, n, |i| {
        let body =
            json!({"retailer_id": pick(i), "lines": [{"sku": "TEST-WIDGET", "quantity": 1}]});
        (format!("{tag}{i}"), body)
    })
    .await;
    let (mut ok, mut refusals) = (0, Vec::new());
    for (status, body) in answers {
        match status {
            StatusCode::CREATED => ok += 1,
            StatusCode::CONFLICT => refusals.push(error_code(&body).to_string()),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    (ok, refusals)
}

#[tokio::test]
async fn two_hundred_concurrent_orders_never_overdraw_credit_or_oversell_stock() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // One widget = 11 300 paisa with VAT; the credit fits 60, the stock 100.
    let limit = 60 * 11_300 + 5_000;
    let (limited, _, listing) = setup(&app, &admin, 100, limit).await;
    let (ok, refusals) = burst(&app, &admin, 200, "a", |_| limited).await;
    assert_eq!(ok, 60, "exactly what the credit limit allows");
    assert!(
        refusals.iter().all(|c| c == "credit_limit_exceeded"),
        "{refusals:?}"
    );
    let (_, c) = app
        .get(&format!("/api/v1/retailers/{limited}/credit"), &admin)
        .await;
    assert_eq!(c["held_paisa"], 60 * 11_300);
    assert!(c["available_paisa"].as_i64().unwrap() >= 0, "{c}");
    // Every order of a page is named, whether the page is looked up on the request's own
    // thread (a few orders) or on a blocking thread (many).
    for limit in [3, 60] {
        let (_, page) = app
            .get(
                &format!("/api/v1/orders?retailer_id={limited}&limit={limit}"),
                &admin,
            )
            .await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), limit, "{page}");
        assert!(
            items
                .iter()
                .all(|o| o["retailer_name"] == "Test Pasal" && o["vendor_name"] == "Only Vendor"),
            "{page}"
        );
    }

    // The 40 widgets left, wanted by 200 orders from the demo shops at once.
    let (ok, refusals) = burst(&app, &admin, 200, "b", |i| 1 + (i % 15) as u64).await;
    assert_eq!(ok, 40, "exactly what the stock allows");
    assert!(refusals.iter().all(|c| c == "no_vendor"), "{refusals:?}");
    let (_, l) = app
        .get(&format!("/api/v1/listings/{listing}"), &admin)
        .await;
    assert_eq!(l["stock"], 0, "never below zero");
    check(&app).await;
}

#[tokio::test]
async fn a_retailer_overdue_past_the_limit_is_blocked_until_it_pays() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (retailer, _, _) = setup(&app, &admin, 100, 10_000_000).await;
    let body = json!({"retailer_id": retailer, "lines": [{"sku": "TEST-WIDGET", "quantity": 1}]});
    let (_, o, _) = order(&app, &admin, None, body.clone()).await;
    let id = o["id"].as_u64().unwrap();
    for a in ["accept", "dispatch", "deliver"] {
        assert_eq!(act(&app, &admin, id, a).await.0, StatusCode::OK);
    }
    // Terms 30 days, blocked when more than 30 days overdue: 61 days on.
    app.clock.advance(Duration::days(61));
    app.state.svc.credit().refresh_all().await.unwrap();
    let admin = app.admin_token().await;
    let (s, e, _) = order(&app, &admin, None, body.clone()).await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::CONFLICT, "retailer_blocked"),
        "{e}"
    );
    // The preview says so before the shop answers, on the API and on WhatsApp, with the text
    // CONFIRM would answer; no CONFIRM is asked for.
    let ask = json!({"retailer_id": retailer, "text": "TEST-WIDGET 1"});
    let (_, p) = app
        .post("/api/v1/orders/preview", &admin, ask.clone())
        .await;
    let why = p["blocked"].as_str().unwrap_or_else(|| panic!("{p}"));
    let (_, r) = app
        .get(&format!("/api/v1/retailers/{retailer}"), &admin)
        .await;
    let reply = app
        .answer_to(&admin, r["phone"].as_str().unwrap(), "TEST-WIDGET 1")
        .await;
    assert!(reply.contains(why) && !reply.contains("CONFIRM"), "{reply}");
    let (_, alerts) = app.get("/api/v1/alerts?kind=overdue", &admin).await;
    assert_eq!(alerts["items"].as_array().unwrap().len(), 1, "{alerts}");
    let (_, c) = app
        .get(&format!("/api/v1/retailers/{retailer}/credit"), &admin)
        .await;
    assert_eq!(
        c["aging"][2]["amount_paisa"], 11_300,
        "31-60 days bucket: {c}"
    );
    let pay = json!({"retailer_id": retailer, "amount_paisa": 11_300, "method": "cash", "reference": "R-1"});
    assert_eq!(
        app.post("/api/v1/payments", &admin, pay).await.0,
        StatusCode::CREATED
    );
    let (_, p) = app.post("/api/v1/orders/preview", &admin, ask).await;
    assert!(p["blocked"].is_null(), "{p}");
    let (s, _, _) = order(&app, &admin, None, body).await;
    assert_eq!(s, StatusCode::CREATED, "paying unblocks");
    check(&app).await;
}

#[tokio::test]
async fn credit_limits_change_only_with_a_reason_and_vendors_see_only_their_orders() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (s, e) = app
        .call(
            Method::PATCH,
            "/api/v1/retailers/1",
            Some(&admin),
            Some(json!({"credit_limit_paisa": 1})),
        )
        .await;
    // A valid limit, refused by the rule that a credit change carries its reason.
    assert_eq!((s, error_code(&e)), (StatusCode::CONFLICT, "rule_broken"));
    let (s, r) = app
        .call(
            Method::PATCH,
            "/api/v1/retailers/1",
            Some(&admin),
            Some(json!({"credit_limit_paisa": 5_000_000, "reason": "reviewed"})),
        )
        .await;
    assert_eq!(
        (s, r["credit_limit_paisa"].as_i64()),
        (StatusCode::OK, Some(5_000_000))
    );
    let (_, o, _) = order(
        &app,
        &admin,
        None,
        json!({"retailer_id": 1, "lines": [{"sku": "RICE-1KG", "quantity": 1}]}),
    )
    .await;
    let vendor_id = o["vendor_id"].as_u64().unwrap();
    let other = if vendor_id == 1 {
        "+9779801000002"
    } else {
        "+9779801000001"
    };
    let outsider = app.user_token("vendor", other).await;
    let (s, _) = app
        .get(&format!("/api/v1/orders/{}", o["id"]), &outsider)
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another vendor's order is not even acknowledged"
    );
    let (_, mine) = app.get("/api/v1/orders", &outsider).await;
    assert!(mine["items"].as_array().unwrap().is_empty());
    let (s, _) = app.get("/api/v1/retailers/1/credit", &outsider).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_score_history_gains_a_row_when_the_score_moves_not_for_each_night() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (retailer, _, _) = setup(&app, &admin, 100, 10_000_000).await;
    let rows = || {
        let store = app.state.svc.store_for_tests().clone();
        async move {
            store
                .read(move |tx| {
                    use khaacho::storage::{TableRead, Tx, tables};
                    let t = tx.open(tables::CREDIT_SCORES)?;
                    let n = t.range((retailer, 0)..=(retailer, u64::MAX))?.count();
                    Ok::<_, khaacho::storage::StoreError>(n)
                })
                .await
                .unwrap()
        }
    };
    let score = || async {
        let (_, c) = app
            .get(
                &format!("/api/v1/retailers/{retailer}/credit"),
                &app.admin_token().await,
            )
            .await;
        c["score"].clone()
    };
    app.state.svc.credit().refresh_all().await.unwrap();
    let first = (rows().await, score().await);
    assert_eq!(first.0, 1, "{}", first.1);
    // Nights pass with nothing bought: tenure's wording changes, the score does not.
    for _ in 0..3 {
        app.clock.advance(Duration::days(1));
        app.state.svc.credit().refresh_all().await.unwrap();
    }
    let later = score().await;
    assert_eq!(rows().await, 1, "no row per night");
    assert_eq!(later["score"], first.1["score"]);
    assert_ne!(later["at"], first.1["at"], "the latest row is kept current");
    // An order uses credit: the score moves and the history gains a row.
    let body = json!({"retailer_id": retailer, "lines": [{"sku": "TEST-WIDGET", "quantity": 90}]});
    let (s, o, _) = order(&app, &app.admin_token().await, None, body).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    app.state.svc.credit().refresh_all().await.unwrap();
    let moved = score().await;
    assert_ne!(moved["score"], first.1["score"], "{moved}");
    assert_eq!(rows().await, 2);
    check(&app).await;
}
