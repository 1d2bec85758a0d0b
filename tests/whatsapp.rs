//! WhatsApp end to end over HTTP: real signed webhooks (signatures computed here as Twilio and
//! Meta document them), outgoing requests checked field by field at local stub servers, the
//! retailer and vendor conversations, exactly-once redeliveries, retries, restarts, abuse.

mod common;

use std::collections::BTreeMap;

use base64::Engine;
use chrono::Duration;
use common::{Options, TestApp, error_code, spawn_with};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PUBLIC: &str = "https://khaacho.test";
const TOKEN: &str = "twilio-auth-token-for-tests";
const SID: &str = "ACtest0000000000000000000000000000";
const APP_SECRET: &str = "meta-app-secret-for-tests";
const RETAILER: &str = "+9779802000002";

/// Twilio's scheme: HMAC-SHA1 over the URL followed by each parameter name and value, sorted
/// by name; base64.
fn twilio_signature(url: &str, params: &[(&str, &str)]) -> String {
    let sorted: BTreeMap<&str, &str> = params.iter().copied().collect();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn meta_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(APP_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn with_providers(twilio: &MockServer, meta: &MockServer) -> TestApp {
    with_providers_in(twilio, meta, None).await
}

/// [`with_providers`] on the data directory a stopped app left (a restart), or a new one.
async fn with_providers_in(
    twilio: &MockServer,
    meta: &MockServer,
    dir: Option<std::sync::Arc<tempfile::TempDir>>,
) -> TestApp {
    let (t, m) = (twilio.uri(), meta.uri());
    let tweak = Box::new(move |c: &mut khaacho::config::Config| {
        let w = &mut c.whatsapp;
        w.public_url = PUBLIC.into();
        w.twilio.account_sid = SID.into();
        w.twilio.auth_token = khaacho::types::Secret::new(TOKEN);
        w.twilio.from = "+14155238886".into();
        w.twilio.api_base = t;
        w.twilio
            .templates
            .insert("order_new_vendor".into(), "HXneworder".into());
        w.meta.phone_number_id = "1234567890".into();
        w.meta.access_token = khaacho::types::Secret::new("meta-access-token");
        w.meta.app_secret = khaacho::types::Secret::new(APP_SECRET);
        w.meta.verify_token = khaacho::types::Secret::new("verify-me");
        w.meta.api_base = m;
    });
    spawn_with(Options {
        dir,
        tweak,
        ..Options::default()
    })
    .await
}

async fn twilio_in(app: &TestApp, sid: &str, from: &str, body: &str) -> (StatusCode, String) {
    let from = format!("whatsapp:{from}");
    let params = [
        ("MessageSid", sid),
        ("From", from.as_str()),
        ("To", "whatsapp:+14155238886"),
        ("Body", body),
        ("NumMedia", "0"),
        ("ProfileName", "Shop"),
        ("SmsStatus", "received"),
    ];
    let signature = twilio_signature(&format!("{PUBLIC}/webhooks/twilio"), &params);
    let res = app
        .http
        .post(app.url("/webhooks/twilio"))
        .header("x-twilio-signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn twilio_mock(server: &MockServer, status: u16) {
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_json(json!({"sid": "SMsent0001", "status": "queued"})),
        )
        .mount(server)
        .await;
}

fn form(req: &Request) -> BTreeMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&req.body)
        .unwrap()
        .into_iter()
        .collect()
}

