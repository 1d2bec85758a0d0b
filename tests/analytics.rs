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

/// 120 days of a simulated history for 40 shops, served on a clock at its end.
async fn simulated_app(seed: u64) -> (common::TestApp, simulate::Report) {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 4, 0, 0).unwrap();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let opts = simulate::Options {
        days: 120,
        seed,
        retailers: Some(40),
        orders_per_day: None,
        load_demo: true,
        score_at: None,
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
    (app, report)
}

#[tokio::test]
async fn the_figures_equal_the_raw_records_of_a_simulated_history() {
    let (app, report) = simulated_app(11).await;
    let admin = app.admin_token().await;
    let store = app.state.svc.store_for_tests().clone();
    // The simulated nights repacked the settled rows (`storage::repack`) the figures below
    // are read from, and the records still hold together.
    let (progress, problems) = store
        .read(|tx| {
            let progress = tx.open(tables::REPACK_MARKS)?.get("orders@45")?;
            Ok::<_, StoreError>((progress, khaacho::app::check::invariants(tx)?))
        })
        .await
        .unwrap();
    assert!(
        progress.is_some_and(|p| p.done > 1_000),
        "orders repacked at 45 days"
    );
    assert_eq!(problems, Vec::<String>::new());

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
    let (b, _) = svc.analytics().nightly().await.unwrap();
    assert_eq!(b.days, 0, "nothing left to catch up");
    assert_eq!(store.read(all_facts).await.unwrap(), before);

    // `khaacho check` finds the stored facts in agreement with the records.
    let problems = store.read(khaacho::app::check::invariants).await.unwrap();
    assert_eq!(problems, Vec::<String>::new());

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
    assert_eq!(
        code,
        StatusCode::OK,
        "a range that ends before it starts is empty"
    );
    assert_eq!(body["current"]["orders"], 0);
    assert_eq!(body["series"], serde_json::json!([]));
    let (code, body) = app
        .get("/api/v1/analytics/summary?from=2026-13-01", &admin)
        .await;
    assert!(code.is_client_error(), "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("from"),
        "{body}"
    );
    let _: &Value = &body;
    app.stop().await;
}

fn rows<V: serde::de::DeserializeOwned + 'static>(
    tx: &impl Tx,
    table: khaacho::storage::Table<u64, V>,
) -> Result<Vec<(u64, V)>, StoreError> {
    tx.open(table)?.iter()?.collect()
}

