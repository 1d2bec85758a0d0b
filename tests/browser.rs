//! The console in a real browser: the release or debug binary as `cargo` built it, on a fresh
//! data directory with a simulated history, driven through Chromium by WebDriver.
//!
//! Behind the `browser` feature (`cargo test --features browser --test browser`): it needs
//! Debian's `chromium` and `chromium-driver`. Screenshots land in
//! `target/tmp/browser-screenshots/`.
#![cfg(feature = "browser")]

#[path = "browser/webdriver.rs"]
mod webdriver;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use webdriver::{Browser, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_khaacho");
const ADMIN_PHONE: &str = "+9779800000077";
const PASSWORD: &str = "a browser test password";
/// axe-core, vendored for the tests only (never served to users).
const AXE: &str = include_str!("browser/axe.min.js");

/// The server on a fresh data directory holding 60 simulated days and one admin.
struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("state");
        let run = |args: &[&str], stdin: Option<&str>| {
            let mut child = Command::new(BIN)
                .arg("--data-dir")
                .arg(&data)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            if let Some(text) = stdin {
                writeln!(child.stdin.take().unwrap(), "{text}").unwrap();
            }
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(
            &[
                "create-user",
                "--role",
                "admin",
                "--phone",
                ADMIN_PHONE,
                "--name",
                "Browser Admin",
            ],
            Some(PASSWORD),
        );
        run(
            &[
                "simulate",
                "--days",
                "60",
                "--seed",
                "3",
                "--retailers",
                "30",
                "--orders-per-day",
                "40",
            ],
            None,
        );
        let port = free_port();
        let child = Command::new(BIN)
            .arg("--data-dir")
            .arg(&data)
            .arg("serve")
            .env("KHAACHO_LISTEN", format!("127.0.0.1:{port}"))
            .env("KHAACHO_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !reqwest::get(format!("{url}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Server {
            child,
            url,
            _dir: dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// axe-core's serious and critical violations on the page as it is now.
async fn accessibility_faults(b: &Browser) -> Vec<Value> {
    b.exec(AXE, vec![]).await;
    let found = b
        .exec_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }))))
               .catch((e) => done([{ id: 'axe failed', help: String(e) }]));",
            vec![],
        )
        .await;
    found.as_array().cloned().unwrap_or_default()
}

