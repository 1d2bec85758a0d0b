//! Vendor routing over HTTP with the injectable clock: the best vendor is chosen and explained,
//! rejections and missed deadlines move the order on at once, operators override with a
//! reason, carts split when no vendor has everything, and vendor figures follow the events.

mod common;

use chrono::Duration;
use common::{TestApp, error_code, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn place(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, o) = app.post("/api/v1/orders", token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    o
}

async fn act(app: &TestApp, token: &str, id: u64, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/orders/{id}/transitions"), token, body)
        .await
}

async fn open_holds(app: &TestApp) -> usize {
    let svc = app.state.svc.clone();
    svc.store_for_tests()
        .read(|tx| khaacho::ledger::open_holds(tx).map(|h| h.len()))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_choice_is_explained_with_every_candidates_factors() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Retailer 2 is in Kathmandu: the Kathmandu vendors are close and rice is everywhere.
    let o = place(
        &app,
        &admin,
        json!({"retailer_id": 2, "lines": [{"sku": "RICE-1KG", "quantity": 5}]}),
    )
    .await;
    let (s, r) = app
        .get(&format!("/api/v1/orders/{}/routing", o["id"]), &admin)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let d = &r["decisions"][0];
    assert_eq!(d["chosen_vendor_id"], o["vendor_id"]);
    assert!(d["reason"].as_str().unwrap().len() > 10, "{d}");
    let candidates = d["candidates"].as_array().unwrap();
    assert!(
        candidates.len() >= 7,
        "every vendor with rice is scored: {}",
        candidates.len()
    );
    for c in candidates {
        for f in [
            "availability",
            "price",
            "proximity",
            "workload",
            "reliability",
        ] {
            let v = c["factors"][f].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{f} = {v}");
        }
        assert!(c["reason"].is_string() && c["eligible"].is_boolean());
    }
    let shop = app.user_token("retailer", "+9779802000002").await;
    let (s, _) = app
        .get(&format!("/api/v1/orders/{}/routing", o["id"]), &shop)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "routing is for operators");
}

