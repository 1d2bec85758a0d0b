//! Webhook in → preview reply, end to end over loopback: signed Twilio webhooks carrying
//! order texts (parse, match, price, preview) at a fixed rate, latency measured per request.
//!
//!   cargo bench --bench webhook -- [RATE_PER_SEC] [SECONDS] [WARMUP_SECONDS]
//!   (defaults: 200 msg/s, 20 s, 2 s)
//!
//! Messages sent in the first WARMUP_SECONDS (the server's start-up work, new connections)
//! are sent at the same rate but left out of the figures; each second's p99 is printed too.
//! BENCH_IDLE_SECS=N leaves the server N seconds after it starts before the first message
//! (its start-up analytics catch-up then runs alone); BENCH_LOG sets the server's log filter
//! (stderr; e.g. `warn,webhook=info,khaacho::storage::writer=debug` for every group commit and a
//! "first message sent now" mark); BENCH_SLOW_MS=N prints each request slower than N ms (warm-up
//! included) with the time it was sent, in seconds from the first message.
//! The run starts with a `sync`, so the kernel's writeback of the just-linked binary does not
//! land in the middle of it.
//! The server is the real app (release build) on 127.0.0.1:0 with a fresh data directory and
//! the demo data; the per-number limit is lifted so 15 shops can send 200 messages a second.

use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{Hmac, Mac};
use khaacho::app::{App, AppOptions};
use khaacho::config::Config;

/// The same allocator as the server binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PUBLIC: &str = "https://bench.khaacho.test";
const TOKEN: &str = "bench-twilio-token";

const TEXTS: &[&str] = &[
    "chamal 25 kg, chini 5 kg ra tel 2 botal",
    "RICE-1KG x 10\nSUGAR-1KG x 5\nDAL-MASOOR-1KG x 2",
    "Namaste sahuji, 3 kg dal pathaunus hai",
    "चिनी ५ किलो र चामल १० किलो",
    "wai wai 2 carton, biskut 10 packet, suger 2",
];

fn sign(url: &str, params: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = params.iter().collect();
    sorted.sort_by_key(|(k, _)| *k);
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TOKEN.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rate: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(200);
    let secs: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20)
        .max(1);
    let warmup: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2);
    // Linux writes dirty pages back about 30 s after they were written. `cargo bench` has just
    // linked this binary (hundreds of MB), so without this the run's server would have its
    // fsyncs queue behind that writeback mid-run: one second of 90–190 ms (reproduced by
    // writing 800 MB just before a run). The disk starts the run with nothing else to write.
    let _ = std::process::Command::new("sync").status();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    cfg.log.file = false;
    cfg.log.level = std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into());
    let w = &mut cfg.whatsapp;
    w.public_url = PUBLIC.into();
    w.twilio.account_sid = "ACbench".into();
    w.twilio.auth_token = khaacho::types::Secret::new(TOKEN);
    w.twilio.from = "+14155238886".into();
    w.messages_per_minute = 1_000_000;
    let _log =
        khaacho::app::logging::init_tracing(&cfg.log, khaacho::app::logging::LogTarget::Command);
    let app = App::build(cfg, AppOptions::default())
        .await
        .expect("app builds");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run(std::future::pending()));
    if let Ok(s) = std::env::var("BENCH_IDLE_SECS") {
        tokio::time::sleep(Duration::from_secs(s.parse().unwrap_or(0))).await;
    }
    let http = reqwest::Client::new();
    let url = format!("{PUBLIC}/webhooks/twilio");
    let total = rate * (warmup + secs);
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    let mut tasks = Vec::with_capacity(total as usize);
    let started = Instant::now();
    tracing::info!("bench: first message sent now");
    for i in 0..total {
        tick.tick().await;
        let from = format!("whatsapp:+97798020000{:02}", 1 + i % 15);
        let params = vec![
            ("MessageSid", format!("SMbench{i:08}")),
            ("From", from),
            ("To", "whatsapp:+14155238886".into()),
            ("Body", TEXTS[i as usize % TEXTS.len()].to_string()),
        ];
        let signature = sign(&url, &params);
        let (http, target) = (http.clone(), format!("{base}/webhooks/twilio"));
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let at = t.duration_since(started);
            let res = http
                .post(target)
                .header("x-twilio-signature", signature)
                .form(&params)
                .send()
                .await
                .expect("sent");
            let ok = res.status().is_success()
                && res.text().await.unwrap_or_default().contains("<Message>");
            (at, t.elapsed(), ok)
        }));
    }
    let mut lat = Vec::with_capacity(tasks.len());
    let last = (warmup + secs) as usize;
    let mut by_second: Vec<Vec<Duration>> = vec![Vec::new(); last + 1];
    let mut failed = 0;
    let slow_ms: Option<f64> = std::env::var("BENCH_SLOW_MS")
        .ok()
        .and_then(|v| v.parse().ok());
    for t in tasks {
        let (at, d, ok) = t.await.expect("task");
        if slow_ms.is_some_and(|s| d.as_secs_f64() * 1000.0 > s) {
            println!(
                "slow: sent at {:.3} s, took {:.1} ms",
                at.as_secs_f64(),
                d.as_secs_f64() * 1000.0
            );
        }
        if at.as_secs() >= warmup {
            failed += u32::from(!ok);
            lat.push(d);
        }
        by_second[(at.as_secs() as usize).min(last)].push(d);
    }
    let wall = started.elapsed();
    lat.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let per_second: Vec<String> = by_second
        .iter_mut()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.sort();
            format!("{:.1}", ms(percentile(l, 0.99)))
        })
        .collect();
    println!("p99 of each second sent (ms): {}", per_second.join(" "));
    println!(
        "webhook → preview: {} messages at {rate}/s over {:.1} s after {warmup} s of warm-up \
         ({:.0}/s achieved), {failed} failed; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, \
         max {:.2} ms",
        lat.len(),
        wall.as_secs_f64() - warmup as f64,
        total as f64 / wall.as_secs_f64(),
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.9)),
        ms(percentile(&lat, 0.99)),
        ms(percentile(&lat, 0.999)),
        ms(*lat.last().expect("some requests")),
    );
}
