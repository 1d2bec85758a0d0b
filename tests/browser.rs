//! The console in a real browser: the release or debug binary as `cargo` built it, on a fresh
//! data directory with a simulated history, driven through Chromium by WebDriver.
//!
//! They need Debian's `chromium` and `chromium-driver`, so `cargo test` lists them as ignored;
//! `cargo test --features browser --test browser` runs them, and so does
//! `cargo test --test browser -- --ignored`, which reuses the plain test build (CI's way).
//! Screenshots land in `target/tmp/browser-screenshots/`.

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
    login_as(b, url, ADMIN_PHONE, PASSWORD).await;
}

async fn login_as(b: &Browser, url: &str, phone: &str, password: &str) {
    b.goto(&format!("{url}/")).await;
    b.wait_for("document.querySelector('input[name=phone]')")
        .await;
    let faults = accessibility_faults(b).await;
    assert!(faults.is_empty(), "login page: {faults:#?}");
    b.type_into("input[name=phone]", phone).await;
    b.type_into("input[name=password]", password).await;
    b.click("form button[type=submit]").await;
    b.wait_for("document.querySelector('nav') && location.hash !== '#/login'")
        .await;
}

async fn logout(b: &Browser) {
    b.exec(
        "[...document.querySelectorAll('header button')].find((x) => x.textContent === 'Log out').click()",
        vec![],
    )
    .await;
    b.wait_for("document.querySelector('input[name=phone]')")
        .await;
}

/// Calls the API from the page with the logged-in user's token: (status, body).
async fn api(b: &Browser, method: &str, path: &str, body: Value) -> (u64, Value) {
    let answer = b
        .exec_async(
            "const [method, path, body, done] = arguments;
             const s = JSON.parse(sessionStorage.getItem('khaacho.session'));
             const init = { method, headers: { authorization: `Bearer ${s.access_token}` } };
             if (body !== null) { init.body = JSON.stringify(body); init.headers['content-type'] = 'application/json'; }
             fetch(path, init).then(async (r) => done([r.status, await r.text()]));",
            vec![json!(method), json!(path), body],
        )
        .await;
    let status = answer[0].as_u64().unwrap();
    let text = answer[1].as_str().unwrap_or_default();
    (status, serde_json::from_str(text).unwrap_or(Value::Null))
}

