//! The owner's figures, computed in-process from the order log and the ledger: daily facts
//! (built nightly, today's live), the summary, funnel, credit exposure, top lists and the
//! vendor league. Every figure's definition travels with it in the answer.

pub mod exposure;
pub mod facts;
pub mod league;
pub mod summary;

use std::sync::Arc;

use chrono::{Duration, NaiveDate};

pub use facts::{Fact, record_preview};
pub use summary::{Granularity, TopBy};

use crate::auth::Principal;
use crate::storage::{Store, StoreError, Tx};
use crate::support::clock::{Clock, nepal_date};

/// The longest range one request may ask for.
pub const MAX_RANGE_DAYS: i64 = 1_830;

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{0}")]
    NotFound(String),
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

/// A checked range of Nepal days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// `from`..=`to`, or the 30 days up to `today` when neither is given.
    pub fn checked(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Range, AnalyticsError> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or(to - Duration::days(29));
        if from > to {
            return Err(AnalyticsError::Invalid {
                field: "from",
                reason: format!("{from} is after to ({to})"),
            });
        }
        if (to - from).num_days() >= MAX_RANGE_DAYS {
            return Err(AnalyticsError::Invalid {
                field: "to",
                reason: format!("a range may cover at most {MAX_RANGE_DAYS} days"),
            });
        }
        Ok(Range { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The range of equal length just before this one.
    pub fn previous(&self) -> Range {
        Range {
            from: self.from - Duration::days(self.days()),
            to: self.from - Duration::days(1),
        }
    }
}

/// The facts of a range: stored days as built, the days after the last build (today
/// included) computed live, nothing after today.
pub fn facts_of(tx: &impl Tx, r: Range, today: NaiveDate) -> Result<facts::Days, StoreError> {
    let to = r.to.min(today);
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

pub struct AnalyticsService {
    store: Store,
    clock: Arc<dyn Clock>,
    aging_buckets: Vec<i64>,
}

/// What a build wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Built {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub days: i64,
    pub rows: u64,
}

impl AnalyticsService {
    pub fn new(store: Store, clock: Arc<dyn Clock>, aging_buckets: Vec<i64>) -> Self {
        Self {
            store,
            clock,
            aging_buckets,
        }
    }

    pub fn today(&self) -> NaiveDate {
        nepal_date(self.clock.now())
    }

    /// Builds and stores the facts of `from..=to` (days after yesterday are never stored:
    /// today is computed live). Building a day again gives the same rows.
    pub async fn rebuild(&self, from: NaiveDate, to: NaiveDate) -> Result<Built, AnalyticsError> {
        let to = to.min(self.today() - Duration::days(1));
        if from > to {
            return Ok(Built {
                from: None,
                to: None,
                days: 0,
                rows: 0,
            });
        }
        let mut rows = 0;
        let mut start = from;
        // A month per transaction keeps each write short while the server serves.
        while start <= to {
            let end = (start + Duration::days(30)).min(to);
            let days = self
                .store
                .read(move |tx| facts::compute(tx, start, end))
                .await?;
            rows += self
                .store
                .write(move |tx| facts::store(tx, &days, start, end))
                .await?;
            start = end + Duration::days(1);
        }
        Ok(Built {
            from: Some(from),
            to: Some(to),
            days: (to - from).num_days() + 1,
            rows,
        })
    }

    /// The nightly build: every day since the last one built up to yesterday, so days missed
    /// while the box was off are caught up.
    pub async fn nightly(&self) -> Result<Built, AnalyticsError> {
        let (built, first) = self
            .store
            .read(|tx| Ok::<_, StoreError>((facts::built_through(tx)?, facts::first_day(tx)?)))
            .await?;
        let yesterday = self.today() - Duration::days(1);
        let from = match (built, first) {
            (Some(b), _) => b + Duration::days(1),
            (None, Some(f)) => f,
            (None, None) => yesterday,
        };
        self.rebuild(from, yesterday).await
    }

    async fn with_facts<R: Send + 'static>(
        &self,
        r: Range,
        f: impl FnOnce(&crate::storage::ReadTx, facts::Days) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, AnalyticsError> {
        let today = self.today();
        Ok(self
            .store
            .read(move |tx| {
                let days = facts_of(tx, r, today)?;
                f(tx, days)
            })
            .await?)
    }

    pub async fn summary(
        &self,
        who: &Principal,
        r: Range,
        g: Granularity,
    ) -> Result<summary::Summary, AnalyticsError> {
        staff_only(who)?;
        let today = self.today();
        Ok(self
            .store
            .read(move |tx| {
                let prev = r.previous();
                let days = facts_of(tx, r, today)?;
                let before = facts_of(tx, prev, today)?;
                Ok::<_, StoreError>(summary::Summary {
                    from: r.from,
                    to: r.to,
                    granularity: g,
                    current: summary::period(tx, &days)?,
                    previous: summary::period(tx, &before)?,
                    previous_from: prev.from,
                    previous_to: prev.to,
                    series: summary::series(&days, r.from, r.to, g),
                    definitions: summary::definitions(),
                })
            })
            .await?)
    }

    pub async fn funnel(
        &self,
        who: &Principal,
        r: Range,
    ) -> Result<summary::Funnel, AnalyticsError> {
        staff_only(who)?;
        self.with_facts(r, move |tx, days| summary::funnel(tx, &days, r.from, r.to))
            .await
    }

    pub async fn top(
        &self,
        who: &Principal,
        r: Range,
        by: TopBy,
        limit: usize,
    ) -> Result<Vec<summary::TopRow>, AnalyticsError> {
        staff_only(who)?;
        self.with_facts(r, move |tx, days| summary::top(tx, &days, by, limit))
            .await
    }

    pub async fn league(
        &self,
        who: &Principal,
        r: Range,
    ) -> Result<Vec<league::LeagueRow>, AnalyticsError> {
        staff_only(who)?;
        self.with_facts(r, move |tx, days| league::league(tx, &days))
            .await
    }

    /// A vendor's performance over time (staff, or the vendor itself); its price position
    /// against the others is for staff only.
    pub async fn vendor_insights(
        &self,
        who: &Principal,
        vendor_id: u64,
        r: Range,
        g: Granularity,
    ) -> Result<league::VendorInsights, AnalyticsError> {
        if !who.may_act_for_vendor(vendor_id) {
            return Err(AnalyticsError::Forbidden(
                "a vendor sees only its own figures".into(),
            ));
        }
        let staff = who.is_staff();
        self.with_facts(r, move |tx, days| {
            league::vendor_insights(tx, &days, vendor_id, g, staff)
        })
        .await?
        .ok_or_else(|| AnalyticsError::NotFound(format!("no vendor with id {vendor_id}")))
    }

    pub async fn exposure(
        &self,
        who: &Principal,
        top: usize,
    ) -> Result<exposure::Exposure, AnalyticsError> {
        staff_only(who)?;
        let (today, bounds) = (self.today(), self.aging_buckets.clone());
        Ok(self
            .store
            .read(move |tx| exposure::exposure(tx, today, &bounds, top))
            .await?)
    }
}