async fn login(b: &Browser, url: &str) {
    b.goto(&format!("{url}/")).await;
    b.wait_for("document.querySelector('input[name=phone]')")
        .await;
    let faults = accessibility_faults(b).await;
    assert!(faults.is_empty(), "login page: {faults:#?}");
    b.type_into("input[name=phone]", ADMIN_PHONE).await;
    b.type_into("input[name=password]", PASSWORD).await;
    b.click("form button[type=submit]").await;
    b.wait_for("document.querySelector('nav') && location.hash !== '#/login'")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_real_browser() {
    let server = Server::start().await;
    let b = Browser::start(1280, 900).await;
    login(&b, &server.url).await;

    // The dashboard draws its charts from the analytics endpoints, with the bundled font.
    b.wait_for("document.querySelectorAll('.chart canvas').length >= 2")
        .await;
    b.wait_for("document.querySelectorAll('.hbar-row').length >= 4")
        .await;
    let sales = b.text("main").await;
    assert!(sales.contains("GMV") && sales.contains("रु"), "{sales}");
    b.screenshot("dashboard").await;
    let font = b
        .exec_async(
            "const done = arguments[arguments.length - 1];
             document.fonts.load('16px \"Khaacho Devanagari\"', 'रु नमस्ते').then((faces) =>
               done({ loaded: faces.length, check: document.fonts.check('16px \"Khaacho Devanagari\"', 'रु नमस्ते') }));",
            vec![],
        )
        .await;
    assert_eq!(
        font,
        json!({"loaded": 1, "check": true}),
        "the bundled Devanagari face draws रु"
    );

    // A recommendation from the simulated history, dismissed from the dashboard.
    b.wait_for("[...document.querySelectorAll('section.card h2')].some((h) => h.textContent === 'Recommendations') && document.querySelector('.row-actions')").await;
    let reason = b
        .exec(
            "return document.querySelector('.row-actions').closest('tr').children[1].innerText",
            vec![],
        )
        .await;
    let reason = reason.as_str().expect("a reason").to_string();
    b.click(".row-actions button.secondary").await;
    b.wait_for(&format!(
        "document.querySelector('.toast') && document.querySelector('.row-actions') !== null && ![...document.querySelectorAll('.row-actions')].some((a) => a.closest('tr').children[1].innerText === {})",
        json!(reason)
    ))
    .await;
    // Dismissed for good: the API no longer lists it as open.
    let open = b
        .exec_async(
            "const done = arguments[arguments.length - 1];
             const s = JSON.parse(sessionStorage.getItem('khaacho.session'));
             fetch('/api/v1/recommendations?limit=1000', { headers: { authorization: `Bearer ${s.access_token}` } })
               .then((r) => r.json()).then((p) => done(p.items.map((r) => r.reason)));",
            vec![],
        )
        .await;
    assert!(
        !open.as_array().unwrap().contains(&json!(reason)),
        "{reason} still open"
    );

    for (page, name) in [
        ("#/", "dashboard"),
        ("#/orders", "orders"),
        ("#/retailers", "retailers"),
        ("#/payments", "payments"),
        ("#/alerts", "alerts"),
        ("#/whatsapp", "whatsapp"),
        ("#/products", "products"),
    ] {
        b.goto(&format!("{}/{page}", server.url)).await;
        b.wait_for("document.querySelector('main h1') && !document.querySelector('.loading')")
            .await;
        b.screenshot(name).await;
        let faults = accessibility_faults(&b).await;
        assert!(faults.is_empty(), "{page}: {faults:#?}");
    }

    // A new shop (no simulated debts) orders on WhatsApp through the simulator; the order is
    // then found in Orders.
    let created = b
        .exec_async(
            "const done = arguments[arguments.length - 1];
             const s = JSON.parse(sessionStorage.getItem('khaacho.session'));
             fetch('/api/v1/retailers', { method: 'POST',
               headers: { authorization: `Bearer ${s.access_token}`, 'content-type': 'application/json' },
               body: JSON.stringify({ name: 'Browser Kirana', owner_name: 'Sita Rai', phone: '+9779802099001',
                 district: 'Kathmandu', province: 'Bagmati', credit_limit_paisa: 10000000, language: 'en' }) })
               .then((r) => done(r.status));",
            vec![],
        )
        .await;
    assert_eq!(created, json!(201));
    b.goto(&format!("{}/#/whatsapp?phone=%2B9779802099001", server.url))
        .await;
    b.wait_for("document.querySelector('form.composer textarea')")
        .await;
    b.type_into("form.composer textarea", "chamal 25 kg 2 bora")
        .await;
    b.click("form.composer button[type=submit]").await;
    b.wait_for("document.querySelector('.chat-log').innerText.includes('CONFIRM')")
        .await;
    b.type_into("form.composer textarea", "CONFIRM").await;
    b.click("form.composer button[type=submit]").await;
    b.wait_for("/ORD\\d+/.test(document.querySelector('.chat-log').innerText)")
        .await;
    let chat = b.text(".chat-log").await;
    let number = chat
        .split(|c: char| !c.is_ascii_alphanumeric())
        .rev()
        .find(|w| w.starts_with("ORD") && w.len() > 3)
        .expect("an order number in the reply")
        .to_string();
    b.screenshot("simulator").await;
    b.goto(&format!("{}/#/orders", server.url)).await;
    b.wait_for(&format!(
        "document.querySelector('main').innerText.includes('{number}')"
    ))
    .await;

    // Nepali: the toggle stores the language on the user and the console reloads in it.
    b.click(".lang-toggle").await;
    b.wait_for("document.documentElement.lang === 'ne' && document.querySelector('nav') && document.querySelector('nav').innerText.includes('अर्डरहरू')").await;
    b.goto(&format!("{}/#/", server.url)).await;
    b.wait_for("document.querySelectorAll('.chart canvas').length >= 2")
        .await;
    let heading = b.text("main h1").await;
    assert_eq!(heading, "ड्यासबोर्ड");
    b.screenshot("dashboard-ne").await;
    let faults = accessibility_faults(&b).await;
    assert!(faults.is_empty(), "Nepali dashboard: {faults:#?}");
    let me = b
        .exec_async(
            "const done = arguments[arguments.length - 1];
             const s = JSON.parse(sessionStorage.getItem('khaacho.session'));
             fetch('/api/v1/auth/me', { headers: { authorization: `Bearer ${s.access_token}` } })
               .then((r) => r.json()).then((me) => done(me.language));",
            vec![],
        )
        .await;
    assert_eq!(me, json!("ne"), "remembered on the user");
    b.click(".lang-toggle").await;
    b.wait_for("document.documentElement.lang === 'en' && document.querySelector('nav') && document.querySelector('nav').innerText.includes('Orders')").await;
    b.close().await;
}
