//! Top lists: products, categories, districts, shops or vendors by GMV over a range.

use std::collections::BTreeMap;

use serde::Serialize;

use super::facts::{Days, Fact};
use crate::storage::{StoreError, Tx};

/// One row of a top list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TopRow {
    pub id: String,
    pub name: String,
    pub gmv_paisa: i64,
    pub units_delivered: u64,
    pub orders: u64,
    pub delivered_orders: u64,
}

/// What a top list ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopBy {
    Product,
    Category,
    District,
    Retailer,
    Vendor,
}

/// The top `limit` products, categories, districts, shops or vendors by GMV in the facts.
pub fn top(tx: &impl Tx, days: &Days, by: TopBy, limit: usize) -> Result<Vec<TopRow>, StoreError> {
    let kind = match by {
        TopBy::Product | TopBy::Category => "product",
        TopBy::District => "district",
        TopBy::Retailer => "retailer",
        TopBy::Vendor => "vendor",
    };
    let mut sums: BTreeMap<String, Fact> = BTreeMap::new();
    for facts in days.values() {
        for (d, f) in facts {
            if let Some(rest) = d.strip_prefix(kind).and_then(|r| r.strip_prefix(':')) {
                sums.entry(rest.to_string()).or_default().add(f);
            }
        }
    }
    let mut rows = Vec::new();
    for (id, f) in sums {
        let name = name_of(tx, by, &id)?;
        rows.push((name, id, f));
    }
    if by == TopBy::Category {
        let mut cats: BTreeMap<String, Fact> = BTreeMap::new();
        for (name, _, f) in &rows {
            cats.entry(name.clone()).or_default().add(f);
        }
        rows = cats.into_iter().map(|(c, f)| (c.clone(), c, f)).collect();
    }
    let mut out: Vec<TopRow> = rows
        .into_iter()
        .map(|(name, id, f)| TopRow {
            id,
            name,
            gmv_paisa: f.gmv_paisa,
            units_delivered: f.units_delivered,
            orders: u64::from(f.placed),
            delivered_orders: u64::from(f.delivered),
        })
        .collect();
    out.sort_by(|a, b| b.gmv_paisa.cmp(&a.gmv_paisa).then(a.id.cmp(&b.id)));
    out.truncate(limit);
    Ok(out)
}

fn name_of(tx: &impl Tx, by: TopBy, id: &str) -> Result<String, StoreError> {
    let num = id.parse::<u64>().ok();
    Ok(match (by, num) {
        (TopBy::Product, Some(n)) => crate::catalog::store::product(tx, n)?
            .map(|p| p.name)
            .unwrap_or_default(),
        (TopBy::Category, Some(n)) => crate::catalog::store::product(tx, n)?
            .and_then(|p| p.category)
            .unwrap_or_else(|| "(none)".into()),
        (TopBy::Retailer, Some(n)) => crate::retailers::store::get(tx, n)?
            .map(|r| r.name)
            .unwrap_or_default(),
        (TopBy::Vendor, Some(n)) => crate::catalog::store::vendor(tx, n)?
            .map(|v| v.name)
            .unwrap_or_default(),
        _ => id.to_string(),
    })
}
