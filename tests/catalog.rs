//! The catalog over HTTP and the CLI: who may see and change what, every change visible to
//! the matcher before the request returns, CSV imports all-or-nothing, the index rebuilt when
//! missing or stale.

mod common;

use common::{Options, TestApp, error_code, spawn_app, spawn_with};
use khaacho::app::ops::Request;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn matched(app: &TestApp, token: &str, q: &str) -> Value {
    let (s, d) = app
        .get(&format!("/api/v1/catalog/match?q={}", urlencode(q)), token)
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    d
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_matcher_answers_with_a_decision_and_candidates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let d = matched(&app, &admin, "RICE-1KG").await;
    assert_eq!(d["decision"], "matched");
    let c = &d["candidates"][0];
    assert_eq!(
        (c["sku"].as_str(), c["reason"].as_str()),
        (Some("RICE-1KG"), Some("exact_code"))
    );
    for field in ["product_id", "name", "confidence"] {
        assert!(!c[field].is_null(), "{field}: {c}");
    }
    assert_eq!(
        matched(&app, &admin, "suger 1kg").await["candidates"][0]["sku"],
        "SUGAR-1KG"
    );
    assert_eq!(
        matched(&app, &admin, "चिनी 1 kg").await["candidates"][0]["sku"],
        "SUGAR-1KG"
    );
    let tel = matched(&app, &admin, "tel").await;
    assert_eq!(
        tel["decision"], "ambiguous",
        "a bare 'tel' (oil) is asked, never guessed: {tel}"
    );
    assert!(tel["candidates"].as_array().unwrap().len() >= 2);
    assert_eq!(
        matched(&app, &admin, "xylophone").await["decision"],
        "not_found"
    );
}

#[tokio::test]
async fn catalog_changes_reach_the_matcher_before_the_request_returns() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (s, p) = app.post("/api/v1/products", &admin, json!({"sku": "TEA-KHUKRI-250G", "name": "Khukri Special Tea 250 g", "brand": "Khukri", "category": "Tea & Coffee", "pack_size": 250, "unit": "g", "aliases": ["khukri chiya", "खुकुरी चिया"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["pack_size"], 250.0);
    let d = matched(&app, &admin, "khukri special tea").await;
    assert_eq!(
        (d["decision"].as_str(), d["candidates"][0]["sku"].as_str()),
        (Some("matched"), Some("TEA-KHUKRI-250G"))
    );
    assert_eq!(
        matched(&app, &admin, "खुकुरी चिया").await["candidates"][0]["sku"],
        "TEA-KHUKRI-250G"
    );
    let (_, found) = app.get("/api/v1/products?q=khukri", &admin).await;
    assert_eq!(found["items"][0]["sku"], "TEA-KHUKRI-250G");

    let path = format!("/api/v1/products/{}", p["id"]);
    let (s, _) = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"name": "Khukri Gold Tea 250 g"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        matched(&app, &admin, "khukri gold tea").await["candidates"][0]["sku"],
        "TEA-KHUKRI-250G"
    );
    let (s, _) = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let d = matched(&app, &admin, "khukri gold tea").await;
    assert!(
        d["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["sku"] != "TEA-KHUKRI-250G"),
        "a deactivated product never matches: {d}"
    );
}

#[tokio::test]
async fn products_are_validated_and_only_staff_write_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let shop = app.user_token("retailer", "+9779802000002").await;
    let (s, e) = app
        .post(
            "/api/v1/products",
            &admin,
            json!({"sku": "RICE-1KG", "name": "Again"}),
        )
        .await;
    assert_eq!((s, error_code(&e)), (StatusCode::CONFLICT, "conflict"));
    let (s, _) = app
        .post(
            "/api/v1/products",
            &admin,
            json!({"sku": "bad sku!", "name": "X"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            "/api/v1/products",
            &admin,
            json!({"sku": "X-1", "name": "X", "pack_size": 5}),
        )
        .await;
    // Each field is valid on its own; the rule that a size needs its unit refuses the pair.
    assert_eq!(s, StatusCode::CONFLICT, "a size needs its unit");
    let (s, _) = app
        .post(
            "/api/v1/products",
            &shop,
            json!({"sku": "X-2", "name": "X"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, list) = app.get("/api/v1/products?limit=5", &shop).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 5);
    assert!(list["next_cursor"].is_string());
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["active"] == true && p["price_from_paisa"].is_i64()),
        "{list}"
    );
    let (s, _) = app.get("/api/v1/listings", &shop).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "retailers never see vendors' stock lists"
    );
}

#[tokio::test]
async fn a_vendor_sees_and_changes_only_its_own_listings_price_and_stock() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let v1 = app.user_token("vendor", "+9779801000001").await;
    let (_, mine) = app.get("/api/v1/listings?limit=1000", &v1).await;
    let mine = mine["items"].as_array().unwrap().clone();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|l| l["vendor_id"] == 1), "only its own");
    let (s, _) = app.get("/api/v1/listings?vendor_id=2", &v1).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, theirs) = app
        .get("/api/v1/listings?vendor_id=2&limit=1", &admin)
        .await;
    let other = theirs["items"][0]["id"].as_u64().unwrap();
    let (s, _) = app.get(&format!("/api/v1/listings/{other}"), &v1).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another vendor's listing is not acknowledged"
    );
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/listings/{other}"),
            Some(&v1),
            Some(json!({"stock": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let own = mine[0]["id"].as_u64().unwrap();
    let path = format!("/api/v1/listings/{own}");
    let (s, l) = app
        .call(
            Method::PATCH,
            &path,
            Some(&v1),
            Some(json!({"stock": 42, "price_paisa": mine[0]["price_paisa"]})),
        )
        .await;
    assert_eq!((s, l["stock"].as_i64()), (StatusCode::OK, Some(42)));
    let (s, _) = app
        .call(Method::PATCH, &path, Some(&v1), Some(json!({"min_qty": 5})))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a vendor changes only price and stock"
    );
    let (s, e) = app
        .call(Method::PATCH, &path, Some(&v1), Some(json!({"stock": -1})))
        .await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    let (s, vs) = app.get("/api/v1/vendors", &v1).await;
    assert_eq!(
        (s, vs["items"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (s, _) = app.get("/api/v1/vendors/2", &v1).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let c = khaacho::app::control::call(app.dir.path(), &Request::Check)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        c.result["ok"], true,
        "stock moves still add up: {}",
        c.result
    );
}

#[tokio::test]
async fn an_import_writes_nothing_unless_every_row_is_good_and_updates_by_sku() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let bad =
        "sku,name,pack_size,unit\nNEW-1,New Thing,1,kg\n,No Sku,1,kg\nNEW-3,Bad Size,abc,kg\n"
            .to_string();
    let r = khaacho::app::control::call(app.dir.path(), &Request::ImportCatalog { csv: bad })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.result["ok"], false);
    let errors = r.result["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["line"] == 3 && e["column"] == "sku"),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["line"] == 4 && e["column"] == "pack_size"),
        "{errors:?}"
    );
    assert_eq!(
        matched(&app, &admin, "NEW-1").await["decision"],
        "not_found",
        "nothing was written"
    );

    let good = "sku,name,brand,pack_size,unit,aliases,ignored\nNEW-1,Himalayan Honey 500 g,Himali,500,g,maha|मह,x\nRICE-1KG,Mansuli Rice Premium 1 kg,,1,kg,chamal,y\n".to_string();
    let r = khaacho::app::control::call(app.dir.path(), &Request::ImportCatalog { csv: good })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.result["created"].as_u64(), r.result["updated"].as_u64()),
        (Some(1), Some(1)),
        "{}",
        r.result
    );
    assert_eq!(
        matched(&app, &admin, "मह").await["candidates"][0]["sku"],
        "NEW-1"
    );
    assert_eq!(
        matched(&app, &admin, "mansuli rice premium").await["candidates"][0]["sku"],
        "RICE-1KG"
    );
}

