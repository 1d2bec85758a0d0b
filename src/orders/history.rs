//! What a shop ordered before, which shapes what its words mean ("tea" is the tea it buys).

use std::collections::HashMap;

use crate::orders::OrderState;
use crate::storage::{StoreError, TableRead, Tx, postings, tables};

/// How many of a retailer's latest orders shape what "tea" means for it.
const HISTORY_ORDERS: usize = 50;

/// product id → how many of the retailer's recent orders contained it.
pub fn product_counts(tx: &impl Tx, retailer_id: u64) -> Result<HashMap<u64, u32>, StoreError> {
    let orders = tx.open(tables::ORDERS)?;
    let mut counts = HashMap::new();
    let index = tx.open(tables::ORDERS_BY_RETAILER)?;
    for id in postings::descending(&index, retailer_id, u64::MAX)?.take(HISTORY_ORDERS) {
        let o = orders.need(id?, "order of retailer")?;
        if o.state == OrderState::Cancelled {
            continue;
        }
        for l in &o.lines {
            *counts.entry(l.product_id).or_insert(0) += 1;
        }
    }
    Ok(counts)
}