async fn orders(app: &TestApp) -> Vec<Value> {
    let admin = app.admin_token().await;
    app.get("/api/v1/orders", &admin).await.1["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_retailer_orders_confirms_and_hears_back_when_the_vendor_accepts_over_twilio() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    twilio_mock(&twilio, 201).await;
    let app = with_providers(&twilio, &meta).await;

    let (s, twiml) = twilio_in(&app, "SM0001", RETAILER, "RICE-1KG x 10").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        twiml.starts_with("<?xml")
            && twiml.contains("<Message>")
            && twiml.contains("Mansuli Rice 1 kg × 10"),
        "{twiml}"
    );
    assert!(twiml.contains("CONFIRM"));

    let (_, twiml) = twilio_in(&app, "SM0002", RETAILER, "CONFIRM").await;
    assert!(twiml.contains("Order placed: ORD"), "{twiml}");
    let placed = orders(&app).await;
    assert_eq!(placed.len(), 1);
    let vendor_phone = format!("+977980100000{}", placed[0]["vendor_id"]);
    // A redelivery of the same message changes nothing and gets the same answer.
    let (_, again) = twilio_in(&app, "SM0002", RETAILER, "CONFIRM").await;
    assert_eq!(again, twiml);
    assert_eq!(
        orders(&app).await.len(),
        1,
        "duplicate deliveries create one order"
    );

    app.state.svc.sender().deliver_due().await.unwrap();
    let sent = twilio.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1, "the vendor is told once");
    let f = form(&sent[0]);
    assert_eq!(f["To"], format!("whatsapp:{vendor_phone}"));
    assert_eq!(f["From"], "whatsapp:+14155238886");
    assert_eq!(
        f["ContentSid"], "HXneworder",
        "the vendor never wrote: outside the 24-hour window a template goes"
    );
    assert!(f["ContentVariables"].contains("New order ORD"), "{f:?}");
    let auth = sent[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"));
    assert_eq!(auth, format!("Basic {expected}"));

    let (_, twiml) = twilio_in(
        &app,
        "SM0003",
        &vendor_phone,
        &format!("ACCEPT {}", placed[0]["number"].as_str().unwrap()),
    )
    .await;
    assert!(twiml.contains("is now ACCEPTED"), "{twiml}");
    app.state.svc.sender().deliver_due().await.unwrap();
    let sent = twilio.received_requests().await.unwrap();
    let to_retailer = form(&sent[1]);
    assert_eq!(to_retailer["To"], format!("whatsapp:{RETAILER}"));
    assert!(
        to_retailer["Body"].contains("was accepted"),
        "{to_retailer:?}"
    );
    assert!(
        !to_retailer.contains_key("ContentSid"),
        "inside the window: a plain message"
    );

    // Twilio's delivery report moves the message forward (and never back).
    let report = [
        ("MessageSid", "SMsent0001"),
        ("MessageStatus", "delivered"),
        ("AccountSid", SID),
    ];
    let sig = twilio_signature(&format!("{PUBLIC}/webhooks/twilio"), &report);
    let res = app
        .http
        .post(app.url("/webhooks/twilio"))
        .header("x-twilio-signature", sig)
        .form(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // (The stub answers every send with the same sid, so it names the latest message.)
    let admin = app.admin_token().await;
    let (_, msgs) = app
        .get(
            &format!("/api/v1/messages?phone={}", RETAILER.replace('+', "%2B")),
            &admin,
        )
        .await;
    let out = msgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "order_accepted")
        .unwrap()
        .clone();
    assert_eq!(out["status"], "delivered", "{msgs}");
}

#[tokio::test]
async fn a_bad_or_missing_signature_is_403_and_changes_nothing() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    let app = with_providers(&twilio, &meta).await;
    let params = [
        ("MessageSid", "SMevil"),
        ("From", "whatsapp:+9779802000002"),
        ("Body", "RICE-1KG x 10"),
    ];
    let res = app
        .http
        .post(app.url("/webhooks/twilio"))
        .header("x-twilio-signature", "AAAA")
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .http
        .post(app.url("/webhooks/twilio"))
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
    let res = app
        .http
        .post(app.url("/webhooks/meta"))
        .header("x-hub-signature-256", "sha256=00")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let admin = app.admin_token().await;
    let (_, msgs) = app.get("/api/v1/messages", &admin).await;
    assert!(
        msgs["items"].as_array().unwrap().is_empty(),
        "nothing was recorded: {msgs}"
    );
}

