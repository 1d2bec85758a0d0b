//! Criterion benchmark: the whole preview of a typical five-line order (parse → match → packs →
//! routing and prices → credit), through `Services::preview` as the endpoint calls it, on the
//! demo data in a temporary directory. After criterion, a plain loop prints p50 and p99.
//!
//! `cargo bench --bench preview`

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use khaacho::app::services::Services;
use khaacho::auth::Principal;
use khaacho::config::Config;
use khaacho::support::clock::SystemClock;

/// The same allocator as the server binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TYPICAL: &str = "namaste dai\n1. chamal 2 bora\n2. wai wai 2 carton\n3. soyabean tel 1 litre pouch 20\n4. colgate 200g 1 dzn\n5. चिनी ५ किलो, dhanyabad";

fn services(rt: &tokio::runtime::Runtime) -> (Arc<Services>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    cfg.log.file = false;
    let (svc, _) = rt
        .block_on(Services::open(cfg, Arc::new(SystemClock), true))
        .expect("services");
    (svc, dir)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (svc, _dir) = services(&rt);
    let owner = Principal::owner();
    c.bench_function("preview/typical_5_lines", |b| {
        b.iter(|| {
            rt.block_on(svc.preview(&owner, 2, TYPICAL.to_string()))
                .expect("preview")
        })
    });
    let mut took: Vec<u128> = (0..5_000)
        .map(|_| {
            let t = Instant::now();
            rt.block_on(svc.preview(&owner, 2, TYPICAL.to_string()))
                .expect("preview");
            t.elapsed().as_micros()
        })
        .collect();
    took.sort_unstable();
    println!(
        "preview/typical_5_lines over {} runs: p50 {} µs, p99 {} µs, max {} µs",
        took.len(),
        took[took.len() / 2],
        took[took.len() * 99 / 100],
        took[took.len() - 1]
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
