//! The simulated market: each shop's rhythm, basket, payment habit and whether it stops
//! ordering; each vendor's speed and reliability; the festival calendar. Everything is drawn
//! once from the seed, so a seed always gives the same history.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::catalog::Listing;

/// How a shop pays its invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    /// On time, or a day or two late.
    Good,
    /// 10 to 40 days after the due date.
    Late,
    /// 30 to 90 days after the due date, some invoices never.
    VeryLate,
}

impl Shop {
    /// Draws a shop's habits: its rhythm, basket (from `products`, with their pack units),
    /// how it pays and whether it turns, when it joins and whether it stops.
    fn draw(rng: &mut StdRng, id: u64, products: &[(u64, u32)], days: i64) -> Shop {
        let gap_days = [1.0, 2.0, 3.0, 4.0, 7.0][rng.random_range(0..5)];
        let size = rng.random_range(4..=10).min(products.len());
        let mut basket = Vec::new();
        while basket.len() < size {
            let (p, unit) = products[rng.random_range(0..products.len())];
            if !basket.iter().any(|(q, _)| *q == p) {
                basket.push((p, unit * rng.random_range(1..=4)));
            }
        }
        let payer = match rng.random_range(0..100) {
            0..70 => Payer::Good,
            70..90 => Payer::Late,
            _ => Payer::VeryLate,
        };
        let turns = rng
            .random_bool(0.12)
            .then(|| rng.random_range(days / 3..days.max(2)));
        let joins = if rng.random_bool(0.2) {
            rng.random_range(0..days.max(1))
        } else {
            0
        };
        let stops = rng
            .random_bool(0.12)
            .then(|| rng.random_range(days / 2..days.max(1)).max(joins + 14));
        Shop {
            id,
            gap_days,
            basket,
            payer,
            turns,
            joins,
            stops,
        }
    }

    /// How the shop pays on day `offset` of the simulation.
    pub fn payer_on(&self, offset: i64) -> Payer {
        match (self.payer, self.turns) {
            (Payer::Good, Some(t)) if offset >= t => Payer::Late,
            (_, Some(t)) if offset >= t => Payer::Good,
            (p, _) => p,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Shop {
    pub id: u64,
    /// Mean days between orders.
    pub gap_days: f64,
    /// Products it usually orders, with the packs it usually takes.
    pub basket: Vec<(u64, u32)>,
    pub payer: Payer,
    /// From this day (offset from the start) on it pays the other way: a good payer falls
    /// behind (a bad season), a late one catches up.
    pub turns: Option<i64>,
    /// The day it first orders, and the day it stops (churn), as offsets from the start.
    pub joins: i64,
    pub stops: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Supplier {
    /// Mean minutes to accept an order.
    pub accept_minutes: f64,
    /// Share of orders it rejects.
    pub reject_rate: f64,
    /// Mean hours from dispatch to delivery.
    pub deliver_hours: f64,
}

/// Vijaya Dashami and Laxmi Puja by year (AD): demand rises in the three weeks before each
/// and shops close for the days around Dashami.
const FESTIVALS: [(&str, &str); 5] = [
    ("2024-10-12", "2024-11-01"),
    ("2025-10-02", "2025-10-21"),
    ("2026-10-21", "2026-11-08"),
    ("2027-10-10", "2027-10-29"),
    ("2028-09-28", "2028-10-17"),
];

/// How busy a day is against an ordinary weekday (Saturday is the Nepal weekend).
pub fn season(day: NaiveDate) -> f64 {
    let mut m = 1.0;
    for (dashami, laxmi) in FESTIVALS {
        let (Ok(d), Ok(l)) = (dashami.parse::<NaiveDate>(), laxmi.parse::<NaiveDate>()) else {
            continue;
        };
        let before = |f: NaiveDate| (1..=21).contains(&(f - day).num_days());
        if (-3..=4).contains(&(day - d).num_days()) {
            m = 0.3;
        } else if before(d) {
            m = 1.6;
        } else if before(l) {
            m = 1.5;
        }
    }
    if day.weekday() == Weekday::Sat {
        m *= 0.5;
    }
    m
}

pub struct World {
    pub shops: Vec<Shop>,
    pub suppliers: BTreeMap<u64, Supplier>,
    /// Orders per shop per ordinary day are scaled by this to reach the asked volume.
    pub scale: f64,
}

impl World {
    /// Shop id → its index in `shops`.
    pub fn shop_index(&self) -> std::collections::HashMap<u64, usize> {
        self.shops
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect()
    }

    /// Draws the market for `shops` over `days` days, from the listed products.
    pub fn draw(
        seed: u64,
        shops: &[u64],
        listings: &[Listing],
        days: i64,
        orders_per_day: Option<u32>,
    ) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut products: Vec<(u64, u32)> = listings
            .iter()
            .filter(|l| l.active)
            .map(|l| (l.product_id, l.min_qty.max(l.pack_multiple).max(1)))
            .collect();
        products.sort_unstable();
        products.dedup_by_key(|p| p.0);
        let out: Vec<Shop> = shops
            .iter()
            .map(|&id| Shop::draw(&mut rng, id, &products, days))
            .collect();
        let mut suppliers = BTreeMap::new();
        for l in listings {
            suppliers.entry(l.vendor_id).or_insert_with(|| Supplier {
                accept_minutes: rng.random_range(10.0..180.0),
                reject_rate: rng.random_range(0.0..0.08),
                deliver_hours: rng.random_range(4.0..60.0),
            });
        }
        let natural: f64 = out.iter().map(|s| 1.0 / s.gap_days).sum();
        let scale = orders_per_day.map_or(1.0, |k| f64::from(k) / natural.max(0.01));
        World {
            shops: out,
            suppliers,
            scale,
        }
    }
}