#[tokio::test]
async fn meta_verification_messages_and_replies_through_the_graph_api() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .and(path("/v21.0/1234567890/messages"))
        .and(header("authorization", "Bearer meta-access-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT1"}]}),
        ))
        .mount(&meta)
        .await;
    let app = with_providers(&twilio, &meta).await;
    let ok = app
        .http
        .get(app.url(
            "/webhooks/meta?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (ok.status(), ok.text().await.unwrap()),
        (StatusCode::OK, "1158201444".to_string())
    );
    let bad = app
        .http
        .get(app.url("/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);

    // Unknown fields anywhere are ignored, never refused.
    let payload = json!({"object": "whatsapp_business_account", "new_top_level": 1, "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1234567890", "display_phone_number": "15550001111"},
        "contacts": [{"profile": {"name": "Laxmi"}, "wa_id": "9779802000002"}],
        "messages": [{"from": "9779802000002", "id": "wamid.IN1", "timestamp": "1795670000", "type": "text", "text": {"body": "help"}, "surprise": true}]}}]}]});
    let body = serde_json::to_vec(&payload).unwrap();
    let res = app
        .http
        .post(app.url("/webhooks/meta"))
        .header("x-hub-signature-256", meta_signature(&body))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Meta retries for days: the same message again is harmless.
    let res = app
        .http
        .post(app.url("/webhooks/meta"))
        .header("x-hub-signature-256", meta_signature(&body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.state.svc.sender().deliver_due().await.unwrap();
    let sent = meta.received_requests().await.unwrap();
    assert_eq!(
        sent.len(),
        1,
        "one reply for one message, however often it came"
    );
    let j: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(j["messaging_product"], "whatsapp");
    assert_eq!(j["to"], "9779802000002");
    assert_eq!(j["type"], "text");
    assert!(
        j["text"]["body"].as_str().unwrap().contains("CONFIRM"),
        "the help text: {j}"
    );
}

#[tokio::test]
async fn when_the_provider_is_down_messages_are_retried_and_delivered_after_recovery() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&twilio)
        .await;
    twilio_mock(&twilio, 201).await;
    let app = with_providers(&twilio, &meta).await;
    twilio_in(&app, "SM1", RETAILER, "RICE-1KG x 2").await;
    twilio_in(&app, "SM2", RETAILER, "yes").await;
    let sender = &app.state.svc.sender();
    assert_eq!(
        sender.deliver_due().await.unwrap(),
        1,
        "first attempt fails"
    );
    assert_eq!(
        sender.deliver_due().await.unwrap(),
        0,
        "not due again before the backoff"
    );
    app.clock.advance(Duration::seconds(5));
    assert_eq!(
        sender.deliver_due().await.unwrap(),
        1,
        "second attempt fails"
    );
    app.clock.advance(Duration::seconds(10));
    assert_eq!(
        sender.deliver_due().await.unwrap(),
        1,
        "third attempt succeeds"
    );
    app.clock.advance(Duration::hours(2));
    assert_eq!(
        sender.deliver_due().await.unwrap(),
        0,
        "and it is not sent again"
    );
    assert_eq!(twilio.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn messages_left_in_the_outbox_at_a_restart_are_all_delivered_once() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&twilio)
        .await;
    let app = with_providers(&twilio, &meta).await;
    for (i, body) in ["RICE-1KG x 1", "yes", "SUGAR-1KG x 1", "yes"]
        .iter()
        .enumerate()
    {
        twilio_in(&app, &format!("SMr{i}"), RETAILER, body).await;
    }
    app.state.svc.sender().deliver_due().await.unwrap();
    let dir = app.stop().await;

    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    twilio_mock(&twilio, 201).await;
    let (t, m) = (twilio.uri(), meta.uri());
    let tweak = Box::new(move |c: &mut khaacho::config::Config| {
        let w = &mut c.whatsapp;
        w.public_url = PUBLIC.into();
        w.twilio.account_sid = SID.into();
        w.twilio.auth_token = khaacho::types::Secret::new(TOKEN);
        w.twilio.from = "+14155238886".into();
        w.twilio.api_base = t;
        w.twilio
            .templates
            .insert("order_new_vendor".into(), "HXneworder".into());
        w.meta.api_base = m;
    });
    let app = spawn_with(Options {
        dir: Some(dir),
        tweak,
        ..Options::default()
    })
    .await;
    app.clock.advance(Duration::hours(1));
    for _ in 0..3 {
        app.state.svc.sender().deliver_due().await.unwrap();
    }
    let sent = twilio.received_requests().await.unwrap();
    assert_eq!(
        sent.len(),
        2,
        "two new-order messages to vendors, each once"
    );
    let mut to: Vec<String> = sent.iter().map(|r| form(r)["To"].clone()).collect();
    to.dedup();
    assert!(to.iter().all(|t| t.starts_with("whatsapp:+97798010")));
}