#[tokio::test]
async fn each_rejection_moves_the_order_to_the_next_vendor_until_none_is_left() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(
        &app,
        &admin,
        json!({"retailer_id": 3, "lines": [{"sku": "SUGAR-1KG", "quantity": 2}]}),
    )
    .await;
    let id = o["id"].as_u64().unwrap();
    let mut seen = vec![o["vendor_id"].as_u64().unwrap()];
    // Seven vendors sell sugar: six rejections move it on, the seventh cancels it.
    loop {
        let (s, after) = act(
            &app,
            &admin,
            id,
            json!({"action": "reject", "note": "out of stock today"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{after}");
        assert_eq!(
            open_holds(&app).await,
            usize::from(after["state"] == "PLACED"),
            "exactly one hold while open"
        );
        if after["state"] == "CANCELLED" {
            break;
        }
        assert_eq!(after["state"], "PLACED");
        let v = after["vendor_id"].as_u64().unwrap();
        assert!(!seen.contains(&v), "never back to a vendor that said no");
        seen.push(v);
    }
    assert_eq!(seen.len(), 7);
    let (_, r) = app
        .get(&format!("/api/v1/orders/{id}/routing"), &admin)
        .await;
    assert_eq!(
        r["decisions"].as_array().unwrap().len(),
        8,
        "one decision per level, the last choosing nobody"
    );
    assert!(r["decisions"][7]["chosen_vendor_id"].is_null());
    let (_, alerts) = app.get("/api/v1/alerts?kind=no_vendor", &admin).await;
    assert_eq!(alerts["items"].as_array().unwrap().len(), 1);
    let outbox = app
        .state
        .svc
        .store_for_tests()
        .read(move |tx| {
            use khaacho::storage::{TableRead, Tx};
            let all: Vec<_> = tx
                .open(khaacho::storage::tables::MESSAGES)?
                .iter()?
                .collect::<Result<_, _>>()?;
            Ok::<_, khaacho::storage::StoreError>(
                all.into_iter()
                    .filter(|(_, m): &(u64, khaacho::messaging::outbox::Message)| {
                        m.order_id == Some(id) && m.kind == "order_cancelled"
                    })
                    .count(),
            )
        })
        .await
        .unwrap();
    assert_eq!(outbox, 1, "the retailer is told");
    let c = khaacho::app::control::call(app.dir.path(), &khaacho::app::ops::Request::Check)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.result["ok"], true, "{}", c.result);
}

#[tokio::test]
async fn a_missed_deadline_moves_the_order_on_and_counts_against_the_vendor() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(
        &app,
        &admin,
        json!({"retailer_id": 2, "lines": [{"sku": "RICE-1KG", "quantity": 1}]}),
    )
    .await;
    let (id, first) = (o["id"].as_u64().unwrap(), o["vendor_id"].as_u64().unwrap());
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        app.state.svc.orders().expire_overdue().await.unwrap().done,
        0,
        "not yet"
    );
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        app.state.svc.orders().expire_overdue().await.unwrap().done,
        1
    );
    let admin = app.admin_token().await;
    let (_, after) = app.get(&format!("/api/v1/orders/{id}"), &admin).await;
    assert_eq!(after["state"], "PLACED");
    assert_ne!(after["vendor_id"].as_u64().unwrap(), first);
    let (_, perf) = app
        .get(&format!("/api/v1/vendors/{first}/performance"), &admin)
        .await;
    assert_eq!(
        (
            perf["offered"].as_u64(),
            perf["expired"].as_u64(),
            perf["open_orders"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{perf}"
    );
    assert!(
        after["accept_by"].as_str().unwrap() > o["accept_by"].as_str().unwrap(),
        "a new deadline for the new vendor"
    );
}

#[tokio::test]
async fn operators_reroute_by_hand_with_a_reason_to_an_eligible_vendor() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(
        &app,
        &admin,
        json!({"retailer_id": 2, "lines": [{"sku": "SUGAR-1KG", "quantity": 1}]}),
    )
    .await;
    let id = o["id"].as_u64().unwrap();
    let (s, e) = act(&app, &admin, id, json!({"action": "reroute"})).await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::CONFLICT, "rule_broken"),
        "a reason is required"
    );
    // Vendor 5 (Kaski) sells no sugar.
    let (s, e) = act(
        &app,
        &admin,
        id,
        json!({"action": "reroute", "note": "try Gurung", "vendor_id": 5}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let target = if o["vendor_id"] == 8 { 7 } else { 8 };
    let (s, after) = act(
        &app,
        &admin,
        id,
        json!({"action": "reroute", "note": "customer asked", "vendor_id": target}),
    )
    .await;
    assert_eq!(
        (s, after["vendor_id"].as_u64()),
        (StatusCode::OK, Some(target)),
        "{after}"
    );
    let vendor = app
        .user_token("vendor", &format!("+977980100000{target}"))
        .await;
    let (s, _) = act(&app, &vendor, id, json!({"action": "reroute", "note": "x"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only staff re-route");
    let (s, _) = act(&app, &vendor, id, json!({"action": "accept"})).await;
    assert_eq!(s, StatusCode::OK, "the new vendor can accept");
}

#[tokio::test]
async fn a_cart_no_single_vendor_holds_is_split_into_orders_that_travel_together() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Two products, each sold by one vendor only.
    for (sku, phone) in [("ONLY-A", "+9779801777001"), ("ONLY-B", "+9779801777002")] {
        let (_, p) = app
            .post(
                "/api/v1/products",
                &admin,
                json!({"sku": sku, "name": format!("{sku} thing")}),
            )
            .await;
        let (_, v) = app.post("/api/v1/vendors", &admin, json!({"name": format!("Vendor {sku}"), "phone": phone, "district": "Kathmandu", "province": "Bagmati"})).await;
        let (s, l) = app.post("/api/v1/listings", &admin, json!({"vendor_id": v["id"], "product_id": p["id"], "price_paisa": 1000, "mrp_paisa": 1200, "stock": 10})).await;
        assert_eq!(s, StatusCode::CREATED, "{l}");
    }
    let o = place(&app, &admin, json!({"retailer_id": 2, "lines": [{"sku": "ONLY-A", "quantity": 1}, {"sku": "ONLY-B", "quantity": 2}]})).await;
    let parts = o["orders"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{o}");
    assert_eq!(parts[0]["group_id"], parts[1]["group_id"]);
    assert_ne!(parts[0]["vendor_id"], parts[1]["vendor_id"]);
    assert_ne!(parts[0]["number"], parts[1]["number"]);
    assert_eq!(open_holds(&app).await, 2, "each part holds its own credit");
}

#[tokio::test]
async fn vendor_figures_follow_acceptance_and_delivery() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let o = place(
        &app,
        &admin,
        json!({"retailer_id": 2, "lines": [{"sku": "RICE-1KG", "quantity": 1}]}),
    )
    .await;
    let (id, v) = (o["id"].as_u64().unwrap(), o["vendor_id"].as_u64().unwrap());
    app.clock.advance(Duration::minutes(12));
    let admin = app.admin_token().await;
    assert_eq!(
        act(&app, &admin, id, json!({"action": "accept"})).await.0,
        StatusCode::OK
    );
    app.clock.advance(Duration::hours(5));
    let admin = app.admin_token().await;
    for a in ["dispatch", "deliver"] {
        assert_eq!(
            act(&app, &admin, id, json!({"action": a})).await.0,
            StatusCode::OK
        );
    }
    let (_, perf) = app
        .get(&format!("/api/v1/vendors/{v}/performance"), &admin)
        .await;
    assert_eq!(perf["avg_accept_minutes"], 12.0, "{perf}");
    assert_eq!(perf["avg_fulfil_hours"], 5.0);
    assert_eq!(
        (
            perf["acceptance_rate"].as_f64(),
            perf["open_orders"].as_u64()
        ),
        (Some(1.0), Some(0))
    );
}
