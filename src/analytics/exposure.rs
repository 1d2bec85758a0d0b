//! Credit exposure as a lender reads it: what shops owe and have on hold against their
//! limits, what is overdue by how long (per invoice, from its own due date), what should come
//! in by when, and which shops make most of the exposure.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::credit::{self, aging};
use crate::storage::{StoreError, TableRead, Tx, tables};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShopExposure {
    pub retailer_id: u64,
    pub name: String,
    pub limit_paisa: i64,
    /// Posted (owed for delivered orders) + held (confirmed, not yet delivered).
    pub exposure_paisa: i64,
    pub overdue_paisa: i64,
    /// This shop's share of the total exposure.
    pub share: f64,
    pub score: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inflow {
    /// The first day (Sunday) of the Nepal week the invoices fall due in.
    pub week_of: NaiveDate,
    pub amount_paisa: i64,
    pub invoices: u32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Exposure {
    pub as_of: NaiveDate,
    pub exposure_paisa: i64,
    pub posted_paisa: i64,
    pub held_paisa: i64,
    pub limits_paisa: i64,
    /// Shops whose exposure is above their limit, and by how much in all.
    pub shops_over_limit: u32,
    pub over_limit_paisa: i64,
    /// Open invoice amounts by days past their own due date.
    pub overdue: Vec<aging::Bucket>,
    /// Open amounts not yet due, by the week they fall due (the next 8 weeks; later ones in
    /// the last row).
    pub expected_inflow: Vec<Inflow>,
    /// The shops with the most exposure, most first.
    pub top_shops: Vec<ShopExposure>,
    /// Share of the exposure held by the top 10 shops.
    pub top10_share: f64,
    pub definitions: BTreeMap<&'static str, &'static str>,
}

/// The exposure of every shop as of `today`.
pub fn exposure(
    tx: &impl Tx,
    today: NaiveDate,
    bounds: &[i64],
    top: usize,
) -> Result<Exposure, StoreError> {
    let (mut posted, mut held, mut limits, mut over, mut over_paisa) = (0, 0, 0, 0, 0);
    let mut shops = Vec::new();
    let mut open_of = open_invoices(tx)?;
    let mut invoices = Vec::new();
    let scores = tx.open(tables::CREDIT_SCORES)?;
    for entry in tx.open(tables::RETAILERS)?.iter()? {
        let (_, r) = entry?;
        let pos = credit::position(tx, &r)?;
        let open = open_of.remove(&r.id).unwrap_or_default();
        let exposure = pos.posted_paisa.max(0) + pos.held_paisa;
        posted += pos.posted_paisa.max(0);
        held += pos.held_paisa;
        limits += r.credit_limit_paisa;
        if exposure > r.credit_limit_paisa {
            over += 1;
            over_paisa += exposure - r.credit_limit_paisa;
        }
        if exposure > 0 {
            let overdue_paisa = open
                .iter()
                .filter(|i| i.due_date < today)
                .map(|i| i.open_paisa())
                .sum();
            shops.push(ShopExposure {
                retailer_id: r.id,
                name: r.name.clone(),
                limit_paisa: r.credit_limit_paisa,
                exposure_paisa: exposure,
                overdue_paisa,
                share: 0.0,
                score: last_score(&scores, r.id)?,
            });
        }
        invoices.extend(open);
    }
    let total = posted + held;
    let top10_share = rank(&mut shops, total);
    shops.truncate(top);
    Ok(Exposure {
        as_of: today,
        exposure_paisa: total,
        posted_paisa: posted,
        held_paisa: held,
        limits_paisa: limits,
        shops_over_limit: over,
        over_limit_paisa: over_paisa,
        overdue: aging::buckets(&invoices, today, bounds),
        expected_inflow: inflow(&invoices, today),
        top_shops: shops,
        top10_share,
        definitions: definitions(),
    })
}

fn last_score(
    scores: &impl crate::storage::TableRead<(u64, u64), credit::score::Score>,
    retailer: u64,
) -> Result<Option<u32>, StoreError> {
    Ok(
        match scores
            .range((retailer, 0)..=(retailer, u64::MAX))?
            .next_back()
        {
            Some(e) => Some(e?.1.score),
            None => None,
        },
    )
}

/// Every open invoice by shop, read in one pass over the index and then in key order from
/// the invoices.
fn open_invoices(
    tx: &impl Tx,
) -> Result<std::collections::HashMap<u64, Vec<credit::Invoice>>, StoreError> {
    let mut ids: Vec<u64> = Vec::new();
    for entry in tx.open(tables::OPEN_INVOICES)?.iter()? {
        ids.push(entry?.1);
    }
    ids.sort_unstable();
    let view = tx.open(tables::INVOICES)?;
    let mut out: std::collections::HashMap<u64, Vec<credit::Invoice>> = Default::default();
    for id in ids {
        if let Some(i) = view.get(id)? {
            out.entry(i.retailer_id).or_default().push(i);
        }
    }
    Ok(out)
}

/// Orders the shops by exposure, most first, with their share of `total`; returns the top
/// ten's share.
fn rank(shops: &mut [ShopExposure], total: i64) -> f64 {
    for s in shops.iter_mut() {
        s.share = s.exposure_paisa as f64 / total.max(1) as f64;
    }
    shops.sort_by(|a, b| {
        b.exposure_paisa
            .cmp(&a.exposure_paisa)
            .then(a.retailer_id.cmp(&b.retailer_id))
    });
    shops.iter().take(10).map(|s| s.share).sum()
}

fn definitions() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        (
            "exposure_paisa",
            "what shops owe for delivered orders (posted, never below 0 per shop) plus what is held for confirmed orders not yet delivered",
        ),
        (
            "overdue",
            "open invoice amounts by days past each invoice's own due date (delivery day + the shop's terms)",
        ),
        (
            "expected_inflow",
            "open amounts not yet due, by the Nepal week (Sunday first) they fall due",
        ),
    ])
}

fn inflow(invoices: &[credit::Invoice], today: NaiveDate) -> Vec<Inflow> {
    let week = super::summary::Granularity::Week;
    let first = week.bucket(today);
    let last = first + Duration::weeks(8);
    let mut rows: BTreeMap<NaiveDate, Inflow> = BTreeMap::new();
    for inv in invoices.iter().filter(|i| i.due_date >= today) {
        let w = week.bucket(inv.due_date).min(last);
        let row = rows.entry(w).or_insert(Inflow {
            week_of: w,
            amount_paisa: 0,
            invoices: 0,
        });
        row.amount_paisa += inv.open_paisa();
        row.invoices += 1;
    }
    rows.into_values().collect()
}