/// Messages queued but never tried before a stop (found past the sender's watermark, not in
/// `outbox_due`) each go out once after the restart, and the watermark then stands past them.
#[tokio::test]
async fn messages_never_tried_before_a_restart_go_out_once_after_it() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    let app = with_providers(&twilio, &meta).await;
    let ids = queue(&app, 3, "order_new_vendor").await;
    let dir = app.stop().await;
    assert!(twilio.received_requests().await.unwrap().is_empty());

    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    twilio_mock(&twilio, 201).await;
    let app = with_providers_in(&twilio, &meta, Some(dir)).await;
    app.clock.advance(Duration::hours(1));
    for _ in 0..3 {
        app.state.svc.sender().deliver_due().await.unwrap();
    }
    assert_eq!(twilio.received_requests().await.unwrap().len(), 3);
    assert_eq!(
        statuses(&app, ids.clone()).await,
        vec![khaacho::messaging::outbox::Status::Sent; 3]
    );
    let mark = app
        .state
        .svc
        .store_for_tests()
        .read(|tx| khaacho::storage::meta_get(tx, khaacho::messaging::queue::WATERMARK))
        .await
        .unwrap();
    assert!(
        mark >= ids.last().copied(),
        "watermark {mark:?} past {ids:?}"
    );
}

async fn sim(app: &TestApp, token: &str, from: &str, body: &str) -> Vec<Value> {
    app.simulate(token, from, body).await
}

/// The amount an "NPR 1,234.50" at the start of `text` names, in paisa.
fn paisa(text: &str) -> i64 {
    let rupees: String = text
        .trim_start()
        .trim_start_matches("NPR ")
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .filter(|c| *c != ',')
        .collect();
    khaacho::types::money::Money::parse_rupees(rupees.trim_end_matches('.'))
        .unwrap_or_else(|| panic!("no amount in {text:?}"))
        .paisa()
}

/// STATUS names every state of an order in the shop's language: in Nepali, no API code.
#[test]
fn every_order_state_has_nepali_words() {
    use khaacho::messaging::texts::status;
    use khaacho::types::{language::Language, money::Money};
    for state in khaacho::orders::state::ALL_STATES {
        let ne = status(
            Language::Ne,
            "ORD1",
            state.as_str(),
            "V",
            Money::from_paisa(1),
        );
        assert!(!ne.contains(state.as_str()), "{ne}");
    }
}

