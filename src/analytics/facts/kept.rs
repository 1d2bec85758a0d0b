//! The stored facts: written per day (replacing what was there), read back by range, and
//! checked against the records.

use chrono::{Datelike, Duration, NaiveDate};

use super::{BUILT_THROUGH, Days, compute, dim};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, meta_get, meta_put, tables};
use crate::support::clock::nepal_date;

/// Which dimensions a read keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select<'a> {
    All,
    /// Every dimension of one kind (`retailer`, `vendor`, `product`, `listing`, `district`).
    Kind(&'a str),
    /// One dimension (`all`, `vendor:3`).
    One(&'a str),
}

impl Select<'_> {
    pub fn keeps(&self, d: &str) -> bool {
        match self {
            Select::All => true,
            Select::Kind(k) => d.strip_prefix(k).is_some_and(|r| r.starts_with(':')),
            Select::One(x) => d == *x,
        }
    }
}

/// The key of a day's facts for one dimension.
pub fn day_key(day: NaiveDate, dim: &str) -> String {
    format!("{day}|{dim}")
}

/// Replaces the stored facts of every day in `from..=to` with `days` (days without any
/// figure are left empty), so building a day twice gives the same rows.
pub fn store(tx: &WriteTx, days: &Days, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
    let mut view = tx.open(tables::DAILY_FACTS)?;
    let mut old = Vec::new();
    for entry in
        view.range(day_key(from, "").as_str()..day_key(to + Duration::days(1), "").as_str())?
    {
        old.push(entry?.0);
    }
    for k in old {
        view.remove(k.as_str())?;
    }
    let mut rows = 0;
    for (day, facts) in days.range(from..=to) {
        for (d, f) in facts.iter().filter(|(_, f)| !f.is_empty()) {
            view.put(day_key(*day, d).as_str(), f)?;
            rows += 1;
        }
    }
    drop(view);
    super::active::store(tx, days, from, to)?;
    let through = meta_get(tx, BUILT_THROUGH)?.unwrap_or(0);
    let to_num = u64::try_from(to.num_days_from_ce()).unwrap_or(0);
    if to_num > through {
        meta_put(tx, BUILT_THROUGH, to_num)?;
    }
    Ok(rows)
}

/// The last day whose facts are stored.
pub fn built_through(tx: &impl Tx) -> Result<Option<NaiveDate>, StoreError> {
    Ok(meta_get(tx, BUILT_THROUGH)?
        .and_then(|n| i32::try_from(n).ok())
        .and_then(NaiveDate::from_num_days_from_ce_opt))
}

/// The stored facts of `from..=to` that `select` keeps.
pub fn stored_select(
    tx: &impl Tx,
    from: NaiveDate,
    to: NaiveDate,
    select: Select<'_>,
) -> Result<Days, StoreError> {
    match select {
        Select::All => stored(tx, from, to, ""),
        Select::Kind(k) => stored(tx, from, to, &format!("{k}:")),
        Select::One(d) => {
            let view = tx.open(tables::DAILY_FACTS)?;
            let mut out = Days::new();
            let mut day = from;
            while day <= to {
                if let Some(f) = view.get(day_key(day, d).as_str())? {
                    out.entry(day).or_default().insert(d.to_string(), f);
                }
                day += Duration::days(1);
            }
            Ok(out)
        }
    }
}

/// The stored facts of `from..=to` for dimensions starting with `prefix` (`""` for all).
pub fn stored(
    tx: &impl Tx,
    from: NaiveDate,
    to: NaiveDate,
    prefix: &str,
) -> Result<Days, StoreError> {
    let view = tx.open(tables::DAILY_FACTS)?;
    let mut out = Days::new();
    let mut day = from;
    while day <= to {
        let lo = day_key(day, prefix);
        let hi = format!("{lo}\u{10FFFF}");
        for entry in view.range(lo.as_str()..hi.as_str())? {
            let (k, f) = entry?;
            if let Some((_, d)) = k.split_once('|') {
                out.entry(day).or_default().insert(d.to_string(), f);
            }
        }
        day += Duration::days(1);
    }
    Ok(out)
}

/// The Nepal day of the first order, where facts begin.
pub fn first_day(tx: &impl Tx) -> Result<Option<NaiveDate>, StoreError> {
    Ok(tx
        .open(tables::ORDERS)?
        .iter()?
        .next()
        .transpose()?
        .map(|(_, o)| nepal_date(o.created_at)))
}

/// `khaacho check`: the stored facts of the last `days` built days agree with the records
/// (orders placed and delivered, GMV and commission in total; figures a later reversal may
/// legitimately change, such as invoices settled, are not compared).
pub fn check(tx: &impl Tx, days: i64) -> Result<Vec<String>, StoreError> {
    let Some(to) = built_through(tx)? else {
        return Ok(Vec::new());
    };
    let from = to - Duration::days(days - 1);
    let (stored, fresh) = (stored(tx, from, to, dim::ALL)?, compute(tx, from, to)?);
    let mut problems = Vec::new();
    let mut day = from;
    while day <= to {
        let pick = |d: &Days| {
            d.get(&day)
                .and_then(|f| f.get(dim::ALL))
                .map_or((0, 0, 0, 0), |f| {
                    (f.placed, f.delivered, f.gmv_paisa, f.commission_paisa)
                })
        };
        let (s, f) = (pick(&stored), pick(&fresh));
        if s != f {
            problems.push(format!(
                "analytics {day}: stored (placed, delivered, gmv, commission) {s:?} but the records give {f:?}; run `khaacho analytics rebuild --from {day} --to {day}`"
            ));
        }
        day += Duration::days(1);
    }
    Ok(problems)
}
