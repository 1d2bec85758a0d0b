//! `khaacho simulate`: months of realistic history in a database (new or demo), made through
//! the real doors (`orders::place`, `orders::act`, `credit::payments::record`,
//! `catalog::change_listing`) with time driven by a [`ManualClock`], one write transaction
//! per simulated day. Deterministic for a seed.
//!
//! Shops order on their own rhythm with their usual baskets, more before Dashain and Tihar and
//! less on Saturdays and around Dashami; some join late and some stop; vendors accept (or
//! reject, and the order is routed on), pack, dispatch and deliver at their own speed; shops
//! pay on time, late or very late; vendors restock and change prices, now and then sharply.

mod day;
mod events;
pub mod score_eval;
mod world;

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

pub use world::{Payer, World};

use crate::analytics::facts::day_start;
use crate::app::services::Services;
use crate::config::Config;
use crate::credit::RetailerInput;
use crate::storage::{StoreError, TableRead, Tx, tables};
use crate::support::clock::{ManualClock, nepal_date};
use crate::types::Msisdn;

#[derive(Debug, Clone)]
pub struct Options {
    pub days: u32,
    pub seed: u64,
    /// Shops to simulate: the existing ones, and new ones up to this number.
    pub retailers: Option<u32>,
    /// Orders per ordinary day across all shops (the shops' own rhythm when absent).
    pub orders_per_day: Option<u32>,
    pub load_demo: bool,
    /// Record every shop's credit score as it stands at the start of this day (for
    /// `khaacho analytics score-eval`).
    pub score_at: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub placed: u64,
    pub refused: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub delivered: u64,
    pub cancelled: u64,
    pub payments: u64,
    pub price_changes: u64,
    pub sharp_price_changes: u64,
    pub restocks: u64,
    /// Moves a door refused because the order had moved on (counted, not errors).
    pub skipped: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.placed += o.placed;
        self.refused += o.refused;
        self.accepted += o.accepted;
        self.rejected += o.rejected;
        self.delivered += o.delivered;
        self.cancelled += o.cancelled;
        self.payments += o.payments;
        self.price_changes += o.price_changes;
        self.sharp_price_changes += o.sharp_price_changes;
        self.restocks += o.restocks;
        self.skipped += o.skipped;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub seed: u64,
    pub retailers: usize,
    #[serde(flatten)]
    pub tally: Tally,
    /// Shops the simulation made late or very late payers (at any time).
    pub late_payers: Vec<u64>,
    /// Shops that stopped ordering part-way.
    pub churned: Vec<u64>,
    /// (shop, score) at the start of `score_at`, for shops that had ordered by then.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<(u64, u32)>,
    pub seconds: f64,
}

/// Simulates the `days` Nepal days before `now`'s day into the configured database; the
/// services are left with their clock at `now`.
pub async fn run(config: Config, opts: Options, now: DateTime<Utc>) -> Result<Report, String> {
    Ok(run_with(config, opts, now).await?.1)
}

