//! The long-run property harness: arbitrary bytes and structured garbage fed to the message
//! parser, the preview, and both webhook handlers (through the real router, signed so the
//! payload is read, and unsigned), counting panics and server errors. Outside CI.
//!
//!   CASES=100000 SEED=1 cargo bench --bench garbage      (one run; a million = ten seeds)
//!
//! Prints one JSON object: cases per target, panics, 5xx answers, seconds. The database is on
//! /dev/shm when there is one (the webhooks write; their durability is not what is measured)
//! and is removed at the end.

use std::panic::catch_unwind;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use khaacho::app::{App, AppOptions};
use khaacho::auth::Principal;
use khaacho::config::Config;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tower::ServiceExt;

/// The same allocator as the server binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PUBLIC: &str = "https://garbage.khaacho.test";
const TWILIO_TOKEN: &str = "garbage-twilio-token";
const META_SECRET: &str = "garbage-meta-secret";

/// Pieces shopkeepers' messages are made of, and pieces nobody's are.
const PIECES: &[&str] = &[
    "chamal",
    "chini",
    "tel",
    "wai wai",
    "bora",
    "carton",
    "peti",
    "dzn",
    "darjan",
    "kg",
    "ltr",
    "gm",
    "ml",
    "pcs",
    "ota",
    "wata",
    "x",
    "×",
    "@",
    "rs",
    "ko",
    "ra",
    "and",
    "2",
    "25",
    "0",
    "-1",
    "1/2",
    "2.5",
    "1e9",
    "99999999999999999999",
    "०",
    "५",
    "२५",
    "चिनी",
    "चामल",
    "बोरा",
    "किलो",
    "पाउ",
    "धार्नी",
    "\n",
    "\r\n",
    "\t",
    " ",
    ",",
    ";",
    ":",
    "-",
    "(",
    ")",
    "🙏",
    "😀",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "\0",
    "\u{7f}",
    "CONFIRM",
    "CANCEL",
    "हो",
    "1",
    "3",
    "REORDER",
    "STATUS",
    "ORD2611260001",
    "ISSUE",
    "ACCEPT",
    "STOCK",
    "PRICE",
    "RICE-1KG",
    "aayo",
    "nun",
    "anda",
    "tray",
    "dozen",
    "half",
    "aadha",
    "sava",
    "dedh",
    "pau",
    "dharni",
];

fn structured(rng: &mut StdRng) -> String {
    let n = rng.random_range(0..40);
    (0..n)
        .map(|_| PIECES[rng.random_range(0..PIECES.len())])
        .collect::<Vec<_>>()
        .join(if rng.random_bool(0.5) { " " } else { "" })
}

fn bytes(rng: &mut StdRng) -> Vec<u8> {
    let n = rng.random_range(0..600);
    (0..n).map(|_| rng.random::<u8>()).collect()
}

fn text(rng: &mut StdRng) -> String {
    if rng.random_bool(0.5) {
        structured(rng)
    } else {
        String::from_utf8_lossy(&bytes(rng)).into_owned()
    }
}

fn twilio_signature(path: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = format!("{PUBLIC}{path}");
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TWILIO_TOKEN.as_bytes()).expect("key");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn meta_signature(body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(META_SECRET.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn phone(rng: &mut StdRng) -> String {
    match rng.random_range(0..4) {
        0 => format!("whatsapp:+97798020000{:02}", rng.random_range(1..16)),
        1 => format!("whatsapp:+97798010000{:02}", rng.random_range(1..9)),
        2 => format!("+{}", rng.random_range(1_000_000u64..999_999_999_999_999)),
        _ => text(rng),
    }
}

fn twilio_request(rng: &mut StdRng) -> Request<Body> {
    let params: Vec<(String, String)> = vec![
        (
            "MessageSid".into(),
            format!("SM{:032x}", rng.random::<u128>()),
        ),
        ("From".into(), phone(rng)),
        ("To".into(), "whatsapp:+14155238886".into()),
        ("Body".into(), text(rng)),
        ("AccountSid".into(), "ACgarbage".into()),
    ];
    let signed = rng.random_bool(0.8);
    let body = if rng.random_bool(0.9) {
        serde_urlencoded::to_string(&params)
            .unwrap_or_default()
            .into_bytes()
    } else {
        bytes(rng)
    };
    let mut req = Request::post("/webhooks/twilio")
        .header("content-type", "application/x-www-form-urlencoded");
    if signed {
        req = req.header(
            "x-twilio-signature",
            twilio_signature("/webhooks/twilio", &params),
        );
    }
    req.body(Body::from(body)).expect("request")
}

fn meta_value(rng: &mut StdRng, depth: u32) -> serde_json::Value {
    use serde_json::{Value, json};
    match (depth, rng.random_range(0..9)) {
        (0, _) | (_, 0) => Value::String(text(rng)),
        (_, 1) => json!(rng.random::<i64>()),
        (_, 2) => Value::Null,
        (_, 3) => json!(rng.random::<bool>()),
        (_, 4) => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| meta_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "object",
                "entry",
                "changes",
                "value",
                "messages",
                "from",
                "id",
                "text",
                "body",
                "type",
                "statuses",
                "status",
                "timestamp",
                "errors",
            ];
            Value::Object(
                (0..rng.random_range(0..5))
                    .map(|_| {
                        (
                            keys[rng.random_range(0..keys.len())].to_string(),
                            meta_value(rng, depth - 1),
                        )
                    })
                    .collect(),
            )
        }
    }
}

