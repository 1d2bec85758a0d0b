//! Crash safety with the real binary: orders and payments from several clients, SIGKILL in
//! the middle of the load, restart, and then `khaacho check` passes, every acknowledged order
//! and payment is there, and nothing half-written is.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
    password: Option<String>,
}

/// Starts the binary; on a first start it prints the admin's one-time password after its address.
fn start(dir: &Path, first: bool) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_khaacho"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("KHAACHO_LOG", "warn")
        .env("KHAACHO_LOG_FILE", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base = None;
    let mut password = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(addr) = line.strip_prefix("listening on ") {
            base = Some(addr.to_string());
        }
        if let Some(pw) = line.trim().strip_prefix("password: ") {
            password = Some(pw.trim().to_string());
        }
        if base.is_some() && (!first || password.is_some()) {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    Server {
        child,
        base: base.expect("the server printed its address"),
        password,
    }
}

async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/health")).send().await
            && r.status() == StatusCode::OK
        {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not become healthy");
}

/// Logs the admin in. The printed first password must be changed at first login: it becomes
/// `<printed>-changed`, which later logins use.
async fn login(http: &reqwest::Client, base: &str, password: &str) -> String {
    let changed = format!("{password}-changed");
    for pw in [password, changed.as_str()] {
        let r: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"phone": "+9779800000000", "password": pw}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let Some(token) = r["access_token"].as_str() else {
            continue;
        };
        if r["password_change_required"] == true {
            let res = http
                .post(format!("{base}/api/v1/auth/password"))
                .bearer_auth(token)
                .json(&json!({"current_password": pw, "new_password": changed}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::NO_CONTENT);
        }
        return token.to_string();
    }
    panic!("the admin could not log in");
}

#[derive(Default)]
struct Acked {
    orders: std::sync::Mutex<Vec<(u64, String)>>,
    payments: std::sync::Mutex<Vec<(u64, String)>>,
}

async fn client(
    n: usize,
    http: reqwest::Client,
    base: String,
    token: String,
    acked: Arc<Acked>,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
) {
    let skus = ["RICE-1KG", "SUGAR-1KG", "DAL-MASOOR-1KG", "OIL-SOYA-1L"];
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let retailer = 1 + ((n * 7 + i) % 15);
        if i % 5 == 0 {
            let reference = format!("crash-{n}-{i}");
            let body = json!({"retailer_id": retailer, "amount_paisa": 1000 + i, "method": "cash", "reference": reference});
            match http
                .post(format!("{base}/api/v1/payments"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
            {
                Ok(r) if r.status() == StatusCode::CREATED => {
                    let v: Value = r.json().await.unwrap_or_default();
                    if let Some(id) = v["id"].as_u64() {
                        acked.payments.lock().unwrap().push((id, reference));
                    }
                }
                Ok(_) => {}
                Err(_) => return,
            }
            continue;
        }
        let body = json!({"retailer_id": retailer, "lines": [{"sku": skus[i % 4], "quantity": 1}, {"sku": skus[(i + 1) % 4], "quantity": 2}]});
        let req = http
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", format!("crash-{n}-{i}"))
            .json(&body);
        match req.send().await {
            Ok(r) if r.status() == StatusCode::CREATED => {
                let v: Value = r.json().await.unwrap_or_default();
                if let (Some(id), Some(num)) = (v["id"].as_u64(), v["number"].as_str()) {
                    acked.orders.lock().unwrap().push((id, num.to_string()));
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_mid_load_loses_no_acknowledged_order_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut server = start(dir.path(), true);
    wait_healthy(&http, &server.base).await;
    let password = server
        .password
        .clone()
        .expect("first start prints the admin password");
    let token = login(&http, &server.base, &password).await;
    for r in 1..=15 {
        let res = http
            .patch(format!("{}/api/v1/retailers/{r}", server.base))
            .bearer_auth(&token)
            .json(&json!({"credit_limit_paisa": 100_000_000_000i64, "reason": "crash test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }

    let (acked, stop, count) = (
        Arc::new(Acked::default()),
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let clients: Vec<_> = (0..6)
        .map(|n| {
            tokio::spawn(client(
                n,
                http.clone(),
                server.base.clone(),
                token.clone(),
                acked.clone(),
                stop.clone(),
                count.clone(),
            ))
        })
        .collect();
    // Kill once the load is well under way, while requests are in flight.
    let deadline = Instant::now() + Duration::from_secs(120);
    while count.load(Ordering::Relaxed) < 150 {
        assert!(Instant::now() < deadline, "the load never got going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }

    let out = Command::new(env!("CARGO_BIN_EXE_khaacho"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("check")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        out.status.success() && report["ok"] == true,
        "check after the crash: {report}"
    );

    let mut server = start(dir.path(), false);
    wait_healthy(&http, &server.base).await;
    let token = login(&http, &server.base, &password).await;
    let orders = acked.orders.lock().unwrap().clone();
    assert!(orders.len() >= 150, "{} acknowledged", orders.len());
    for (id, number) in &orders {
        let o: Value = http
            .get(format!("{}/api/v1/orders/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            o["number"].as_str(),
            Some(number.as_str()),
            "acknowledged order {id} survives"
        );
        assert_eq!(o["lines"].as_array().map(Vec::len), Some(2));
    }
    let payments = acked.payments.lock().unwrap().clone();
    let listed: Value = http
        .get(format!("{}/api/v1/payments?limit=1000", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refs: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["reference"].as_str())
        .collect();
    for (_, reference) in &payments {
        assert!(
            refs.contains(&reference.as_str()),
            "acknowledged payment {reference} survives"
        );
    }
    let resp = khaacho::app::control::call(dir.path(), &khaacho::app::ops::Request::Check)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.result["ok"], true, "{}", resp.result);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}
