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
/// range costs at most the data there is.
pub fn facts_of(tx: &impl Tx, r: Range, today: NaiveDate) -> Result<facts::Days, StoreError> {
    let to = r.to.min(today);
    let Some(first) = facts::first_day(tx)? else {
        return Ok(facts::Days::new());
    };
    let r = Range {
        from: r.from.max(first),
        to,
    };
    if r.from > to {
        return Ok(facts::Days::new());
    }
    let built = facts::built_through(tx)?.filter(|b| *b < today);
    let mut days = match built {
        Some(b) if b >= r.from => facts::stored(tx, r.from, to.min(b), "")?,
        _ => facts::Days::new(),
    };
    let live_from = built.map_or(r.from, |b| (b + Duration::days(1)).max(r.from));
    if live_from <= to {
        days.extend(facts::compute(tx, live_from, to)?);
    }
    Ok(days)
}