/// Clicks the first button whose text is `label`.
async fn press(b: &Browser, scope: &str, label: &str) {
    b.wait_for(&format!(
        "[...document.querySelectorAll({})].some((x) => x.textContent.trim() === {})",
        json!(format!("{scope} button")),
        json!(label)
    ))
    .await;
    let found = b
        .exec(
            "const [scope, label] = arguments;
             const button = [...document.querySelectorAll(`${scope} button`)].find((x) => x.textContent.trim() === label);
             if (button) button.click();
             return !!button;",
            vec![json!(scope), json!(label)],
        )
        .await;
    assert_eq!(found, json!(true), "no button {label:?} in {scope}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(feature = "browser"), ignore = "needs chromium")]
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
        ("#/products/3", "product-forecast"),
        ("#/inventory", "inventory"),
        ("#/prices", "prices"),
        ("#/recommendations", "recommendations"),
        ("#/retailers/3", "retailer"),
        ("#/vendors/1", "vendor"),
        ("#/system", "system"),
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
    let (status, shop) = api(
        &b,
        "POST",
        "/api/v1/retailers",
        json!({"name": "Browser Kirana", "owner_name": "Sita Rai", "phone": "+9779802099001",
               "district": "Kathmandu", "province": "Bagmati", "credit_limit_paisa": 10_000_000, "language": "en"}),
    )
    .await;
    assert_eq!(status, 201, "{shop}");
    let shop_id = shop["id"].as_u64().unwrap();
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

    // Staff paste the shop's message, get the same preview, and place the order.
    b.goto(&format!(
        "{}/#/orders/new?retailer_id={shop_id}",
        server.url
    ))
    .await;
    b.wait_for("document.querySelector('#order-message')").await;
    b.type_into("#order-message", "chamal 25 kg 2 bora").await;
    press(&b, "form.card.form", "Read message").await;
    b.wait_for(
        "[...document.querySelectorAll('input[name=sku]')].some((i) => i.value.trim() !== '')",
    )
    .await;
    b.screenshot("order-from-a-message").await;
    press(&b, "main", "Place order").await;
    b.wait_for("/^#\\/orders\\/\\d+$/.test(location.hash) && document.querySelector('main h1')")
        .await;
    let hash = b.exec("return location.hash", vec![]).await;
    let order_id: u64 = hash
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, order) = api(
        &b,
        "GET",
        &format!("/api/v1/orders/{order_id}"),
        Value::Null,
    )
    .await;
    assert_eq!(order["state"], "PLACED", "{order}");
    let vendor_id = order["vendor_id"].as_u64().expect("routed to a vendor");

    // The vendor logs in and accepts it.
    let (_, vendor) = api(
        &b,
        "GET",
        &format!("/api/v1/vendors/{vendor_id}"),
        Value::Null,
    )
    .await;
    let (status, body) = api(
        &b,
        "POST",
        "/api/v1/users",
        json!({"phone": vendor["phone"], "name": "Vendor login", "role": "vendor", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    logout(&b).await;
    login_as(&b, &server.url, vendor["phone"].as_str().unwrap(), PASSWORD).await;
    b.wait_for("document.querySelectorAll('.chart canvas').length >= 2")
        .await;
    b.screenshot("vendor-dashboard").await;
    let faults = accessibility_faults(&b).await;
    assert!(faults.is_empty(), "vendor dashboard: {faults:#?}");
    b.goto(&format!("{}/#/orders/{order_id}", server.url)).await;
    b.wait_for("document.querySelector('main h1')").await;
    press(&b, "main", "Accept").await;
    b.wait_for("document.querySelector('main').innerText.includes('ACCEPTED')")
        .await;
    logout(&b).await;

    // Back as the admin: a payment from the shop changes its credit, and the dashboard counts the
    // accepted order.
    login(&b, &server.url).await;
    b.goto(&format!("{}/#/retailers/{shop_id}", server.url))
        .await;
    b.wait_for("document.querySelector('.stat.big .stat-value')")
        .await;
    let available = b.text(".stat.big .stat-value").await;
    press(&b, ".page-head", "Record payment").await;
    b.wait_for("document.querySelector('dialog input[name=amount_paisa]')")
        .await;
    b.type_into("dialog input[name=amount_paisa]", "1500").await;
    b.type_into("dialog input[name=reference]", "BROWSER-1")
        .await;
    b.click("dialog button[type=submit]").await;
    b.wait_for(&format!(
        "!document.querySelector('dialog') && document.querySelector('.stat.big .stat-value') && document.querySelector('.stat.big .stat-value').innerText !== {}",
        json!(available)
    ))
    .await;
    b.screenshot("retailer-after-payment").await;
    b.goto(&format!("{}/#/", server.url)).await;
    b.wait_for("[...document.querySelectorAll('.state-count')].some((c) => c.innerText.includes('ACCEPTED') && !/\\b0$/.test(c.innerText.trim()))")
        .await;

    // The admin takes a backup on the System screen; it is listed and downloads whole.
    b.goto(&format!("{}/#/system", server.url)).await;
    press(&b, "main", "Take a backup").await;
    b.wait_for("document.querySelector('main code') && /khaacho-\\d{8}-\\d{6}\\.redb/.test(document.querySelector('main').innerText)")
        .await;
    let name = b
        .exec(
            "return document.querySelector('main td code').innerText",
            vec![],
        )
        .await;
    let bytes = b
        .exec_async(
            "const [name, done] = arguments;
             const s = JSON.parse(sessionStorage.getItem('khaacho.session'));
             fetch(`/api/v1/admin/backups/${name}`, { headers: { authorization: `Bearer ${s.access_token}` } })
               .then((r) => r.arrayBuffer()).then((b) => done(b.byteLength));",
            vec![name],
        )
        .await;
    assert!(bytes.as_u64().unwrap() > 100_000, "backup of {bytes} bytes");
    b.screenshot("system").await;

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

/// The console on a 360 px phone: nothing wider than the screen, and usable by keyboard alone
/// (the closed menu is out of the tab order; opened, it takes the focus).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(feature = "browser"), ignore = "needs chromium")]
async fn the_console_fits_a_phone_and_works_by_keyboard() {
    let server = Server::start().await;
    let b = Browser::start_phone(360, 740).await;
    login(&b, &server.url).await;
    for page in [
        "#/",
        "#/orders",
        "#/orders/new",
        "#/retailers/3",
        "#/products/3",
        "#/inventory",
        "#/whatsapp",
        "#/system",
    ] {
        b.goto(&format!("{}/{page}", server.url)).await;
        b.wait_for("document.querySelector('main h1') && !document.querySelector('.loading')")
            .await;
        let widths = b
            .exec(
                "return [document.documentElement.scrollWidth, window.innerWidth]",
                vec![],
            )
            .await;
        assert_eq!(
            widths[0], widths[1],
            "{page} is wider than the phone: {widths}"
        );
        b.screenshot(&format!("phone{}", page.replace(['#', '/'], "-")))
            .await;
    }
    b.goto(&format!("{}/#/", server.url)).await;
    b.wait_for("document.querySelector('main h1')").await;
    // From the page (where the focus starts after a render), Shift+Tab reaches the menu button.
    let mut on_menu = false;
    for _ in 0..6 {
        b.keys("\u{E008}\u{E004}\u{E000}").await;
        let focused = b
            .exec("return document.activeElement.className", vec![])
            .await;
        if focused.as_str().unwrap_or_default().contains("menu-btn") {
            on_menu = true;
            break;
        }
    }
    assert!(on_menu, "the menu button is reachable by keyboard");
    b.keys("\u{E007}").await;
    b.wait_for("document.body.classList.contains('nav-open') && document.activeElement.classList.contains('nav-link')")
        .await;
    b.keys("\u{E004}\u{E004}").await;
    let link = b
        .exec("return document.activeElement.getAttribute('href')", vec![])
        .await;
    assert_eq!(link, json!("#/orders/new"), "Tab walks the menu");
    b.keys("\u{E007}").await;
    b.wait_for("location.hash === '#/orders/new' && !document.body.classList.contains('nav-open')")
        .await;
    b.close().await;
}