fn text_to(replies: &[Value], to: &str) -> String {
    replies
        .iter()
        .filter(|r| r["to"] == to)
        .map(|r| r["body"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_retailer_conversation_answers_every_command() {
    let app = spawn_with(Options::default()).await;
    let admin = app.admin_token().await;
    let r = sim(
        &app,
        &admin,
        RETAILER,
        "Namaste sahuji, chamal 25 kg, tel 2 botal",
    )
    .await;
    let preview = text_to(&r, RETAILER);
    assert!(
        preview.contains("Mansuli Rice 25 kg × 1") && preview.contains("did you mean 1)"),
        "{preview}"
    );
    let r = sim(&app, &admin, RETAILER, "CONFIRM").await;
    assert!(
        text_to(&r, RETAILER).contains("answer the question"),
        "CONFIRM while a line waits asks again"
    );
    assert!(orders(&app).await.is_empty());
    let r = sim(&app, &admin, RETAILER, "2").await;
    assert!(
        text_to(&r, RETAILER).contains("Mustard Oil 1 l × 2"),
        "{r:?}"
    );
    let r = sim(&app, &admin, RETAILER, "remove oil").await;
    assert!(!text_to(&r, RETAILER).contains("Mustard"), "{r:?}");
    let r = sim(&app, &admin, RETAILER, "sugar 1 kg 3").await;
    let preview = text_to(&r, RETAILER);
    assert!(preview.contains("Sugar 1 kg × 3"));
    // A line reads as the shop checks it: packs × unit price = the line's amount, before VAT;
    // the lines add up to the subtotal, and VAT is added once, in the totals line.
    let line = preview
        .lines()
        .find(|l| l.contains("Sugar 1 kg × 3 @ "))
        .unwrap_or_else(|| panic!("{preview}"));
    let (unit, amount) = line
        .split_once(" @ ")
        .and_then(|(_, rest)| rest.split_once(" = "))
        .unwrap();
    assert_eq!(paisa(amount), 3 * paisa(unit), "{line}");
    lines_add_up_to(&preview, "Subtotal ");
    let r = sim(&app, &admin, RETAILER, "kati ho chamal ko rate?").await;
    assert!(
        !text_to(&r, RETAILER).contains("Order placed"),
        "a question is not a yes"
    );
    let r = sim(&app, &admin, RETAILER, "ho").await;
    let placed = text_to(&r, RETAILER);
    assert!(placed.contains("Order placed: ORD"), "{placed}");
    assert!(
        r.iter()
            .any(|m| m["to"] != RETAILER && m["body"].as_str().unwrap().contains("New order")),
        "the vendor is told"
    );
    let number = placed
        .split_whitespace()
        .find(|w| w.starts_with("ORD"))
        .unwrap()
        .trim_end_matches(['.', ','])
        .to_string();

    assert!(text_to(&sim(&app, &admin, RETAILER, "STATUS").await, RETAILER).contains(&number));
    assert!(
        text_to(&sim(&app, &admin, RETAILER, "baaki").await, RETAILER).contains("Credit available")
    );
    assert!(text_to(&sim(&app, &admin, RETAILER, "help").await, RETAILER).contains("STATUS"));
    assert!(
        text_to(&sim(&app, &admin, RETAILER, "REORDER").await, RETAILER)
            .contains("Mansuli Rice 25 kg × 1")
    );
    assert!(text_to(&sim(&app, &admin, RETAILER, "CANCEL").await, RETAILER).contains("Dropped"));
    let r = sim(&app, &admin, RETAILER, "RICE-1KG x 1").await;
    assert!(text_to(&r, RETAILER).contains("Mansuli Rice 1 kg × 1"));
    app.clock.advance(Duration::minutes(11));
    let admin = app.admin_token().await;
    assert!(text_to(&sim(&app, &admin, RETAILER, "CONFIRM").await, RETAILER).contains("expired"));
    assert_eq!(orders(&app).await.len(), 1);

    // Nepali in, Nepali out; the subtotal is उप-जम्मा, as on the console (जम्मा is a total).
    let r = sim(&app, &admin, RETAILER, "चिनी ५ किलो").await;
    let preview = text_to(&r, RETAILER);
    assert!(preview.contains("तपाईंको अर्डर"), "{r:?}");
    lines_add_up_to(&preview, "उप-जम्मा ");
}

/// The preview's line amounts add up to the subtotal its totals line names after `label`.
fn lines_add_up_to(preview: &str, label: &str) {
    let subtotal = preview
        .split(label)
        .nth(1)
        .unwrap_or_else(|| panic!("no {label:?} in {preview}"));
    let lines: i64 = preview
        .lines()
        .filter_map(|l| {
            l.split_once(" @ ")
                .and_then(|(_, rest)| rest.split_once(" = "))
        })
        .map(|(_, amount)| paisa(amount))
        .sum();
    assert!(lines > 0, "{preview}");
    assert_eq!(lines, paisa(subtotal), "{preview}");
}

#[tokio::test]
async fn vendors_accept_reject_deliver_and_update_stock_and_price_by_whatsapp() {
    let app = spawn_with(Options::default()).await;
    let admin = app.admin_token().await;
    sim(&app, &admin, RETAILER, "SUGAR-1KG x 2").await;
    sim(&app, &admin, RETAILER, "CONFIRM").await;
    let o = orders(&app).await[0].clone();
    let first = format!("+977980100000{}", o["vendor_id"]);
    let r = sim(
        &app,
        &admin,
        &first,
        &format!("REJECT {} out of stock", o["number"].as_str().unwrap()),
    )
    .await;
    assert!(text_to(&r, &first).contains("is now PLACED"), "{r:?}");
    let o = orders(&app).await[0].clone();
    let second = format!("+977980100000{}", o["vendor_id"]);
    assert_ne!(
        first, second,
        "a rejection moves the order to the next vendor at once"
    );
    assert!(
        r.iter().any(|m| m["to"] == second.as_str()),
        "and tells that vendor: {r:?}"
    );
    for (cmd, state) in [
        ("ACCEPT", "ACCEPTED"),
        ("PACKING", "PACKING"),
        ("DISPATCHED", "DISPATCHED"),
        ("DELIVERED", "DELIVERED"),
    ] {
        let r = sim(&app, &admin, &second, cmd).await;
        assert!(text_to(&r, &second).contains(state), "{cmd}: {r:?}");
    }
    let r = sim(&app, &admin, RETAILER, "RECEIVED").await;
    assert!(text_to(&r, RETAILER).contains("complete"), "{r:?}");
    let r = sim(&app, &admin, &second, "STOCK SUGAR-1KG 777").await;
    assert!(text_to(&r, &second).contains("777"));
    let r = sim(&app, &admin, &second, "PRICE SUGAR-1KG 999").await;
    assert!(
        text_to(&r, &second).contains("MRP"),
        "above the MRP is refused: {r:?}"
    );
    let r = sim(&app, &admin, &second, "PRICE SUGAR-1KG 110.50").await;
    assert!(text_to(&r, &second).contains("110.50"));
    let (_, ls) = app
        .get(
            &format!(
                "/api/v1/listings?vendor_id={}&product_id=24",
                o["vendor_id"]
            ),
            &admin,
        )
        .await;
    assert_eq!(
        (
            ls["items"][0]["stock"].as_i64(),
            ls["items"][0]["price_paisa"].as_i64()
        ),
        (Some(777), Some(11050))
    );
}

#[tokio::test]
async fn strangers_become_leads_and_blocked_shops_are_told_why() {
    let app = spawn_with(Options::default()).await;
    let admin = app.admin_token().await;
    let r = sim(&app, &admin, "+9779819999999", "I want to order rice").await;
    assert!(text_to(&r, "+9779819999999").contains("not registered"));
    let (_, leads) = app.get("/api/v1/alerts?kind=lead", &admin).await;
    assert_eq!(leads["items"].as_array().unwrap().len(), 1);
    let (s, _) = app
        .call(
            reqwest::Method::PATCH,
            "/api/v1/retailers/2",
            Some(&admin),
            Some(json!({"blocked": true, "reason": "cheque bounced"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    sim(&app, &admin, RETAILER, "RICE-1KG x 1").await;
    let r = sim(&app, &admin, RETAILER, "CONFIRM").await;
    let text = text_to(&r, RETAILER);
    assert!(text.contains("blocked") && text.contains("eSewa"), "{text}");
}

#[tokio::test]
async fn a_flood_from_one_number_is_throttled_without_slowing_others() {
    let app = spawn_with(Options::default()).await;
    let admin = app.admin_token().await;
    for _ in 0..30 {
        sim(&app, &admin, RETAILER, "help").await;
    }
    let (s, e) = app
        .post(
            "/api/v1/simulator/messages",
            &admin,
            json!({"from": RETAILER, "body": "help"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&e)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(
        !sim(&app, &admin, "+9779802000003", "help").await.is_empty(),
        "another number is not affected"
    );
    app.clock.advance(Duration::minutes(1));
    let admin = app.admin_token().await;
    assert!(
        !sim(&app, &admin, RETAILER, "help").await.is_empty(),
        "and the window passes"
    );
}

#[tokio::test]
async fn a_throttled_webhook_delivered_again_gets_the_same_empty_answer() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    let app = with_providers(&twilio, &meta).await;
    let mut last = (StatusCode::OK, String::new());
    for n in 0..40 {
        last = twilio_in(&app, &format!("SMflood{n}"), RETAILER, "help").await;
    }
    assert_eq!(last.0, StatusCode::OK);
    assert!(
        !last.1.contains("<Message>"),
        "a flood is not answered: {}",
        last.1
    );
    let again = twilio_in(&app, "SMflood39", RETAILER, "help").await;
    assert_eq!(
        again, last,
        "Twilio's redelivery gets exactly the first answer"
    );
}

#[tokio::test]
async fn oversized_and_non_utf8_webhook_bodies_get_clear_errors() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    let app = with_providers(&twilio, &meta).await;
    let big = format!(
        "MessageSid=SMbig&From=whatsapp%3A%2B9779802000002&Body={}",
        "a".repeat(70 * 1024)
    );
    let res = app
        .http
        .post(app.url("/webhooks/twilio"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let bad = b"MessageSid=SMx&Body=\xff\xfe".to_vec();
    let res = app
        .http
        .post(app.url("/webhooks/twilio"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(error_code(&body).starts_with("webhook_"), "{body}");
}

#[tokio::test]
async fn the_background_sender_delivers_without_being_asked() {
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    twilio_mock(&twilio, 201).await;
    let (t, m) = (twilio.uri(), meta.uri());
    let tweak = Box::new(move |c: &mut khaacho::config::Config| {
        let w = &mut c.whatsapp;
        w.public_url = PUBLIC.into();
        w.twilio.account_sid = SID.into();
        w.twilio.auth_token = khaacho::types::Secret::new(TOKEN);
        w.twilio.from = "whatsapp:+14155238886".into();
        w.twilio.api_base = t;
        w.twilio
            .templates
            .insert("order_new_vendor".into(), "HXneworder".into());
        w.meta.api_base = m;
    });
    let app = spawn_with(Options {
        tweak,
        background: true,
        ..Options::default()
    })
    .await;
    twilio_in(&app, "SMb1", RETAILER, "RICE-1KG x 1").await;
    twilio_in(&app, "SMb2", RETAILER, "yes").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while twilio.received_requests().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sender never sent the vendor's message"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        form(&twilio.received_requests().await.unwrap()[0])["ContentSid"],
        "HXneworder"
    );
}

/// Queues `n` messages of `kind` to a shop that never wrote, dated at the test clock's start.
/// Through a provider, a kind with no template is given up at once (outside the 24-hour
/// window), raising an alert.
async fn queue(app: &TestApp, n: usize, kind: &'static str) -> Vec<u64> {
    let to = khaacho::types::Msisdn::parse(RETAILER).unwrap();
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 26, 4, 0, 0).unwrap();
    app.state
        .svc
        .store_for_tests()
        .write(move |tx| {
            (0..n)
                .map(|i| {
                    let body = format!("message {i}");
                    khaacho::messaging::outbox::enqueue(tx, &to, kind, body, None, at)
                })
                .collect::<Result<Vec<u64>, _>>()
        })
        .await
        .unwrap()
}

async fn statuses(app: &TestApp, ids: Vec<u64>) -> Vec<khaacho::messaging::outbox::Status> {
    app.state
        .svc
        .store_for_tests()
        .read(move |tx| {
            ids.iter()
                .map(|&id| Ok(khaacho::messaging::outbox::get(tx, id)?.unwrap().status))
                .collect::<Result<Vec<_>, khaacho::storage::StoreError>>()
        })
        .await
        .unwrap()
}

fn writes(app: &TestApp) -> u64 {
    app.state
        .svc
        .store_stats()
        .jobs
        .load(std::sync::atomic::Ordering::Relaxed)
}

#[tokio::test]
async fn simulator_deliveries_are_recorded_in_one_write_and_provider_sends_one_by_one() {
    use khaacho::messaging::outbox::Status;
    // No provider configured: the simulator delivers, and nothing leaves the box.
    let app = spawn_with(Options::default()).await;
    let ids = queue(&app, 12, "order_new_vendor").await;
    let before = writes(&app);
    assert_eq!(app.state.svc.sender().deliver_due().await.unwrap(), 12);
    assert_eq!(writes(&app) - before, 1, "a pass of 12 is recorded at once");
    assert_eq!(statuses(&app, ids.clone()).await, vec![Status::Sent; 12]);
    // The logged rows stay as written; what became of them is kept beside them.
    let (logged, states) = app
        .state
        .svc
        .store_for_tests()
        .read(move |tx| {
            use khaacho::storage::{TableRead, Tx, tables};
            let (messages, states) = (tx.open(tables::MESSAGES)?, tx.open(tables::MESSAGE_STATES)?);
            let mut logged = Vec::new();
            for id in &ids {
                logged.push(messages.get(*id)?.unwrap().status);
            }
            Ok::<_, khaacho::storage::StoreError>((logged, states.len()?))
        })
        .await
        .unwrap();
    assert_eq!(logged, vec![Status::Pending; 12]);
    assert_eq!(states, 12);

    // Through Twilio each send is recorded before the next goes, so a crash in between
    // sends at most one message twice.
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    twilio_mock(&twilio, 201).await;
    let app = with_providers(&twilio, &meta).await;
    let ids = queue(&app, 3, "order_new_vendor").await;
    let before = writes(&app);
    assert_eq!(app.state.svc.sender().deliver_due().await.unwrap(), 3);
    assert_eq!(writes(&app) - before, 3);
    assert_eq!(twilio.received_requests().await.unwrap().len(), 3);
    assert_eq!(statuses(&app, ids).await, vec![Status::Sent; 3]);
}

#[tokio::test]
async fn an_outcome_that_cannot_be_recorded_holds_back_no_other() {
    use khaacho::messaging::outbox::Status;
    let (twilio, meta) = (MockServer::start().await, MockServer::start().await);
    twilio_mock(&twilio, 201).await;
    let app = with_providers(&twilio, &meta).await;
    let ids = queue(&app, 3, "help").await;
    // The second message's alert cannot be raised: the open-alert index points at nothing.
    let key = format!("delivery|message:{}", ids[1]);
    app.state
        .svc
        .store_for_tests()
        .write(move |tx| {
            tx.open(khaacho::storage::tables::OPEN_ALERTS)?
                .put(key.as_str(), &999_999u64)
        })
        .await
        .unwrap();
    assert_eq!(app.state.svc.sender().deliver_due().await.unwrap(), 3);
    assert_eq!(
        statuses(&app, ids).await,
        vec![Status::Dead, Status::Pending, Status::Dead],
        "the others are recorded; the one that failed stays due"
    );
    assert!(twilio.received_requests().await.unwrap().is_empty());
}
