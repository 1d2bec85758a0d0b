//! The national roll-up: two boxes (two regions) export their days as Parquet with
//! `khaacho export`; DuckDB (Python, `pip install duckdb`) reads both with `read_parquet` and
//! gets each region's GMV and margin equal to that box's own summary.
//!
//! Needs `python3` with `duckdb`; without them the test says so and passes, unless
//! `KHAACHO_REQUIRE_DUCKDB=1` (set by `.ci/run`, which installs DuckDB).

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use common::{Options, spawn_with, test_config};
use khaacho::app::simulate;
use khaacho::support::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::Value;

fn duckdb_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var("KHAACHO_REQUIRE_DUCKDB").as_deref() == Ok("1") {
        panic!("python3 with duckdb is required (pip install duckdb)");
    }
    ok
}

/// Simulates a box for `region`, exports every day of `from..=to` with the CLI into
/// `out/region`, and returns its summary for the range.
async fn a_box(region: &str, seed: u64, out: &Path, from: &str, to: &str) -> Value {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 4, 0, 0).unwrap();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut cfg = test_config(dir.path());
    cfg.region = region.into();
    let opts = simulate::Options {
        days: 45,
        seed,
        retailers: Some(20),
        orders_per_day: None,
        load_demo: true,
        score_at: None,
    };
    simulate::run(cfg, opts, now).await.expect("simulates");
    std::fs::write(
        dir.path().join("khaacho.toml"),
        format!("region = \"{region}\"\n"),
    )
    .unwrap();
    let (mut day, last) = (
        from.parse::<chrono::NaiveDate>().unwrap(),
        to.parse().unwrap(),
    );
    while day <= last {
        let run = Command::new(env!("CARGO_BIN_EXE_khaacho"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["export", "--day", &day.to_string(), "--out"])
            .arg(out.join(region))
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let report: Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(report["day"], day.to_string());
        day += Duration::days(1);
    }
    let app = spawn_with(Options {
        dir: Some(dir.clone()),
        clock: Some(ManualClock::new(now)),
        tweak: Box::new({
            let region = region.to_string();
            move |c| c.region = region
        }),
        ..Options::default()
    })
    .await;
    let admin = app.admin_token().await;
    let (code, s) = app
        .get(
            &format!("/api/v1/analytics/summary?from={from}&to={to}"),
            &admin,
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{s}");
    app.stop().await;
    s
}

#[tokio::test]
async fn duckdb_reads_two_boxes_exports_and_gets_each_regions_own_gmv() {
    if !duckdb_available() {
        eprintln!("skipped: python3 with duckdb is not installed (pip install duckdb)");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let (from, to) = ("2026-10-20", "2026-11-24");
    let east = a_box("east", 3, out.path(), from, to).await;
    let west = a_box("west", 4, out.path(), from, to).await;
    let run = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/rollup/gmv_by_region.py"
        ))
        .arg(out.path())
        .args([from, to])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rollup: Value = serde_json::from_slice(&run.stdout).unwrap();
    for (region, summary) in [("east", &east), ("west", &west)] {
        let gmv = &summary["current"]["gmv_paisa"];
        assert!(gmv.as_i64().unwrap() > 0);
        assert_eq!(&rollup["orders"][region]["gmv_paisa"], gmv, "{rollup}");
        assert_eq!(&rollup["facts"][region]["gmv_paisa"], gmv);
        assert_eq!(
            &rollup["orders"][region]["commission_paisa"],
            &summary["current"]["margin_paisa"]
        );
        assert_eq!(
            &rollup["orders"][region]["delivered"],
            &summary["current"]["delivered_orders"]
        );
    }
    assert_ne!(east["current"]["gmv_paisa"], west["current"]["gmv_paisa"]);
    assert_eq!(rollup["types"]["delivered_at"], "TIMESTAMP WITH TIME ZONE");
    assert_eq!(rollup["types"]["total_paisa"], "BIGINT");
}
