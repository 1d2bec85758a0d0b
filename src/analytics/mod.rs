//! The owner's figures, computed in-process from the order log and the ledger: daily facts
//! (built nightly, today's live), the summary, funnel, credit exposure, top lists and the
//! vendor league. Every figure's definition travels with it in the answer.

pub mod export;
pub mod exposure;
pub mod facts;
pub mod league;
pub mod prices;
pub mod recommend;
pub mod rules;
pub mod shops;
pub mod stock;
pub mod summary;

use std::sync::Arc;

use chrono::{Duration, NaiveDate};

pub use facts::{Fact, record_preview};
pub use summary::{Granularity, TopBy};

use crate::auth::Principal;
use crate::storage::{Store, StoreError, TableRead, Tx};
use crate::support::clock::{Clock, nepal_date};

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

pub struct AnalyticsService {
    store: Store,
    clock: Arc<dyn Clock>,
    aging_buckets: Vec<i64>,
    cfg: crate::config::AnalyticsConfig,
    credit_rules: crate::credit::Rules,
    region: String,
    export_dir: std::path::PathBuf,
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
        self.with_facts(r, move |tx, days| {
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

/// Retailer, inventory, price and recommendation answers.
impl AnalyticsService {
    fn churn_rules(&self) -> shops::ChurnRules {
        rules::churn_rules(&self.cfg)
    }

    /// A shop's insights, live (staff, or the shop itself).
    pub async fn insights(
        &self,
        who: &Principal,
        id: u64,
    ) -> Result<shops::Insights, AnalyticsError> {
        if !(who.is_staff() || who.retailer_id() == Some(id)) {
            return Err(AnalyticsError::Forbidden(
                "a shop sees only its own insights".into(),
            ));
        }
        let (today, churn) = (self.today(), self.churn_rules());
        self.store
            .read(move |tx| shops::insights(tx, id, today, &churn))
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no retailer with id {id}")))
    }

    /// Shops whose usual order is due today, from the last nightly insights (staff).
    pub async fn reorder_due(&self, who: &Principal) -> Result<Vec<ReorderDue>, AnalyticsError> {
        staff_only(who)?;
        let today = self.today();
        Ok(self.store.read(move |tx| reorder_due(tx, today)).await?)
    }

    /// Sends a reorder nudge through the outbox to every due shop that opted in and had none
    /// in the last `nudge_every_days` days (staff). Audited.
    pub async fn send_nudges(&self, who: &Principal) -> Result<Vec<u64>, AnalyticsError> {
        staff_only(who)?;
        let (today, now, every) = (
            self.today(),
            self.clock.now(),
            chrono::Duration::days(i64::from(self.cfg.nudge_every_days)),
        );
        let actor = who.actor();
        Ok(self
            .store
            .write(move |tx| {
                let mut sent = Vec::new();
                for due in reorder_due(tx, today)? {
                    if !due.nudge.opted_in
                        || due.nudge.last_sent_at.is_some_and(|t| now - t < every)
                    {
                        continue;
                    }
                    let Some(r) = crate::retailers::store::get(tx, due.insights.retailer_id)?
                    else {
                        continue;
                    };
                    let items: Vec<(String, u32)> = due
                        .insights
                        .usual_basket
                        .iter()
                        .map(|b| (b.name.clone(), b.usual_quantity))
                        .collect();
                    let body = crate::messaging::texts::reorder_nudge(r.language, &items);
                    crate::messaging::outbox::enqueue(
                        tx,
                        &r.phone,
                        "reorder_nudge",
                        body,
                        None,
                        now,
                    )?;
                    let nudge = shops::Nudge {
                        opted_in: true,
                        last_sent_at: Some(now),
                    };
                    tx.open(crate::storage::tables::NUDGES)?.put(r.id, &nudge)?;
                    crate::audit::record(
                        tx,
                        now,
                        &actor,
                        "retailer.nudge",
                        format!("retailer:{}", r.id),
                        "reorder nudge queued".into(),
                    )?;
                    sent.push(r.id);
                }
                Ok::<_, StoreError>(sent)
            })
            .await?)
    }

    /// A shop turns reorder nudges on or off (staff, or the shop itself). Audited.
    pub async fn set_nudges(
        &self,
        who: &Principal,
        id: u64,
        opted_in: bool,
    ) -> Result<shops::Nudge, AnalyticsError> {
        if !(who.is_staff() || who.retailer_id() == Some(id)) {
            return Err(AnalyticsError::Forbidden(
                "a shop changes only its own choice".into(),
            ));
        }
        let (now, actor) = (self.clock.now(), who.actor());
        self.store
            .write(move |tx| {
                if crate::retailers::store::get(tx, id)?.is_none() {
                    return Ok(None);
                }
                let mut n = shops::nudge_of(tx, id)?;
                n.opted_in = opted_in;
                tx.open(crate::storage::tables::NUDGES)?.put(id, &n)?;
                let what = if opted_in { "on" } else { "off" };
                crate::audit::record(
                    tx,
                    now,
                    &actor,
                    "retailer.nudges",
                    format!("retailer:{id}"),
                    format!("reorder nudges {what}"),
                )?;
                Ok::<_, StoreError>(Some(n))
            })
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no retailer with id {id}")))
    }

    /// Inventory figures from the last nightly run, with the stock on hand now (staff; a vendor
    /// for its own listings only).
    pub async fn inventory(
        &self,
        who: &Principal,
        vendor: Option<u64>,
        product: Option<u64>,
    ) -> Result<Vec<stock::StockInsight>, AnalyticsError> {
        let vendor = match (who.is_staff(), who.vendor_id()) {
            (true, _) => vendor,
            (false, Some(own)) if vendor.is_none_or(|v| v == own) => Some(own),
            _ => {
                return Err(AnalyticsError::Forbidden(
                    "a vendor sees only its own listings".into(),
                ));
            }
        };
        Ok(self
            .store
            .read(move |tx| {
                let listings = tx.open(crate::storage::tables::LISTINGS)?;
                let mut out = Vec::new();
                for entry in tx.open(crate::storage::tables::INVENTORY)?.iter()? {
                    let (_, mut s) = entry?;
                    if vendor.is_some_and(|v| v != s.vendor_id)
                        || product.is_some_and(|p| p != s.product_id)
                    {
                        continue;
                    }
                    if let Some(l) = listings.get(s.listing_id)? {
                        s.stock = l.stock;
                        s.days_of_stock =
                            (s.velocity_per_day > 0.0).then(|| l.stock as f64 / s.velocity_per_day);
                    }
                    out.push(s);
                }
                Ok::<_, StoreError>(out)
            })
            .await?)
    }

    /// Price spreads across vendors and the abnormal changes of the last `days` days (staff).
    pub async fn prices(&self, who: &Principal, days: i64) -> Result<PriceReport, AnalyticsError> {
        staff_only(who)?;
        let (rules, since) = (
            prices::PriceRules::from_config(&self.cfg),
            self.clock.now() - chrono::Duration::days(days),
        );
        Ok(self
            .store
            .read(move |tx| {
                let abnormal = prices::changes(tx, &rules)?
                    .into_iter()
                    .filter(|c| c.abnormal && c.at >= since)
                    .collect();
                Ok::<_, StoreError>(PriceReport {
                    spreads: prices::spreads(tx)?,
                    abnormal_changes: abnormal,
                })
            })
            .await?)
    }

    /// A listing's price history (staff, or the listing's vendor).
    pub async fn price_history(
        &self,
        who: &Principal,
        listing: u64,
    ) -> Result<Vec<PricePoint>, AnalyticsError> {
        let who = who.clone();
        self.store
            .read(move |tx| {
                let Some(l) = crate::catalog::store::listing(tx, listing)?
                    .filter(|l| who.may_act_for_vendor(l.vendor_id))
                else {
                    return Ok(None);
                };
                let points = crate::catalog::store::price_history(tx, l.id)?
                    .into_iter()
                    .map(|(at, price)| PricePoint {
                        at: chrono::DateTime::from_timestamp_millis(at).unwrap_or_default(),
                        price_paisa: price,
                    })
                    .collect();
                Ok::<_, StoreError>(Some(points))
            })
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no listing with id {listing}")))
    }

    pub async fn recommendations(
        &self,
        who: &Principal,
        status: Option<recommend::Status>,
        kind: Option<recommend::Kind>,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<crate::support::page::Page<recommend::Recommendation>, AnalyticsError> {
        staff_only(who)?;
        Ok(self
            .store
            .read(move |tx| recommend::list(tx, status, kind, cursor, limit))
            .await?)
    }

    /// Marks a recommendation done or dismissed (staff).
    pub async fn close_recommendation(
        &self,
        who: &Principal,
        id: u64,
        to: recommend::Status,
    ) -> Result<recommend::Recommendation, AnalyticsError> {
        staff_only(who)?;
        let (now, actor) = (self.clock.now(), who.actor());
        self.store
            .write(move |tx| recommend::close(tx, id, to, &actor, now))
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no recommendation with id {id}")))
    }
}

/// A shop whose usual order is due, with its nudge settings.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReorderDue {
    pub insights: shops::Insights,
    pub nudge: shops::Nudge,
}

fn reorder_due(tx: &impl Tx, today: NaiveDate) -> Result<Vec<ReorderDue>, StoreError> {
    let mut out = Vec::new();
    for entry in tx.open(crate::storage::tables::RETAILER_INSIGHTS)?.iter()? {
        let (id, i) = entry?;
        if i.churn.level != "high" && i.next_order_expected.is_some_and(|n| n <= today) {
            out.push(ReorderDue {
                nudge: shops::nudge_of(tx, id)?,
                insights: i,
            });
        }
    }
    out.sort_by_key(|d| d.insights.next_order_expected);
    Ok(out)
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PriceReport {
    pub spreads: Vec<prices::Spread>,
    pub abnormal_changes: Vec<prices::Change>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PricePoint {
    pub at: chrono::DateTime<chrono::Utc>,
    pub price_paisa: i64,
}
