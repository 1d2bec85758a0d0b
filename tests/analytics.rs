//! The owner's figures against the raw records, on a simulated history: GMV, margin and
//! orders equal the sums over orders and commission transfers; overdue buckets add up to what
//! is owed; the nightly build is idempotent; only staff see the figures.

mod common;

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::{Options, spawn_with, test_config};
use khaacho::analytics::facts::day_start;
use khaacho::app::simulate;
use khaacho::ledger::{self, AccountKind, TransferCode};
use khaacho::storage::{StoreError, TableRead, Tx, tables};
use khaacho::support::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::Value;

/// The raw sums over `from..=to`: (GMV of orders delivered, net commission, orders placed).
fn raw_sums(tx: &impl Tx, from: NaiveDate, to: NaiveDate) -> Result<(i64, i64, u64), StoreError> {
    let (start, end) = (day_start(from), day_start(to + Duration::days(1)));
    let (mut gmv, mut placed) = (0, 0);
    for entry in tx.open(tables::ORDERS)?.iter()? {
        let (_, o) = entry?;
        if o.delivered_at.is_some_and(|d| d >= start && d < end) {
            gmv += o.total_paisa.paisa();
        }
        if o.created_at >= start && o.created_at < end {
            placed += 1;
        }
    }
    let revenue = ledger::account_by_key(tx, AccountKind::PlatformRevenue, 0)?
        .map(|a| a.id)
        .unwrap_or(0);
    let mut margin = 0;
    for entry in tx.open(tables::LEDGER_TRANSFERS)?.iter()? {
        let (_, t) = entry?;
        if t.at < start || t.at >= end {
            continue;
        }
        match t.code {
            TransferCode::Commission if t.credit_account == revenue => margin += t.amount,
            TransferCode::Reversal if t.debit_account == revenue => margin -= t.amount,
            _ => {}
        }
    }
    Ok((gmv, margin, placed))
}

fn all_facts(tx: &impl Tx) -> Result<Vec<(String, khaacho::analytics::Fact)>, StoreError> {
    tx.open(tables::DAILY_FACTS)?.iter()?.collect()
}

