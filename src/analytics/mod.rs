//! The owner's figures, computed in-process from the order log and the ledger: daily facts
//! (built nightly, today's live), the summary, funnel, credit exposure, top lists and the
//! vendor league. Every figure's definition travels with it in the answer.

pub mod demand;
pub mod export;
pub mod exposure;
pub mod facts;
mod intel;
pub mod league;
pub mod prices;
pub mod recommend;
pub mod rules;
mod service;
pub mod shops;
pub mod stock;
pub mod summary;
pub mod top;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

pub use facts::{Fact, record_preview};
pub use intel::{PricePoint, PriceReport, ReorderDue};
pub use service::{AnalyticsService, Built};
pub use summary::Granularity;
pub use top::TopBy;

use crate::auth::Principal;
use crate::storage::{StoreError, Tx};

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Export(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn staff_only(who: &Principal) -> Result<(), AnalyticsError> {
    if who.is_staff() {
        Ok(())
    } else {
        Err(AnalyticsError::Forbidden(
            "only operators and admins see the business figures".into(),
        ))
    }
}

/// `days` days before `d`, but not before 0001-01-01 (dates are written with four-digit years).
fn back(d: NaiveDate, days: i64) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    d.checked_sub_signed(Duration::days(days))
        .unwrap_or(first)
        .max(first)
}

/// A checked range of Nepal days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// `from`..=`to`, or the 30 days up to `to` (today when absent) when `from` is absent.
    pub fn checked(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Range, AnalyticsError> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| back(to, 29));
        // A range that ends before it starts is empty, as in every list of the API.
        Ok(Range { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The range of equal length just before this one (cut at the calendar's start).
    pub fn previous(&self) -> Range {
        if self.from > self.to {
            return *self;
        }
        Range {
            from: back(self.from, self.days()),
            to: back(self.from, 1),
        }
    }
}

/// The facts of a range: stored days as built, the days after the last build (today
/// included) computed live; nothing before the first order or after today is read, so any
/// range costs at most the data there is. Only the dimensions `select` keeps are read.
pub fn facts_of(
    tx: &impl Tx,
    r: Range,
    today: NaiveDate,
    select: facts::Select<'_>,
) -> Result<facts::Days, StoreError> {
    Ok(read_range(tx, r, today, select, false, None)?.0)
}

/// The facts of the days after the last build, computed live: kept for a short while by the
/// service so that every dashboard call does not compute today again.
#[derive(Debug, Clone)]
pub struct LiveDays {
    /// The first day computed (the day after the last build).
    pub from: NaiveDate,
    pub today: NaiveDate,
    pub days: facts::Days,
}

impl LiveDays {
    /// Computes the days after the last build up to `today`.
    pub fn compute(tx: &impl Tx, today: NaiveDate) -> Result<LiveDays, StoreError> {
        let built = facts::built_through(tx)?.filter(|b| *b < today);
        let first = facts::first_day(tx)?.unwrap_or(today);
        let from = built.map_or(first, |b| b + Duration::days(1)).min(today);
        Ok(LiveDays {
            from,
            today,
            days: facts::compute(tx, from, today)?,
        })
    }
}

/// A range's `all` facts and each day's active lists: what the summary adds up.
pub fn summary_inputs(
    tx: &impl Tx,
    r: Range,
    today: NaiveDate,
    live: Option<&LiveDays>,
) -> Result<(facts::Days, BTreeMap<NaiveDate, facts::DayActive>), StoreError> {
    read_range(
        tx,
        r,
        today,
        facts::Select::One(facts::dim::ALL),
        true,
        live,
    )
}

/// [`facts_of`] with the live days taken from `live` when it covers them.
pub fn facts_with(
    tx: &impl Tx,
    r: Range,
    today: NaiveDate,
    select: facts::Select<'_>,
    live: Option<&LiveDays>,
) -> Result<facts::Days, StoreError> {
    Ok(read_range(tx, r, today, select, false, live)?.0)
}

fn read_range(
    tx: &impl Tx,
    r: Range,
    today: NaiveDate,
    select: facts::Select<'_>,
    with_active: bool,
    live: Option<&LiveDays>,
) -> Result<(facts::Days, BTreeMap<NaiveDate, facts::DayActive>), StoreError> {
    let (mut days, mut active) = (facts::Days::new(), BTreeMap::new());
    let to = r.to.min(today);
    let Some(first) = facts::first_day(tx)? else {
        return Ok((days, active));
    };
    let from = r.from.max(first);
    if from > to {
        return Ok((days, active));
    }
    let built = facts::built_through(tx)?.filter(|b| *b < today);
    if let Some(b) = built.filter(|b| *b >= from) {
        days = facts::stored_select(tx, from, to.min(b), select)?;
        if with_active {
            active = facts::active::stored(tx, from, to.min(b))?;
        }
    }
    let live_from = built.map_or(from, |b| (b + Duration::days(1)).max(from));
    if live_from <= to {
        let mut live = match live.filter(|l| l.today == today && l.from <= live_from) {
            Some(l) => l
                .days
                .range(live_from..=to)
                .map(|(d, f)| (*d, f.clone()))
                .collect(),
            None => facts::compute(tx, live_from, to)?,
        };
        if with_active {
            active.extend(facts::active::of_days(tx, &live)?);
        }
        for facts in live.values_mut() {
            facts.retain(|d, _| select.keeps(d));
        }
        days.extend(live);
    }
    Ok((days, active))
}