#[tokio::test]
async fn intelligence_finds_the_quiet_shop_the_price_jump_and_the_due_reorders_once() {
    let (app, report) = simulated_app(5).await;
    let admin = app.admin_token().await;
    let svc = app.state.svc.clone();
    let store = svc.store_for_tests().clone();
    svc.analytics().nightly().await.unwrap();

    // The shop that went quiet is at high churn risk by its own rhythm; a regular one is not.
    let mut quiet = None;
    let mut regular = None;
    for id in 1..=40u64 {
        let (code, i) = app
            .get(&format!("/api/v1/retailers/{id}/insights"), &admin)
            .await;
        assert_eq!(code, StatusCode::OK, "{i}");
        let since = i["days_since_last_order"].as_i64().unwrap_or(0);
        let gap = i["usual_gap_days"].as_f64().unwrap_or(0.0);
        if report.churned.contains(&id) && i["churn"]["level"] == "high" && quiet.is_none() {
            quiet = Some((id, i.clone()));
        }
        if !report.churned.contains(&id)
            && !report.late_payers.contains(&id)
            && gap > 0.0
            && gap <= 2.0
            && since <= 2
        {
            regular = Some((id, i.clone()));
        }
    }
    let (quiet, qi) = quiet.expect("a churned shop at high risk");
    let (regular, ri) = regular.expect("a regular shop");
    assert_eq!(ri["churn"]["level"], "low", "{ri}");
    assert!(
        qi["churn"]["reason"]
            .as_str()
            .unwrap()
            .contains("gaps between orders were shorter")
    );
    assert!(qi["ltv_paisa"].as_i64().unwrap() >= qi["historical_margin_paisa"].as_i64().unwrap());
    assert!(qi["historical_margin_paisa"].as_i64().unwrap() > 0);
    let (_, recs) = app
        .get(
            "/api/v1/recommendations?kind=prevent_churn&limit=1000",
            &admin,
        )
        .await;
    let subjects: Vec<&str> = recs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&format!("retailer:{quiet}").as_str()),
        "{recs}"
    );
    assert!(!subjects.contains(&format!("retailer:{regular}").as_str()));

    // A shop sees its own insights only.
    let shop = app.user_token("retailer", "+9779802000001").await;
    let (code, _) = app.get("/api/v1/retailers/1/insights", &shop).await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = app.get("/api/v1/retailers/2/insights", &shop).await;
    assert_eq!(code, StatusCode::FORBIDDEN);

    // A sharp price rise raises one alert and one recommendation, however often the rules run.
    let (_, l) = app.get("/api/v1/listings/5", &admin).await;
    let price = l["price_paisa"].as_i64().unwrap();
    let (code, body) = app
        .call(
            reqwest::Method::PATCH,
            "/api/v1/listings/5",
            Some(&admin),
            Some(serde_json::json!({"price_paisa": price * 8 / 5, "mrp_paisa": price * 2})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    app.clock.advance(Duration::minutes(5));
    for _ in 0..3 {
        svc.analytics().run_rules().await.unwrap();
    }
    let (_, alerts) = app
        .get("/api/v1/alerts?kind=price_change&limit=1000", &admin)
        .await;
    let about: Vec<&Value> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["subject"] == "listing:5")
        .collect();
    assert_eq!(about.len(), 1, "{alerts}");
    let (_, recs) = app
        .get(
            "/api/v1/recommendations?kind=renegotiate_price&limit=1000",
            &admin,
        )
        .await;
    let about: Vec<&Value> = recs["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["subject"] == "listing:5")
        .collect();
    assert_eq!(about.len(), 1, "{recs}");
    assert!(about[0]["figures"]["change_percent"].as_f64().unwrap() > 50.0);
    let id = about[0]["id"].as_u64().unwrap();
    let (_, history) = app.get("/api/v1/listings/5/price-history", &admin).await;
    assert_eq!(
        history.as_array().unwrap().last().unwrap()["price_paisa"],
        price * 8 / 5
    );

    // Dismissed, it stays dismissed: the next runs raise nothing new about it.
    let (code, r) = app
        .post(
            &format!("/api/v1/recommendations/{id}/dismiss"),
            &admin,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "dismissed");
    let recs_before = store
        .read(|tx| rows(tx, tables::RECOMMENDATIONS))
        .await
        .unwrap();
    let alerts_before = store.read(|tx| rows(tx, tables::ALERTS)).await.unwrap();
    svc.analytics().run_rules().await.unwrap();
    assert_eq!(
        store
            .read(|tx| rows(tx, tables::RECOMMENDATIONS))
            .await
            .unwrap(),
        recs_before,
        "re-running changes nothing"
    );
    assert_eq!(
        store.read(|tx| rows(tx, tables::ALERTS)).await.unwrap(),
        alerts_before
    );

    // Reorders due, and a nudge to a shop that opted in, once per week.
    let (code, due) = app.get("/api/v1/analytics/reorder-due", &admin).await;
    assert_eq!(code, StatusCode::OK, "{due}");
    let due = due.as_array().unwrap();
    assert!(!due.is_empty());
    let first = due[0]["insights"]["retailer_id"].as_u64().unwrap();
    assert!(due[0]["insights"]["next_order_expected"].as_str().unwrap() <= "2026-11-26");
    let (code, _) = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/retailers/{first}/nudges"),
            Some(&admin),
            Some(serde_json::json!({"opt_in": true})),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (_, sent) = app
        .post(
            "/api/v1/analytics/reorder-due/nudge",
            &admin,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        sent["retailer_ids"],
        serde_json::json!([first]),
        "only the shop that opted in"
    );
    let (_, again) = app
        .post(
            "/api/v1/analytics/reorder-due/nudge",
            &admin,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        again["retailer_ids"],
        serde_json::json!([]),
        "not twice in a week"
    );
    let queued = store
        .read(|tx| rows(tx, tables::MESSAGES))
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, m)| m.kind == "reorder_nudge")
        .count();
    assert_eq!(queued, 1);

    // Inventory and a vendor's own figures.
    let (code, inv) = app.get("/api/v1/analytics/inventory", &admin).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        inv.as_array()
            .unwrap()
            .iter()
            .any(|r| r["velocity_per_day"].as_f64().unwrap() > 0.0)
    );
    let vendor = app.user_token("vendor", "+9779801000001").await;
    let (code, own) = app.get("/api/v1/vendors/1/insights", &vendor).await;
    assert_eq!(code, StatusCode::OK, "{own}");
    assert_eq!(
        own["prices"],
        serde_json::json!([]),
        "no competitor prices for a vendor"
    );
    assert!(own["total"]["orders"].as_u64().unwrap() > 0);
    let (code, _) = app.get("/api/v1/vendors/2/insights", &vendor).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = app
        .get("/api/v1/analytics/inventory?vendor_id=2", &vendor)
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// Forecasts per product and listing: a 28-day forecast with ordered intervals after the
/// daily history, the method and its backtest; the nightly run warns of a stock-out (alert and
/// recommendation) for a fast seller with little stock and not for a slow one with the same
/// stock; a vendor sees its own listing's forecast only.
#[tokio::test]
async fn forecasts_warn_of_stock_outs_for_fast_sellers_only() {
    let (app, _) = simulated_app(7).await;
    let admin = app.admin_token().await;
    let svc = app.state.svc.clone();
    svc.analytics().nightly().await.unwrap();

    let (_, inv) = app.get("/api/v1/analytics/inventory", &admin).await;
    let mut sold: Vec<(f64, u64, u64)> = inv
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["units_28d"].as_u64().unwrap() > 0)
        .map(|r| {
            (
                r["velocity_per_day"].as_f64().unwrap(),
                r["listing_id"].as_u64().unwrap(),
                r["product_id"].as_u64().unwrap(),
            )
        })
        .collect();
    sold.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (slow_velocity, slow, _) = sold[0];
    let (fast_velocity, fast, fast_product) = *sold.last().unwrap();
    assert!(fast_velocity > 1.0 && slow_velocity < 0.3, "{sold:?}");
    for id in [fast, slow] {
        let (code, body) = app
            .call(
                reqwest::Method::PATCH,
                &format!("/api/v1/listings/{id}"),
                Some(&admin),
                Some(serde_json::json!({"stock": 2})),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    for _ in 0..2 {
        svc.analytics().run_rules().await.unwrap();
    }
    let (_, alerts) = app
        .get("/api/v1/alerts?kind=stock_out&limit=1000", &admin)
        .await;
    let subjects: Vec<&str> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["resolved_at"].is_null())
        .map(|a| a["subject"].as_str().unwrap())
        .collect();
    let (fast_key, slow_key) = (format!("listing:{fast}"), format!("listing:{slow}"));
    assert_eq!(
        subjects.iter().filter(|s| **s == fast_key).count(),
        1,
        "one alert for the fast seller however often the rules run: {alerts}"
    );
    assert!(!subjects.contains(&slow_key.as_str()));
    let (_, recs) = app
        .get(
            "/api/v1/recommendations?kind=reorder_stock&limit=1000",
            &admin,
        )
        .await;
    let recs: Vec<&str> = recs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert!(recs.contains(&fast_key.as_str()) && !recs.contains(&slow_key.as_str()));
    // The vendor heard of it once by WhatsApp, however often the rules ran.
    let store = svc.store_for_tests().clone();
    let warnings: Vec<String> = store
        .read(|tx| rows(tx, tables::MESSAGES))
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, m)| m.kind == "stock_out_warning")
        .map(|(_, m)| m.body)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("may run out: 2 packs in stock"),
        "{warnings:?}"
    );
    let (_, inv) = app
        .get(
            &format!("/api/v1/analytics/inventory?product_id={fast_product}"),
            &admin,
        )
        .await;
    let row = inv
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["listing_id"] == fast)
        .unwrap();
    assert_eq!(row["stock_out_risk"]["level"], "high", "{row}");

    // The product's forecast: history then 28 days with ordered intervals.
    let (code, f) = app
        .get(&format!("/api/v1/products/{fast_product}/forecast"), &admin)
        .await;
    assert_eq!(code, StatusCode::OK, "{f}");
    let days = f["forecast"].as_array().unwrap();
    assert_eq!(days.len(), 28);
    for d in days {
        let v = |k: &str| d[k].as_f64().unwrap();
        assert!(
            0.0 <= v("lo95") && v("lo95") <= v("lo80") && v("lo80") <= v("mean"),
            "{d}"
        );
        assert!(v("mean") <= v("hi80") && v("hi80") <= v("hi95"), "{d}");
    }
    let history = f["history"].as_array().unwrap();
    assert!(history.len() > 60);
    assert_eq!(history.last().unwrap()["date"], f["through"]);
    assert!(!f["method"].as_str().unwrap().is_empty());
    assert!(f["backtest"]["windows"].as_u64().unwrap() > 0);
    assert!(f["mean"].is_null() && days[0]["mean"].as_f64().unwrap() > 0.0);

    // A vendor: its own listing of a product, never another's; unknown products are 404.
    let vendor = app.user_token("vendor", "+9779801000001").await;
    let (_, own) = app.get("/api/v1/analytics/inventory", &vendor).await;
    let product = own.as_array().unwrap()[0]["product_id"].as_u64().unwrap();
    let (code, vf) = app
        .get(&format!("/api/v1/products/{product}/forecast"), &vendor)
        .await;
    assert_eq!(code, StatusCode::OK, "{vf}");
    assert_eq!(vf["vendor_id"], 1);
    let (code, _) = app
        .get(
            &format!("/api/v1/products/{product}/forecast?vendor_id=2"),
            &vendor,
        )
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = app.get("/api/v1/products/999999/forecast", &admin).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    app.stop().await;
}
