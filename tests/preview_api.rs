//! `POST /api/v1/orders/preview` over the real server: the shape the issue names, who may call
//! it, that it writes nothing, that the shop's language holds in every sentence, and that the
//! WhatsApp conversation shows exactly the same preview.

mod common;

use common::{TestApp, error_code, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Laxmi General Store (English) and Gurung Kirana Pasal (Nepali) in the demo data.
const LAXMI: u64 = 2;
const LAXMI_PHONE: &str = "+9779802000002";
const GURUNG: u64 = 1;

async fn preview(app: &TestApp, token: &str, retailer: u64, text: &str) -> (StatusCode, Value) {
    app.post(
        "/api/v1/orders/preview",
        token,
        json!({"retailer_id": retailer, "text": text}),
    )
    .await
}

#[tokio::test]
async fn a_preview_prices_lines_asks_questions_and_says_what_was_not_added() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (s, p) = preview(
        &app,
        &admin,
        LAXMI,
        "2 bora chamal, chini 2, horlicks 1kg 2, bhuja 5 kg",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let lines = p["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{p}");
    let rice = &lines[0];
    assert_eq!(rice["sku"], "RICE-25KG");
    assert_eq!(rice["quantity"], 2);
    assert!(rice["conversion"].is_null());
    assert!(rice["unit_price_paisa"].as_i64().unwrap() > 0);
    assert_eq!(
        rice["total_paisa"].as_i64().unwrap(),
        2 * rice["unit_price_paisa"].as_i64().unwrap() + rice["vat_paisa"].as_i64().unwrap()
    );
    let horlicks = &lines[1];
    assert_eq!(
        (horlicks["sku"].as_str(), horlicks["quantity"].as_u64()),
        (Some("HORLICKS-500G"), Some(4))
    );
    assert_eq!(horlicks["conversion"], "2 × 1 kg = 4 × 500 g");
    let q = &p["questions"][0];
    assert_eq!(q["phrase"], "chini");
    let opts: Vec<&str> = q["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["sku"].as_str().unwrap())
        .collect();
    assert_eq!(opts, ["SUGAR-1KG", "SUGAR-5KG", "SUGAR-50KG"]);
    assert!(q["options"][0]["product_id"].is_u64() && q["options"][0]["name"].is_string());
    let not = &p["not_added"][0];
    assert_eq!(not["phrase"], "bhuja");
    assert!(
        not["reason"]
            .as_str()
            .unwrap()
            .contains("not in our catalog"),
        "{not}"
    );
    let sum: i64 = lines
        .iter()
        .map(|l| l["total_paisa"].as_i64().unwrap())
        .sum();
    assert_eq!(p["total_paisa"].as_i64().unwrap(), sum);
    assert_eq!(
        p["subtotal_paisa"].as_i64().unwrap() + p["vat_paisa"].as_i64().unwrap(),
        sum
    );
}

#[tokio::test]
async fn staff_preview_for_any_shop_a_shop_for_itself_and_a_vendor_not_at_all() {
    let app = spawn_app().await;
    let operator = app.user_token("operator", "+9779811111111").await;
    let shop = app.user_token("retailer", LAXMI_PHONE).await;
    let vendor = app.user_token("vendor", "+9779801000001").await;
    assert_eq!(
        preview(&app, &operator, GURUNG, "chini 5 kg").await.0,
        StatusCode::OK
    );
    assert_eq!(
        preview(&app, &shop, LAXMI, "chini 5 kg").await.0,
        StatusCode::OK
    );
    let (s, b) = preview(&app, &shop, GURUNG, "chini 5 kg").await;
    assert_eq!((s, error_code(&b)), (StatusCode::FORBIDDEN, "forbidden"));
    assert_eq!(
        preview(&app, &vendor, LAXMI, "chini 5 kg").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        preview(&app, "", LAXMI, "chini 5 kg").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (s, b) = preview(&app, &operator, 999, "chini 5 kg").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, b) = preview(&app, &operator, LAXMI, "  ").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let long = "chini 5 kg ".repeat(500);
    assert_eq!(
        preview(&app, &operator, LAXMI, &long).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (s, _) = app
        .post(
            "/api/v1/orders/preview",
            &operator,
            json!({"retailer_id": "two", "text": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_preview_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let before = app.get("/api/v1/orders", &admin).await.1;
    let credit_before = app
        .get(&format!("/api/v1/retailers/{LAXMI}/credit"), &admin)
        .await
        .1;
    for _ in 0..3 {
        assert_eq!(
            preview(&app, &admin, LAXMI, "chamal 2 bora, rara 2 peti")
                .await
                .0,
            StatusCode::OK
        );
    }
    assert_eq!(app.get("/api/v1/orders", &admin).await.1, before);
    assert_eq!(
        app.get(&format!("/api/v1/retailers/{LAXMI}/credit"), &admin)
            .await
            .1,
        credit_before
    );
}

#[tokio::test]
async fn a_nepali_shop_reads_every_sentence_in_nepali() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (s, p) = preview(
        &app,
        &admin,
        GURUNG,
        "colgate 1 dozen, chini 2, chini 2.5 kg, bhuja 2 kg, dudh 1 litre 4",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["language"], "ne");
    let mut texts: Vec<String> = Vec::new();
    texts.extend(
        p["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["text"].as_str().unwrap().to_string()),
    );
    texts.extend(
        p["not_added"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["reason"].as_str().unwrap().to_string()),
    );
    texts.extend(
        p["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["conversion"].as_str().map(str::to_string)),
    );
    assert!(texts.len() >= 4, "{p}");
    for t in &texts {
        let english = [
            "did you mean",
            "which",
            "not in our catalog",
            "does not divide",
            "packs",
            "Reply",
        ];
        assert!(
            !english.iter().any(|w| t.contains(w)),
            "English in a Nepali reply: {t}"
        );
    }
    assert!(texts.iter().any(|t| t.contains("सूचीमा छैन")), "{texts:?}");
}

#[tokio::test]
async fn the_whatsapp_conversation_shows_the_same_preview_as_the_endpoint() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let text =
        "2 bora chamal\nwai wai 2 carton\n2 tray anda\nsoyabean tel 1 litre pouch 20\nnun 20";
    let (_, p) = preview(&app, &admin, LAXMI, text).await;
    let (s, r) = app
        .post(
            "/api/v1/simulator/messages",
            &admin,
            json!({"from": LAXMI_PHONE, "body": text}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let reply: String = r["replies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["to"] == LAXMI_PHONE)
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect();
    for l in p["lines"].as_array().unwrap() {
        let shown = format!("{} × {}", l["name"].as_str().unwrap(), l["quantity"]);
        assert!(reply.contains(&shown), "{shown} missing from {reply}");
    }
    for q in p["questions"].as_array().unwrap() {
        assert!(
            reply.contains(q["text"].as_str().unwrap()),
            "{q} missing from {reply}"
        );
    }
    assert_eq!(p["lines"].as_array().unwrap().len(), 4, "{p}");
    assert_eq!(p["questions"].as_array().unwrap().len(), 1, "{p}");
    // Answering the question in the conversation prices that line the way it was written.
    let (_, r) = app
        .post(
            "/api/v1/simulator/messages",
            &admin,
            json!({"from": LAXMI_PHONE, "body": "2"}),
        )
        .await;
    let reply = r["replies"][0]["body"].as_str().unwrap().to_string();
    assert!(reply.contains("Tata Salt 1 kg × 20"), "{reply}");
}

#[tokio::test]
async fn an_amount_that_is_not_whole_packs_is_asked_and_the_answer_makes_that_many_packs() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Anchor milk powder comes in 400 g tins only: 1 kg is 2 (800 g) or 3 (1200 g).
    let (_, p) = preview(&app, &admin, LAXMI, "anchor dudh powder 1 kg").await;
    assert!(p["lines"].as_array().unwrap().is_empty(), "{p}");
    let q = &p["questions"][0];
    let made: Vec<(&str, u64)> = q["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["sku"].as_str().unwrap(), o["quantity"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        made,
        [("MILKPOWDER-ANCHOR-400G", 2), ("MILKPOWDER-ANCHOR-400G", 3)]
    );
    let text = q["text"].as_str().unwrap();
    assert!(
        text.contains("2 (800 g)") && text.contains("3 (1200 g)"),
        "{text}"
    );
    let say = |body: &'static str| {
        app.post(
            "/api/v1/simulator/messages",
            &admin,
            json!({"from": LAXMI_PHONE, "body": body}),
        )
    };
    let (s, r) = say("anchor dudh powder 1 kg").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(
        r["replies"][0]["body"].as_str().unwrap().contains(text),
        "{r}"
    );
    let (_, r) = say("2").await;
    let reply = r["replies"][0]["body"].as_str().unwrap();
    assert!(reply.contains("Anchor") && reply.contains("× 3"), "{reply}");
}

#[tokio::test]
async fn a_preview_with_a_line_that_could_not_be_read_is_kept_and_read_back() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // "chini" has no quantity: the pending preview keeps that problem line.
    for body in ["chini, chamal 2 bora", "tel 2 botal", "CONFIRM"] {
        let (s, r) = app
            .post(
                "/api/v1/simulator/messages",
                &admin,
                json!({"from": LAXMI_PHONE, "body": body}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}: {r}");
    }
}