#[tokio::test]
async fn the_figures_equal_the_raw_records_of_a_simulated_history() {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 4, 0, 0).unwrap();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let opts = simulate::Options {
        days: 120,
        seed: 11,
        retailers: Some(40),
        orders_per_day: None,
        load_demo: true,
    };
    let report = simulate::run(test_config(dir.path()), opts, now)
        .await
        .expect("simulates");
    assert!(report.tally.placed > 1_000, "{report:?}");
    assert!(report.tally.delivered > 900 && report.tally.payments > 300);
    assert!(!report.late_payers.is_empty() && !report.churned.is_empty());

    let app = spawn_with(Options {
        dir: Some(dir.clone()),
        clock: Some(ManualClock::new(now)),
        ..Options::default()
    })
    .await;
    let admin = app.admin_token().await;
    let store = app.state.svc.store_for_tests().clone();

    for (from, to) in [
        ("2026-08-01", "2026-11-25"),
        ("2026-10-01", "2026-10-31"),
        ("2026-11-20", "2026-11-26"),
    ] {
        let (code, s) = app
            .get(
                &format!("/api/v1/analytics/summary?from={from}&to={to}&granularity=week"),
                &admin,
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{s}");
        let (f, t): (NaiveDate, NaiveDate) = (from.parse().unwrap(), to.parse().unwrap());
        let (gmv, margin, placed) = store.read(move |tx| raw_sums(tx, f, t)).await.unwrap();
        assert!(gmv > 0 && margin > 0, "{from}..{to}: nothing delivered?");
        let cur = &s["current"];
        assert_eq!(cur["gmv_paisa"], gmv, "GMV {from}..{to}");
        assert_eq!(cur["margin_paisa"], margin, "margin {from}..{to}");
        assert_eq!(cur["orders"], placed, "orders {from}..{to}");
        let series = s["series"].as_array().unwrap();
        let sum = |k: &str| series.iter().map(|p| p[k].as_i64().unwrap()).sum::<i64>();
        assert_eq!(sum("gmv_paisa"), gmv);
        assert_eq!(sum("margin_paisa"), margin);
        let days = (t - f).num_days() + 1;
        let (pf, pt) = (f - Duration::days(days), f - Duration::days(1));
        let (pgmv, pmargin, _) = store.read(move |tx| raw_sums(tx, pf, pt)).await.unwrap();
        assert_eq!(s["previous"]["gmv_paisa"], pgmv);
        assert_eq!(s["previous"]["margin_paisa"], pmargin);
        assert_eq!(s["previous_to"], pt.to_string());
    }

    // Overdue buckets add up to what the shops owe (every simulated payment is allocated).
    let (code, c) = app.get("/api/v1/analytics/credit", &admin).await;
    assert_eq!(code, StatusCode::OK, "{c}");
    let buckets: i64 = c["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["amount_paisa"].as_i64().unwrap())
        .sum();
    let owed = store
        .read(|tx| {
            let mut owed = 0;
            for entry in tx.open(tables::LEDGER_ACCOUNTS)?.iter()? {
                let (_, a) = entry?;
                if a.kind == AccountKind::RetailerReceivable {
                    owed += a.debit_balance();
                }
            }
            Ok::<_, StoreError>(owed)
        })
        .await
        .unwrap();
    assert!(owed > 0);
    assert_eq!(buckets, owed, "{c}");
    assert_eq!(c["posted_paisa"], owed);
    let late: i64 = c["overdue"].as_array().unwrap()[1..]
        .iter()
        .map(|b| b["amount_paisa"].as_i64().unwrap())
        .sum();
    assert!(late > 0, "late payers leave something overdue: {c}");

    // The funnel and the league read the same facts.
    let (code, f) = app
        .get(
            "/api/v1/analytics/funnel?from=2026-10-01&to=2026-10-31",
            &admin,
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{f}");
    assert_eq!(f["steps"][0]["step"], "preview");
    assert!(f["median_minutes_to_accept"].as_i64().unwrap() > 0);
    let (_, s) = app
        .get(
            "/api/v1/analytics/summary?from=2026-10-01&to=2026-10-31",
            &admin,
        )
        .await;
    assert_eq!(f["steps"][1]["count"], s["current"]["orders"]);
    let (code, league) = app
        .get(
            "/api/v1/analytics/vendors?from=2026-10-01&to=2026-10-31",
            &admin,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let league_gmv: i64 = league
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["gmv_paisa"].as_i64().unwrap())
        .sum();
    assert_eq!(league_gmv, s["current"]["gmv_paisa"].as_i64().unwrap());
    let (code, top) = app
        .get(
            "/api/v1/analytics/top?by=category&from=2026-10-01&to=2026-10-31&limit=100",
            &admin,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let top_gmv: i64 = top
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["gmv_paisa"].as_i64().unwrap())
        .sum();
    assert_eq!(top_gmv, league_gmv, "line totals add up to the orders'");

    // Building the days again changes nothing.
    let before = store.read(all_facts).await.unwrap();
    assert!(before.len() > 1_000);
    let svc = app.state.svc.clone();
    svc.analytics()
        .rebuild(report.from, report.to)
        .await
        .unwrap();
    let b = svc.analytics().nightly().await.unwrap();
    assert_eq!(b.days, 0, "nothing left to catch up");
    assert_eq!(store.read(all_facts).await.unwrap(), before);

    // Only staff see the business figures.
    let shop = app.user_token("retailer", "+9779802000001").await;
    let (code, body) = app.get("/api/v1/analytics/summary", &shop).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    let (code, body) = app
        .get(
            "/api/v1/analytics/summary?from=2026-11-30&to=2026-11-01",
            &admin,
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let _: &Value = &body;
    app.stop().await;
}