#[tokio::test]
async fn the_search_index_is_rebuilt_at_start_when_missing_or_stale() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // A login that outlives the restart (the admin's password is shown only on first start).
    app.user_token("operator", "+9779811000050").await;
    app.post(
        "/api/v1/products",
        &admin,
        json!({"sku": "GHEE-PURE-1L", "name": "Pure Cow Ghee 1 l", "pack_size": 1, "unit": "l"}),
    )
    .await;
    let dir = app.stop().await;
    std::fs::remove_dir_all(dir.path().join("search")).unwrap();
    let app = spawn_with(Options {
        dir: Some(dir),
        ..Options::default()
    })
    .await;
    let token = app.token("+9779811000050", "a long enough password").await;
    assert_eq!(
        matched(&app, &token, "pure cow ghee").await["candidates"][0]["sku"],
        "GHEE-PURE-1L"
    );
    let dir = app.stop().await;

    // Stale: the catalog changed behind the index's back (the file was restored from a backup).
    {
        let store = khaacho::storage::Store::open(&dir.path().join("khaacho.redb"))
            .unwrap()
            .store;
        store
            .write(|tx| {
                // Written straight to the table, as an older file would hold it: no door
                // outside `catalog` writes products without updating the index.
                let mut p = khaacho::catalog::store::product_by_sku(tx, "GHEE-PURE-1L")?.unwrap();
                p.name = "Buffalo Ghee 1 l".into();
                tx.open(khaacho::storage::tables::PRODUCTS)?.put(p.id, &p)?;
                let v = khaacho::catalog::store::catalog_version(tx)?;
                khaacho::storage::meta_put(tx, khaacho::catalog::store::CATALOG_VERSION, v + 1)
            })
            .await
            .unwrap();
    }
    let app = spawn_with(Options {
        dir: Some(dir),
        ..Options::default()
    })
    .await;
    let token = app.token("+9779811000050", "a long enough password").await;
    assert_eq!(
        matched(&app, &token, "buffalo ghee").await["candidates"][0]["sku"],
        "GHEE-PURE-1L"
    );
    let r = khaacho::app::control::call(app.dir.path(), &Request::Reindex)
        .await
        .unwrap()
        .unwrap();
    assert!(r.result["reindexed_products"].as_u64().unwrap() > 200);
}
