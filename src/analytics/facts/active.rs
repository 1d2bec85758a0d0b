//! Who was active each day: the shops and vendors with orders placed that day, and the shops
//! whose first order ever it was. Kept per day beside the facts (`DAILY_ACTIVE`) so that a
//! period's distinct active and new shops are a union of small lists, not a read of every
//! shop's facts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Days, Fact, dim};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, postings, tables};
use crate::support::clock::nepal_date;

/// One day's active shops and vendors (ids ascending).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayActive {
    /// Shops with at least one order placed that day.
    pub retailers: Vec<u64>,
    /// Vendors holding at least one order placed that day.
    pub vendors: Vec<u64>,
    /// Shops whose first order ever was placed that day.
    pub first_time: Vec<u64>,
}

/// First-order days already looked up.
pub type Firsts = HashMap<u64, Option<NaiveDate>>;

/// The Nepal day of a shop's first order.
pub fn first_order_day(tx: &impl Tx, retailer: u64) -> Result<Option<NaiveDate>, StoreError> {
    let index = tx.open(tables::ORDERS_BY_RETAILER)?;
    let Some(first) = postings::ascending(&index, retailer, 0)?
        .next()
        .transpose()?
    else {
        return Ok(None);
    };
    Ok(tx
        .open(tables::ORDERS)?
        .get(first)?
        .map(|o| nepal_date(o.created_at)))
}

/// A day's active lists from its facts.
pub fn of_day(
    tx: &impl Tx,
    day: NaiveDate,
    facts: &BTreeMap<String, Fact>,
    firsts: &mut Firsts,
) -> Result<DayActive, StoreError> {
    let mut a = DayActive::default();
    for (d, _) in facts.iter().filter(|(_, f)| f.placed > 0) {
        if let Some(r) = dim::id_of(d, "retailer") {
            a.retailers.push(r);
        } else if let Some(v) = dim::id_of(d, "vendor") {
            a.vendors.push(v);
        }
    }
    a.retailers.sort_unstable();
    a.vendors.sort_unstable();
    for &r in &a.retailers {
        let first = match firsts.get(&r) {
            Some(f) => *f,
            None => {
                let f = first_order_day(tx, r)?;
                firsts.insert(r, f);
                f
            }
        };
        if first == Some(day) {
            a.first_time.push(r);
        }
    }
    Ok(a)
}

/// Every day's active lists of `days`.
pub fn of_days(tx: &impl Tx, days: &Days) -> Result<BTreeMap<NaiveDate, DayActive>, StoreError> {
    let mut firsts = Firsts::new();
    days.iter()
        .map(|(day, facts)| Ok((*day, of_day(tx, *day, facts, &mut firsts)?)))
        .collect()
}

/// Replaces the stored lists of `from..=to` with those of `days`.
pub fn store(tx: &WriteTx, days: &Days, from: NaiveDate, to: NaiveDate) -> Result<(), StoreError> {
    let lists = of_days(tx, days)?;
    let mut view = tx.open(tables::DAILY_ACTIVE)?;
    let mut day = from;
    while day <= to {
        let key = day.to_string();
        match lists
            .get(&day)
            .filter(|a| !a.retailers.is_empty() || !a.vendors.is_empty())
        {
            Some(a) => view.put(key.as_str(), a)?,
            None => {
                view.remove(key.as_str())?;
            }
        }
        day += Duration::days(1);
    }
    Ok(())
}

/// The stored lists of `from..=to`.
pub fn stored(
    tx: &impl Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, DayActive>, StoreError> {
    let view = tx.open(tables::DAILY_ACTIVE)?;
    let mut out = BTreeMap::new();
    for entry in view.range(from.to_string().as_str()..=to.to_string().as_str())? {
        let (k, a) = entry?;
        if let Ok(day) = k.parse::<NaiveDate>() {
            out.insert(day, a);
        }
    }
    Ok(out)
}

/// A period's distinct active shops and vendors, and its new shops.
pub fn count(lists: &BTreeMap<NaiveDate, DayActive>) -> (u64, u64, u64) {
    let (mut retailers, mut vendors) = (BTreeSet::new(), BTreeSet::new());
    let mut new = 0;
    for a in lists.values() {
        retailers.extend(a.retailers.iter().copied());
        vendors.extend(a.vendors.iter().copied());
        new += a.first_time.len() as u64;
    }
    (retailers.len() as u64, vendors.len() as u64, new)
}
