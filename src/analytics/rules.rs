//! The nightly rules: what the figures say someone should do. Findings are computed on a
//! snapshot; the write only settles recommendations and alerts, stores the shops' insights
//! and the inventory figures, so the writer is held for milliseconds.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::facts::dim;
use super::league::{VendorFigures, listings_by_product, median_price};
use super::prices::{self, PriceRules};
use super::recommend::{Finding, Kind, figures};
use super::shops::{ChurnRules, Insights};
use super::stock::StockInsight;
use crate::config::AnalyticsConfig;
use crate::credit::alerts::{self, AlertKind};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, meta_get, meta_put, tables};
use crate::support::clock::nepal_date;
use crate::types::money::format_npr;

const PRICE_CHECKED: &str = "analytics_prices_checked_ms";

/// Everything the rules found on one snapshot.
pub struct Found {
    pub insights: Vec<Insights>,
    pub inventory: Vec<StockInsight>,
    /// Demand forecasts by `product:ID` / `listing:ID`.
    pub forecasts: BTreeMap<String, super::demand::StoredForecast>,
    pub findings: BTreeMap<Kind, Vec<Finding>>,
    /// Abnormal price changes not yet alerted: (listing, message).
    pub price_alerts: Vec<(u64, String)>,
    pub checked_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Settled {
    pub raised: u32,
    pub expired: u32,
    pub price_alerts: u32,
    pub shops: u32,
    pub listings: u32,
    pub stock_alerts: u32,
}

pub fn churn_rules(a: &AnalyticsConfig) -> ChurnRules {
    ChurnRules {
        medium: f64::from(a.churn_medium_percent) / 100.0,
        high: f64::from(a.churn_high_percent) / 100.0,
        min_gaps: a.churn_min_gaps as usize,
    }
}

pub fn find(
    tx: &impl Tx,
    cfg: &AnalyticsConfig,
    credit_rules: &crate::credit::Rules,
    now: DateTime<Utc>,
) -> Result<Found, StoreError> {
    let today = nepal_date(now);
    let churn = churn_rules(cfg);
    let mut insights = Vec::new();
    let mut findings: BTreeMap<Kind, Vec<Finding>> = BTreeMap::new();
    for entry in tx.open(tables::RETAILERS)?.iter()? {
        let (id, r) = entry?;
        if !r.active {
            continue;
        }
        if let Some(i) = super::shops::insights(tx, id, today, &churn)? {
            if let Some(f) = churn_finding(id, &i) {
                findings.entry(Kind::PreventChurn).or_default().push(f);
            }
            insights.push(i);
        }
        credit_findings(tx, cfg, credit_rules, &r, now, &mut findings)?;
    }
    vendor_findings(tx, cfg, today, &mut findings)?;
    let mut inventory = super::stock::inventory(tx, now)?;
    let through = super::facts::built_through(tx)?.unwrap_or(today - Duration::days(1));
    let forecasts = super::demand::forecasts(tx, through, cfg.reorder_cover_days)?;
    for s in &mut inventory {
        if let Some(f) = forecasts.get(&dim::listing(s.listing_id)) {
            s.stock_out_risk = f.risk.clone();
            s.forecast_method = Some(f.forecast.method());
        }
    }
    findings.insert(Kind::ReorderStock, super::stock::findings(&inventory));
    let (renegotiate, price_alerts) = price_findings(tx, cfg, now)?;
    findings.insert(Kind::RenegotiatePrice, renegotiate);
    Ok(Found {
        insights,
        inventory,
        forecasts,
        findings,
        price_alerts,
        checked_at: now,
    })
}

fn churn_finding(id: u64, i: &Insights) -> Option<Finding> {
    (i.churn.level == "high").then(|| Finding {
        subject: format!("retailer:{id}"),
        reason: format!("{} may have stopped ordering: {}", i.name, i.churn.reason),
        figures: figures([
            ("churn_risk", i.churn.risk.unwrap_or(0.0)),
            (
                "days_since_last_order",
                i.days_since_last_order.unwrap_or(0) as f64,
            ),
            ("usual_gap_days", i.usual_gap_days.unwrap_or(0.0)),
            ("ltv_paisa", i.ltv_paisa as f64),
        ]),
    })
}

fn credit_findings(
    tx: &impl Tx,
    cfg: &AnalyticsConfig,
    credit_rules: &crate::credit::Rules,
    r: &crate::retailers::Retailer,
    now: DateTime<Utc>,
    out: &mut BTreeMap<Kind, Vec<Finding>>,
) -> Result<(), StoreError> {
    let score = match crate::credit::latest_score(tx, r.id)? {
        Some(s) => s.score,
        None => crate::credit::score_now(tx, r, credit_rules, now)?.score,
    };
    // (The limit is never 0 for a shop with credit use; a 0 limit reads as fully used.)
    let pos = crate::credit::position(tx, r)?;
    let used = pos.posted_paisa.max(0) + pos.held_paisa;
    let overdue = crate::credit::days_overdue(tx, r.id, nepal_date(now))?;
    let use_percent = used as f64 * 100.0 / r.credit_limit_paisa.max(1) as f64;
    let figs = |suggested: i64| {
        figures([
            ("score", f64::from(score)),
            ("limit_paisa", r.credit_limit_paisa as f64),
            ("used_percent", use_percent),
            ("days_overdue", overdue as f64),
            ("suggested_limit_paisa", suggested as f64),
        ])
    };
    // Suggested limits are whole thousands of rupees.
    let round = |p: i64| (p / 100_000) * 100_000;
    if score < cfg.credit_lower_score || overdue > i64::from(cfg.credit_lower_overdue_days) {
        let suggested = round((r.credit_limit_paisa / 2).max(pos.posted_paisa.max(0)));
        if suggested < r.credit_limit_paisa {
            out.entry(Kind::LowerCreditLimit).or_default().push(Finding {
                subject: format!("retailer:{}", r.id),
                reason: format!(
                    "{}: score {score}, a payment {overdue} days overdue; lower the limit from {} to {}",
                    r.name,
                    format_npr(r.credit_limit_paisa),
                    format_npr(suggested)
                ),
                figures: figs(suggested),
            });
        }
    } else if score >= cfg.credit_raise_score
        && use_percent >= f64::from(cfg.credit_raise_use_percent)
        && overdue == 0
    {
        let suggested = round(r.credit_limit_paisa * 3 / 2);
        out.entry(Kind::RaiseCreditLimit).or_default().push(Finding {
            subject: format!("retailer:{}", r.id),
            reason: format!(
                "{}: score {score}, {use_percent:.0} % of the limit in use and nothing overdue; raise it from {} to {}",
                r.name,
                format_npr(r.credit_limit_paisa),
                format_npr(suggested)
            ),
            figures: figs(suggested),
        });
    }
    Ok(())
}

fn vendor_findings(
    tx: &impl Tx,
    cfg: &AnalyticsConfig,
    today: chrono::NaiveDate,
    out: &mut BTreeMap<Kind, Vec<Finding>>,
) -> Result<(), StoreError> {
    let r = super::Range {
        from: today - Duration::days(i64::from(cfg.vendor_window_days)),
        to: today - Duration::days(1),
    };
    let days = super::facts_of(tx, r, today, super::facts::Select::Kind("vendor"))?;
    for entry in tx.open(tables::VENDORS)?.iter()? {
        let (id, v) = entry?;
        let p = VendorFigures::of(&super::league::sum_dim(&days, &dim::vendor(id)));
        if p.orders < u64::from(cfg.vendor_min_orders) {
            continue;
        }
        let fill = p.fill_rate.unwrap_or(0.0) * 100.0;
        let cancel = p.cancellation_rate.unwrap_or(0.0) * 100.0;
        let on_time = p.on_time_rate.unwrap_or(0.0) * 100.0;
        let figs = figures([
            ("orders", p.orders as f64),
            ("fill_rate_percent", fill),
            ("cancellation_percent", cancel),
            ("on_time_percent", on_time),
            (
                "mean_minutes_to_accept",
                p.mean_minutes_to_accept.unwrap_or(0.0),
            ),
        ]);
        let window = cfg.vendor_window_days;
        if fill < f64::from(cfg.vendor_warn_fill_percent)
            || cancel > f64::from(cfg.vendor_warn_cancel_percent)
        {
            out.entry(Kind::WarnVendor).or_default().push(Finding {
                subject: format!("vendor:{id}"),
                reason: format!(
                    "{}: filled {fill:.0} % and cancelled {cancel:.0} % of {} orders in {window} days",
                    v.name, p.orders
                ),
                figures: figs,
            });
        } else if fill >= f64::from(cfg.vendor_promote_fill_percent)
            && on_time >= f64::from(cfg.vendor_promote_on_time_percent)
        {
            out.entry(Kind::PromoteVendor).or_default().push(Finding {
                subject: format!("vendor:{id}"),
                reason: format!(
                    "{}: filled {fill:.0} % of {} orders in {window} days, {on_time:.0} % delivered on time",
                    v.name, p.orders
                ),
                figures: figs,
            });
        }
    }
    Ok(())
}

/// Abnormal changes: the recent rises by listing, and those since the last check to alert
/// about (never older than a week).
fn price_changes(
    tx: &impl Tx,
    cfg: &AnalyticsConfig,
    now: DateTime<Utc>,
) -> Result<(BTreeMap<u64, prices::Change>, Alerts), StoreError> {
    let rules = PriceRules::from_config(cfg);
    let checked = meta_get(tx, PRICE_CHECKED)?.unwrap_or(0) as i64;
    let fresh = checked.max((now - Duration::days(7)).timestamp_millis());
    let mut recent: BTreeMap<u64, prices::Change> = BTreeMap::new();
    let mut alerts = Vec::new();
    for c in prices::changes(tx, &rules)?
        .into_iter()
        .filter(|c| c.abnormal)
    {
        if c.at.timestamp_millis() >= fresh {
            alerts.push((
                c.listing_id,
                format!(
                    "listing {}: price {} → {} ({:+.0} %), far outside the product's usual changes",
                    c.listing_id,
                    format_npr(c.from_paisa),
                    format_npr(c.to_paisa),
                    c.change_percent
                ),
            ));
        }
        if c.to_paisa > c.from_paisa && now - c.at < Duration::days(7) {
            recent.insert(c.listing_id, c);
        }
    }
    Ok((recent, alerts))
}

/// Abnormal changes to alert about: (listing, message).
type Alerts = Vec<(u64, String)>;

/// Renegotiation findings, and the abnormal changes to alert about.
type PriceFindings = (Vec<Finding>, Alerts);

/// Listings priced well above the product's median, or raised abnormally in the last week;
/// and the abnormal changes since the last check, to alert about.
fn price_findings(
    tx: &impl Tx,
    cfg: &AnalyticsConfig,
    now: DateTime<Utc>,
) -> Result<PriceFindings, StoreError> {
    let (recent, alerts) = price_changes(tx, cfg, now)?;
    let mut out = Vec::new();
    let above = 1.0 + f64::from(cfg.renegotiate_above_median_percent) / 100.0;
    for listings in listings_by_product(tx)?.values() {
        let median = median_price(listings);
        for l in listings {
            let high = listings.len() >= 2 && l.price_paisa as f64 > median as f64 * above;
            let jump = recent.get(&l.id);
            if !high && jump.is_none() {
                continue;
            }
            let mut figs = figures([
                ("price_paisa", l.price_paisa as f64),
                ("median_paisa", median as f64),
                ("vendors", listings.len() as f64),
            ]);
            let reason = match jump {
                Some(c) => {
                    figs.insert("change_percent".into(), c.change_percent);
                    figs.insert("robust_z".into(), c.robust_z.unwrap_or(0.0));
                    format!(
                        "listing {} was raised {:+.0} % to {}, far more than the product's prices usually move",
                        l.id,
                        c.change_percent,
                        format_npr(l.price_paisa)
                    )
                }
                None => format!(
                    "listing {} costs {}, {:.0} % above the median of {} vendors ({})",
                    l.id,
                    format_npr(l.price_paisa),
                    (l.price_paisa as f64 / median.max(1) as f64 - 1.0) * 100.0,
                    listings.len(),
                    format_npr(median)
                ),
            };
            out.push(Finding {
                subject: format!("listing:{}", l.id),
                reason,
                figures: figs,
            });
        }
    }
    Ok((out, alerts))
}

/// Writes what was found: insights and inventory replace the stored ones, recommendations are
/// settled kind by kind, abnormal price changes raise (de-duplicated) alerts.
pub fn settle(tx: &WriteTx, found: &Found, now: DateTime<Utc>) -> Result<Settled, StoreError> {
    let mut s = Settled::default();
    {
        let mut view = tx.open(tables::RETAILER_INSIGHTS)?;
        for i in &found.insights {
            view.put(i.retailer_id, i)?;
            s.shops += 1;
        }
    }
    {
        let mut view = tx.open(tables::INVENTORY)?;
        for i in &found.inventory {
            view.put(i.listing_id, i)?;
            s.listings += 1;
        }
    }
    super::demand::store(tx, &found.forecasts)?;
    s.stock_alerts = super::stock::alerts(tx, &found.inventory, now)?;
    for kind in Kind::ALL {
        let none = Vec::new();
        let f = found.findings.get(&kind).unwrap_or(&none);
        let (raised, expired) = super::recommend::settle(tx, kind, f, now)?;
        s.raised += raised;
        s.expired += expired;
    }
    for (listing, message) in &found.price_alerts {
        alerts::raise(
            tx,
            AlertKind::PriceChange,
            &format!("listing:{listing}"),
            message.clone(),
            now,
        )?;
        s.price_alerts += 1;
    }
    meta_put(
        tx,
        PRICE_CHECKED,
        found.checked_at.timestamp_millis().max(0) as u64,
    )?;
    Ok(s)
}
