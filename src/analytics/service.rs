//! The analytics service: building the facts (nightly, on demand), the export, and the
//! owner's figures with their access rules.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};

use super::{
    AnalyticsError, Granularity, LiveDays, Range, TopBy, export, exposure, facts, facts_with,
    league, rules, staff_only, summary, top,
};
use crate::auth::Principal;
use crate::storage::{Store, StoreError};
use crate::support::clock::{Clock, nepal_date};

pub struct AnalyticsService {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    aging_buckets: Vec<i64>,
    pub(super) cfg: crate::config::AnalyticsConfig,
    credit_rules: crate::credit::Rules,
    region: String,
    export_dir: std::path::PathBuf,
    /// Today's live facts, recomputed at most every [`LIVE_FOR`].
    live: Reused<NaiveDate, Arc<LiveDays>>,
    /// The last credit exposure (for a day and a top-list length).
    exposure: Reused<(NaiveDate, usize), exposure::Exposure>,
}

/// The last value computed for a key, reused for [`LIVE_FOR`].
struct Reused<K, V>(std::sync::Mutex<Option<(std::time::Instant, K, V)>>);

impl<K: PartialEq, V: Clone> Reused<K, V> {
    fn new() -> Self {
        Reused(std::sync::Mutex::new(None))
    }

    fn get(&self, key: &K) -> Option<V> {
        let guard = self.0.lock().ok()?;
        let (at, k, v) = guard.as_ref()?;
        (k == key && at.elapsed() < LIVE_FOR).then(|| v.clone())
    }

    fn put(&self, key: K, value: V) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = Some((std::time::Instant::now(), key, value));
        }
    }

    fn forget(&self) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = None;
        }
    }
}

/// How long the live facts of today and the credit exposure are reused: figures on a
/// dashboard may be this old (credit checks at ordering read the ledger itself, never these).
const LIVE_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// What a build wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Built {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub days: i64,
    pub rows: u64,
}