/// [`run`], keeping the services open for the caller.
pub(crate) async fn run_with(
    config: Config,
    opts: Options,
    now: DateTime<Utc>,
) -> Result<(Arc<Services>, Report), String> {
    let started = Instant::now();
    let today = nepal_date(now);
    let from = today - Duration::days(i64::from(opts.days));
    let clock = ManualClock::new(day_start(from) + Duration::hours(1));
    let (svc, _) = Services::open(config, Arc::new(clock.clone()), opts.load_demo)
        .await
        .map_err(|e| e.to_string())?;
    let world = Arc::new(draw(&svc, &opts).await?);
    let (tally, scores) = days(&svc, &clock, &world, &opts, from, today).await?;
    clock.set(now);
    svc.credit()
        .refresh_all()
        .await
        .map_err(|e| e.to_string())?;
    svc.analytics()
        .rebuild(from, today)
        .await
        .map_err(|e| e.to_string())?;
    let pick = |f: &dyn Fn(&world::Shop) -> bool| -> Vec<u64> {
        world.shops.iter().filter(|s| f(s)).map(|s| s.id).collect()
    };
    let report = Report {
        from,
        to: today - Duration::days(1),
        seed: opts.seed,
        retailers: world.shops.len(),
        tally,
        late_payers: pick(&|s| s.payer != Payer::Good || s.turns.is_some()),
        churned: pick(&|s| s.stops.is_some()),
        scores,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((svc, report))
}

/// The market for `opts`: its shops (created as needed) and what they and the vendors do.
async fn draw(svc: &Services, opts: &Options) -> Result<World, String> {
    let shops = ensure_shops(svc, opts.retailers, opts.seed).await?;
    let listings = svc
        .store()
        .read(|tx| {
            tx.open(tables::LISTINGS)?
                .iter()?
                .map(|e| e.map(|(_, l)| l))
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(World::draw(
        opts.seed,
        &shops,
        &listings,
        i64::from(opts.days),
        opts.orders_per_day,
    ))
}

/// Every day from `from` to the day before `today`, with the retention job weekly and the
/// repack nightly; the scores at `opts.score_at` when asked.
async fn days(
    svc: &Services,
    clock: &ManualClock,
    world: &Arc<World>,
    opts: &Options,
    from: NaiveDate,
    today: NaiveDate,
) -> Result<(Tally, Vec<(u64, u32)>), String> {
    let mut tally = Tally::default();
    let mut pending = Vec::new();
    let mut scores = Vec::new();
    let mut day = from;
    while day < today {
        if opts.score_at == Some(day) {
            scores = scores_now(svc, day_start(day)).await?;
        }
        let (later, t) = day::run(svc, clock, world, opts.seed, day, from, pending).await?;
        tally.add(&t);
        pending = later;
        if (day - from).num_days() % 7 == 6 {
            // The retention job runs on a simulated box as on a real one.
            let keep = crate::retention::Retention::from_config(&svc.config().retention);
            crate::retention::prune(svc.store(), keep, day_start(day + Duration::days(1))).await;
        }
        // So does the nightly repack.
        crate::storage::repack::run(svc.store(), day_start(day + Duration::days(1))).await;
        if (day - from).num_days() % 30 == 29 {
            tracing::info!(%day, placed = tally.placed, "simulated up to");
        }
        day += Duration::days(1);
    }
    Ok((tally, scores))
}

/// Every shop's credit score at `at`, as the credit domain computes it, for shops that have
/// ordered.
async fn scores_now(svc: &Services, at: DateTime<Utc>) -> Result<Vec<(u64, u32)>, String> {
    let rules = svc.credit().rules().clone();
    svc.store()
        .read(move |tx| {
            let mut out = Vec::new();
            for entry in tx.open(tables::RETAILERS)?.iter()? {
                let (id, r) = entry?;
                if crate::analytics::facts::first_order_day(tx, id)?.is_some() {
                    out.push((id, crate::credit::score_now(tx, &r, &rules, at)?.score));
                }
            }
            Ok::<_, StoreError>(out)
        })
        .await
        .map_err(|e| e.to_string())
}

/// The shops to simulate: every existing one, and new ones through the shop door until
/// there are `wanted`.
async fn ensure_shops(svc: &Services, wanted: Option<u32>, seed: u64) -> Result<Vec<u64>, String> {
    let now = svc.clock().now();
    let terms = svc.config().credit.default_terms_days;
    let ids = svc
        .store()
        .write(move |tx| {
            let mut ids: Vec<u64> = tx
                .open(tables::RETAILERS)?
                .iter()?
                .map(|e| e.map(|(id, _)| id))
                .collect::<Result<_, StoreError>>()?;
            let wanted = wanted.map_or(ids.len(), |w| w as usize);
            let actor = crate::auth::Principal::owner().actor();
            let mut n = 0u64;
            while ids.len() < wanted {
                n += 1;
                let number = 9_850_000_000 + (seed % 1000) * 10_000 + n;
                let Ok(phone) = Msisdn::parse(&format!("+977{number}")) else {
                    break;
                };
                let input = RetailerInput {
                    name: format!("Simulated Pasal {n}"),
                    owner_name: format!("Owner {n}"),
                    phone,
                    district: DISTRICTS[(n as usize) % DISTRICTS.len()].0.into(),
                    province: DISTRICTS[(n as usize) % DISTRICTS.len()].1.into(),
                    credit_limit_paisa: 10_000_000 * (1 + (n % 5) as i64),
                    terms_days: Some([7, 15, 30][(n % 3) as usize]),
                    language: crate::retailers::Language::Ne,
                };
                match crate::credit::create_retailer(tx, &input, &actor, terms, now) {
                    Ok(r) => ids.push(r.id),
                    Err(crate::credit::CreditError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(ids)
        })
        .await
        .map_err(|e: crate::credit::CreditError| e.to_string())?;
    Ok(ids)
}

const DISTRICTS: [(&str, &str); 8] = [
    ("Kathmandu", "Bagmati"),
    ("Lalitpur", "Bagmati"),
    ("Kaski", "Gandaki"),
    ("Morang", "Koshi"),
    ("Rupandehi", "Lumbini"),
    ("Chitwan", "Bagmati"),
    ("Jhapa", "Koshi"),
    ("Banke", "Lumbini"),
];