fn meta_request(rng: &mut StdRng) -> Request<Body> {
    use serde_json::json;
    let body = match rng.random_range(0..3) {
        0 => bytes(rng),
        1 => meta_value(rng, 6).to_string().into_bytes(),
        _ => json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
            "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1234567890"},
            "messages": [{"from": phone(rng).trim_start_matches("whatsapp:+"), "id": format!("wamid.{}", rng.random::<u64>()),
                          "timestamp": "1795670000", "type": "text", "text": {"body": text(rng)}}]}}]}]})
            .to_string()
            .into_bytes(),
    };
    let mut req = Request::post("/webhooks/meta").header("content-type", "application/json");
    if rng.random_bool(0.8) {
        req = req.header("x-hub-signature-256", meta_signature(&body));
    }
    req.body(Body::from(body)).expect("request")
}

#[derive(Default, serde::Serialize)]
struct Count {
    cases: u64,
    panics: u64,
    server_errors: u64,
}

#[tokio::main]
async fn main() {
    let cases: u64 = std::env::var("CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10_000);
    let seed: u64 = std::env::var("SEED")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    let base = std::path::Path::new("/dev/shm");
    let dir = if base.is_dir() {
        tempfile::tempdir_in(base)
    } else {
        tempfile::tempdir()
    }
    .expect("temp dir");
    let mut cfg = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    cfg.log.file = false;
    cfg.log.level = "off".into();
    let w = &mut cfg.whatsapp;
    w.public_url = PUBLIC.into();
    w.twilio.account_sid = "ACgarbage".into();
    w.twilio.auth_token = khaacho::types::Secret::new(TWILIO_TOKEN);
    w.twilio.from = "+14155238886".into();
    w.meta.phone_number_id = "1234567890".into();
    w.meta.access_token = khaacho::types::Secret::new("garbage-access");
    w.meta.app_secret = khaacho::types::Secret::new(META_SECRET);
    w.meta.verify_token = khaacho::types::Secret::new("garbage-verify");
    // Every message is read, none throttled.
    w.messages_per_minute = 10_000;
    let app = App::build(
        cfg,
        AppOptions {
            background: false,
            ..AppOptions::default()
        },
    )
    .await
    .expect("app");
    let state = app.state().clone();
    let router = khaacho::web::router(state.clone());
    let svc = state.svc.clone();
    let owner = Principal::owner();
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut parser, mut preview, mut twilio, mut meta) = (
        Count::default(),
        Count::default(),
        Count::default(),
        Count::default(),
    );
    let started = Instant::now();
    for i in 0..cases {
        match i % 10 {
            0..=3 => {
                let t = text(&mut rng);
                parser.cases += 1;
                if catch_unwind(|| khaacho::parsing::parse_message(&t)).is_err() {
                    parser.panics += 1;
                }
            }
            4..=6 => {
                let t = text(&mut rng);
                preview.cases += 1;
                let shop = rng.random_range(1..16);
                let (svc, owner) = (svc.clone(), owner.clone());
                // A panic inside the spawned task comes back as a join error.
                match tokio::spawn(async move { svc.preview(&owner, shop, t).await }).await {
                    Err(_) => preview.panics += 1,
                    Ok(Err(khaacho::catalog::CatalogError::Store(e))) => {
                        eprintln!("preview store error: {e}");
                        preview.server_errors += 1;
                    }
                    Ok(_) => {}
                }
            }
            7..=8 => {
                twilio.cases += 1;
                let res = router
                    .clone()
                    .oneshot(twilio_request(&mut rng))
                    .await
                    .expect("infallible");
                if res.status() == StatusCode::INTERNAL_SERVER_ERROR {
                    twilio.server_errors += 1;
                }
            }
            _ => {
                meta.cases += 1;
                let res = router
                    .clone()
                    .oneshot(meta_request(&mut rng))
                    .await
                    .expect("infallible");
                if res.status() == StatusCode::INTERNAL_SERVER_ERROR {
                    meta.server_errors += 1;
                }
            }
        }
    }
    let report = serde_json::json!({
        "cases": cases, "seed": seed, "seconds": started.elapsed().as_secs_f64().round(),
        "parser": parser, "preview": preview, "twilio_webhook": twilio, "meta_webhook": meta,
    });
    println!("{report}");
    drop(router);
    drop(svc);
    drop(state);
    drop(app);
    drop(dir);
    let failures = [&parser, &preview, &twilio, &meta]
        .iter()
        .map(|c| c.panics + c.server_errors)
        .sum::<u64>();
    std::process::exit(i32::from(failures > 0));
}
