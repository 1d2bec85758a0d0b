//! The owner's figures for a range of Nepal days: the summary with the period before it and a
//! series, the funnel, the top lists and the vendor league, all read from the daily facts.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use super::facts::{Days, Fact, dim};
use crate::storage::{StoreError, TableRead, Tx, tables};

/// How the series is bucketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    /// Nepal weeks, Sunday to Saturday.
    Week,
    Month,
}

impl Granularity {
    /// The first day of the bucket `day` falls in.
    pub fn bucket(self, day: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => day,
            Granularity::Week => {
                day - Duration::days(i64::from(day.weekday().num_days_from_sunday()))
            }
            Granularity::Month => day.with_day(1).unwrap_or(day),
        }
    }
}

/// The figures of one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// Total incl. VAT of the orders delivered in the period, by delivery day.
    pub gmv_paisa: i64,
    /// Commission posted in the period, less commission reversed in it.
    pub margin_paisa: i64,
    /// Orders placed (confirmed) in the period.
    pub orders: u64,
    pub delivered_orders: u64,
    pub cancelled_orders: u64,
    /// GMV ÷ delivered orders.
    pub aov_paisa: i64,
    /// Shops that placed at least one order in the period.
    pub active_retailers: u64,
    /// Active shops whose first order ever was in the period.
    pub new_retailers: u64,
    /// Vendors that received at least one order placed in the period.
    pub active_vendors: u64,
    pub gmv_excl_vat_paisa: i64,
    pub vat_paisa: i64,
    pub units_delivered: u64,
    pub repaid_paisa: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Point {
    /// The bucket's first day.
    pub date: NaiveDate,
    pub gmv_paisa: i64,
    pub margin_paisa: i64,
    pub orders: u64,
    pub delivered_orders: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub current: Period,
    /// The period of equal length just before `from`.
    pub previous: Period,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    pub series: Vec<Point>,
    /// What each figure means, as the API documents it.
    pub definitions: BTreeMap<&'static str, &'static str>,
}

pub fn definitions() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        (
            "gmv_paisa",
            "total incl. VAT of the orders delivered in the period, counted on their Nepal delivery day",
        ),
        (
            "margin_paisa",
            "the platform's commission from the ledger's commission transfers posted in the period, less commission reversed in it",
        ),
        (
            "orders",
            "orders placed (confirmed by the shop) in the period",
        ),
        ("aov_paisa", "gmv_paisa divided by delivered_orders"),
        (
            "active_retailers",
            "shops that placed at least one order in the period",
        ),
        (
            "new_retailers",
            "active shops whose first order ever falls in the period",
        ),
        (
            "active_vendors",
            "vendors holding at least one order placed in the period",
        ),
    ])
}

/// Adds up a period's figures from its `all` facts and its days' active lists.
pub fn period(
    days: &Days,
    active: &BTreeMap<NaiveDate, super::facts::DayActive>,
) -> Result<Period, StoreError> {
    let mut total = Fact::default();
    for f in days.values().filter_map(|d| d.get(dim::ALL)) {
        total.add(f);
    }
    let (active_retailers, active_vendors, new) = super::facts::active::count(active);
    Ok(Period {
        gmv_paisa: total.gmv_paisa,
        margin_paisa: total.commission_paisa,
        orders: u64::from(total.placed),
        delivered_orders: u64::from(total.delivered),
        cancelled_orders: u64::from(total.cancelled),
        aov_paisa: if total.delivered > 0 {
            total.gmv_paisa / i64::from(total.delivered)
        } else {
            0
        },
        active_retailers,
        new_retailers: new,
        active_vendors,
        gmv_excl_vat_paisa: total.gmv_excl_vat_paisa,
        vat_paisa: total.vat_paisa,
        units_delivered: total.units_delivered,
        repaid_paisa: total.repaid_paisa,
    })
}

/// The series of a range's `all` facts, one point per bucket (empty buckets included).
pub fn series(days: &Days, from: NaiveDate, to: NaiveDate, g: Granularity) -> Vec<Point> {
    let mut points: BTreeMap<NaiveDate, Point> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        let b = g.bucket(day).max(from);
        let p = points.entry(b).or_insert(Point {
            date: b,
            gmv_paisa: 0,
            margin_paisa: 0,
            orders: 0,
            delivered_orders: 0,
        });
        if let Some(f) = days.get(&day).and_then(|f| f.get(dim::ALL)) {
            p.gmv_paisa += f.gmv_paisa;
            p.margin_paisa += f.commission_paisa;
            p.orders += u64::from(f.placed);
            p.delivered_orders += u64::from(f.delivered);
        }
        day += Duration::days(1);
    }
    points.into_values().collect()
}