impl AnalyticsService {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: &crate::config::Config) -> Self {
        Self {
            store,
            clock,
            aging_buckets: config.credit.aging_buckets.clone(),
            cfg: config.analytics.clone(),
            credit_rules: crate::credit::Rules::from_config(&config.credit),
            region: config.region.clone(),
            export_dir: if config.analytics.export_dir.is_empty() {
                config.data_dir.join("exports")
            } else {
                config.analytics.export_dir.clone().into()
            },
            live: Reused::new(),
            exposure: Reused::new(),
        }
    }

    /// Writes day `day`'s Parquet files into `out` (the configured export directory when
    /// absent), building the day's facts first if they are not stored yet.
    pub async fn export(
        &self,
        day: NaiveDate,
        out: Option<std::path::PathBuf>,
    ) -> Result<export::Exported, AnalyticsError> {
        if day >= self.today() {
            return Err(AnalyticsError::Invalid {
                field: "day",
                reason: format!("{day} is not over yet; export a day up to yesterday"),
            });
        }
        let built = self.store.read(facts::built_through).await?;
        if built.is_none_or(|b| b < day) {
            self.rebuild(day, day).await?;
        }
        let (region, dir) = (
            self.region.clone(),
            out.unwrap_or_else(|| self.export_dir.clone()),
        );
        self.store
            .read(move |tx| export::export_day(tx, day, &region, &dir))
            .await
            .map_err(|e| match e {
                export::ExportError::Store(e) => AnalyticsError::Store(e),
                other => AnalyticsError::Export(other.to_string()),
            })
    }

    /// The facts of the days after the last build (today, usually), reused for [`LIVE_FOR`].
    async fn live(&self) -> Result<Arc<LiveDays>, AnalyticsError> {
        let today = self.today();
        if let Some(l) = self.live.get(&today) {
            return Ok(l);
        }
        let l = Arc::new(
            self.store
                .read(move |tx| LiveDays::compute(tx, today))
                .await?,
        );
        self.live.put(today, l.clone());
        Ok(l)
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
        // A month per transaction keeps each write short while the server serves; the next
        // month is computed (on a snapshot) while this one is written, so both cores work.
        let chunk = |start: NaiveDate| (start, (start + Duration::days(30)).min(to));
        let compute = |(a, b): (NaiveDate, NaiveDate)| {
            let store = self.store.clone();
            async move { store.read(move |tx| facts::compute(tx, a, b)).await }
        };
        let mut next = Some(compute(chunk(start)).await?);
        while let Some(days) = next.take() {
            let (a, b) = chunk(start);
            let following = b + Duration::days(1);
            let write = self.store.write(move |tx| facts::store(tx, &days, a, b));
            if following <= to {
                let (written, computed) = tokio::join!(write, compute(chunk(following)));
                rows += written?;
                next = Some(computed?);
            } else {
                rows += write.await?;
            }
            start = following;
        }
        // A build just stored some of the live days.
        self.live.forget();
        Ok(Built {
            from: Some(from),
            to: Some(to),
            days: (to - from).num_days() + 1,
            rows,
        })
    }

    /// The nightly run: the facts of the days not yet built, then the rules (insights,
    /// inventory, recommendations, price alerts).
    pub async fn nightly(&self) -> Result<(Built, rules::Settled), AnalyticsError> {
        let built = self.catch_up().await?;
        if let (Some(from), Some(to)) = (built.from, built.to) {
            let mut day = from.max(to - Duration::days(31));
            while day <= to {
                if let Err(e) = self.export(day, None).await {
                    tracing::error!(error = %e, %day, "nightly export failed");
                }
                day += Duration::days(1);
            }
        }
        Ok((built, self.run_rules().await?))
    }

    /// Runs the rules on a snapshot and settles what they found.
    pub async fn run_rules(&self) -> Result<rules::Settled, AnalyticsError> {
        let (cfg, credit_rules, now) = (
            self.cfg.clone(),
            self.credit_rules.clone(),
            self.clock.now(),
        );
        let found = Arc::new(
            self.store
                .read(move |tx| rules::find(tx, &cfg, &credit_rules, now))
                .await?,
        );
        Ok(self
            .store
            .write(move |tx| rules::settle(tx, &found, now))
            .await?)
    }

    /// Builds every day since the last one built up to yesterday, so days missed while the
    /// box was off are caught up.
    pub async fn catch_up(&self) -> Result<Built, AnalyticsError> {
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
        select: facts::Select<'static>,
        f: impl FnOnce(&crate::storage::ReadTx, facts::Days) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, AnalyticsError> {
        let today = self.today();
        let live = self.live().await?;
        Ok(self
            .store
            .read(move |tx| {
                let days = facts_with(tx, r, today, select, Some(&live))?;
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
        let live = self.live().await?;
        Ok(self
            .store
            .read(move |tx| {
                let prev = r.previous();
                let (days, active) = super::summary_inputs(tx, r, today, Some(&live))?;
                let (before, active_before) = super::summary_inputs(tx, prev, today, Some(&live))?;
                Ok::<_, StoreError>(summary::Summary {
                    from: r.from,
                    to: r.to,
                    granularity: g,
                    current: summary::period(&days, &active)?,
                    previous: summary::period(&before, &active_before)?,
                    previous_from: prev.from,
                    previous_to: prev.to,
                    series: summary::series(
                        &days,
                        facts::first_day(tx)?.map_or(today, |f| f.max(r.from)),
                        r.to.min(today),
                        g,
                    ),
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
        let to = r.to.min(self.today());
        self.with_facts(r, facts::Select::One(facts::dim::ALL), move |tx, days| {
            summary::funnel(tx, &days, r.from.min(to), to)
        })
        .await
    }

    pub async fn top(
        &self,
        who: &Principal,
        r: Range,
        by: TopBy,
        limit: usize,
    ) -> Result<Vec<top::TopRow>, AnalyticsError> {
        staff_only(who)?;
        let kind = match by {
            TopBy::Product | TopBy::Category => "product",
            TopBy::District => "district",
            TopBy::Retailer => "retailer",
            TopBy::Vendor => "vendor",
        };
        self.with_facts(r, facts::Select::Kind(kind), move |tx, days| {
            top::top(tx, &days, by, limit)
        })
        .await
    }

    pub async fn league(
        &self,
        who: &Principal,
        r: Range,
    ) -> Result<Vec<league::LeagueRow>, AnalyticsError> {
        staff_only(who)?;
        self.with_facts(r, facts::Select::Kind("vendor"), move |tx, days| {
            league::league(tx, &days)
        })
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
        let today = self.today();
        let live = self.live().await?;
        self.store
            .read(move |tx| {
                let key = facts::dim::vendor(vendor_id);
                let days = facts_with(tx, r, today, facts::Select::One(&key), Some(&live))?;
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
        if let Some(e) = self.exposure.get(&(today, top)) {
            return Ok(e);
        }
        let e = self
            .store
            .read(move |tx| exposure::exposure(tx, today, &bounds, top))
            .await?;
        self.exposure.put((today, top), e.clone());
        Ok(e)
    }
}