/// One step of the funnel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub step: &'static str,
    pub count: u64,
    /// Share of the step before that did not reach this one (0 for the first).
    pub drop_off: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Funnel {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub steps: Vec<Step>,
    /// Median minutes from placement to the vendor's acceptance, over orders placed in the
    /// period that were accepted.
    pub median_minutes_to_accept: Option<i64>,
    /// Median minutes from acceptance to delivery, over orders placed in the period.
    pub median_minutes_to_deliver: Option<i64>,
    pub definitions: BTreeMap<&'static str, &'static str>,
}

/// The funnel: previews started by shops on WhatsApp, orders confirmed, accepted by a vendor,
/// delivered, each counted on its own day in the range.
pub fn funnel(
    tx: &impl Tx,
    days: &Days,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Funnel, StoreError> {
    let (mut accept, mut deliver) = waits(tx, from, to)?;
    Ok(Funnel {
        from,
        to,
        steps: steps(days),
        median_minutes_to_accept: median(&mut accept),
        median_minutes_to_deliver: median(&mut deliver),
        definitions: funnel_definitions(),
    })
}

/// The funnel's steps with their drop-off.
fn steps(days: &Days) -> Vec<Step> {
    let mut total = Fact::default();
    for f in days.values().filter_map(|d| d.get(dim::ALL)) {
        total.add(f);
    }
    let counts = [
        ("preview", u64::from(total.previews)),
        ("confirmed", u64::from(total.confirmed)),
        ("accepted", u64::from(total.accepted)),
        ("delivered", u64::from(total.delivered)),
    ];
    let mut steps = Vec::new();
    let mut before: Option<u64> = None;
    for (step, count) in counts {
        let drop_off = match before {
            Some(b) if b > 0 => (1.0 - count as f64 / b as f64).max(0.0),
            _ => 0.0,
        };
        steps.push(Step {
            step,
            count,
            drop_off,
        });
        before = Some(count);
    }
    steps
}

/// Minutes from placement to acceptance and from acceptance to delivery, of an even sample
/// of the orders placed in `from..=to`.
fn waits(tx: &impl Tx, from: NaiveDate, to: NaiveDate) -> Result<(Vec<i64>, Vec<i64>), StoreError> {
    let (mut accept, mut deliver) = (Vec::new(), Vec::new());
    let start = super::facts::day_start(from);
    let end = super::facts::day_start(to + Duration::days(1));
    let view = tx.open(tables::ORDERS)?;
    let first = super::facts::first_at(&view, start, |o| o.created_at)?;
    let last = super::facts::first_at(&view, end, |o| o.created_at)?;
    // Order ids grow with time: an even sample of ids is an even sample of the period.
    let step = (last.saturating_sub(first) / MEDIAN_SAMPLE).max(1);
    let mut id = first;
    while id < last {
        let Some(o) = view.get(id)? else {
            id += step;
            continue;
        };
        id += step;
        if o.created_at >= end {
            break;
        }
        if let Some(a) = o.accepted_at {
            accept.push((a - o.created_at).num_minutes());
            if let Some(d) = o.delivered_at {
                deliver.push((d - a).num_minutes());
            }
        }
    }
    Ok((accept, deliver))
}

fn funnel_definitions() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        (
            "preview",
            "WhatsApp previews started by shops (a new order text)",
        ),
        (
            "confirmed",
            "orders created, which happens when the shop confirms",
        ),
        ("accepted", "orders a vendor accepted, on the day it did"),
        ("delivered", "orders delivered, on their delivery day"),
        (
            "median_minutes_to_accept",
            "median minutes from placement to acceptance over the period's orders (an even sample of at most 5,000 when there are more)",
        ),
        (
            "drop_off",
            "1 − this step's count ÷ the previous step's, over the same range",
        ),
    ])
}

/// Medians of the funnel are read from at most this many orders, evenly spread over the period.
pub const MEDIAN_SAMPLE: u64 = 5_000;

pub fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}
