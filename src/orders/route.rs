//! Routing inside an order's transaction: what the vendors look like to the router (their
//! listings for the order's products, history and workload), the decision kept with the
//! order, and the vendor figures kept up to date from order events.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{Listing, Product, store as catalog};
use crate::retailers::Retailer;
use crate::routing::{self, Decision, Line, Offer, Place, VendorStats};
use crate::storage::typed::Encoded;
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, tables};

/// What routing knows of a vendor beyond its listings: its history and current workload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorRecord {
    pub stats: VendorStats,
    /// Orders routed to it and not yet delivered or cancelled.
    pub open_orders: u32,
}

/// A routing decision as kept with the order, newest last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDecision {
    #[serde(with = "crate::storage::ts")]
    pub at: DateTime<Utc>,
    pub decision: Decision,
}

/// Whether a listing may serve this quantity under its own rules (stock aside).
pub fn orderable(l: &Listing, quantity: u32) -> bool {
    l.active
        && quantity >= l.min_qty
        && l.max_qty.is_none_or(|m| quantity <= m)
        && quantity.is_multiple_of(l.pack_multiple)
}

pub fn lines_of(wants: &[(Product, u32)]) -> Vec<Line> {
    wants
        .iter()
        .map(|(p, q)| Line {
            product_id: p.id,
            quantity: *q,
            name: p.name.clone(),
        })
        .collect()
}

pub fn place_of(r: &Retailer) -> Place {
    Place {
        district: r.district.clone(),
        province: r.province.clone(),
    }
}

pub fn vendor_record(tx: &impl Tx, vendor_id: u64) -> Result<VendorRecord, StoreError> {
    Ok(tx
        .open(tables::VENDOR_STATS)?
        .get(vendor_id)?
        .unwrap_or_default())
}

/// Every vendor listing at least one of the lines' products, as the router sees it.
pub fn vendors_for(tx: &impl Tx, lines: &[Line]) -> Result<Vec<routing::Vendor>, StoreError> {
    // Every listing of every line's product, read once: (vendor, line) → listing.
    let mut held: BTreeMap<(u64, usize), Listing> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        for listing in catalog::listings_of_product(tx, l.product_id)? {
            ids.insert(listing.vendor_id);
            held.insert((listing.vendor_id, i), listing);
        }
    }
    let stats = tx.open(tables::VENDOR_STATS)?;
    let mut out = Vec::with_capacity(ids.len());
    for vid in ids {
        let Some(v) = catalog::vendor(tx, vid)? else {
            continue;
        };
        let record: VendorRecord = stats.get(vid)?.unwrap_or_default();
        let offers = lines
            .iter()
            .enumerate()
            .filter_map(|(i, line)| {
                held.get(&(vid, i)).map(|l| Offer {
                    product_id: line.product_id,
                    listing_id: l.id,
                    price_paisa: l.price_paisa,
                    stock: l.stock,
                    orderable: orderable(l, line.quantity),
                })
            })
            .collect();
        out.push(routing::Vendor {
            vendor_id: vid,
            name: v.name,
            district: v.district,
            province: v.province,
            active: v.active,
            open_orders: record.open_orders,
            stats: record.stats,
            offers,
        });
    }
    Ok(out)
}

/// The listings a chosen vendor fills the lines from, in line order.
pub fn listings_for(
    tx: &impl Tx,
    vendor: &routing::Vendor,
    lines: &[Line],
) -> Result<Option<Vec<Listing>>, StoreError> {
    let Ok(picks) = routing::fill(vendor, lines) else {
        return Ok(None);
    };
    let listings = tx.open(tables::LISTINGS)?;
    let mut out = Vec::with_capacity(picks.len());
    for p in picks {
        out.push(listings.need(p.listing_id, "picked listing")?);
    }
    Ok(Some(out))
}

/// A routing decision put through the codec before the write (off the single writer), with
/// the time it is to be kept under.
#[derive(Debug, Clone)]
pub struct EncodedDecision {
    at: DateTime<Utc>,
    value: Encoded<StoredDecision>,
}

impl EncodedDecision {
    pub fn of(decision: &Decision, at: DateTime<Utc>) -> Result<Self, StoreError> {
        let stored = StoredDecision {
            at,
            decision: decision.clone(),
        };
        Ok(Self {
            at,
            value: Encoded::of(&stored)?,
        })
    }
}

/// Keeps `decision` with the order; `ready` is its encoding, used when made for this time.
pub fn record_decision(
    tx: &WriteTx,
    order_id: u64,
    decision: &Decision,
    ready: Option<&EncodedDecision>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let seq = next_id(tx, "routing_decision")?;
    let mut table = tx.open(tables::ROUTING_DECISIONS)?;
    match ready.filter(|e| e.at == at) {
        Some(e) => table.put_encoded((order_id, seq), &e.value),
        None => table.put(
            (order_id, seq),
            &StoredDecision {
                at,
                decision: decision.clone(),
            },
        ),
    }
}

pub fn decisions(tx: &impl Tx, order_id: u64) -> Result<Vec<StoredDecision>, StoreError> {
    tx.open(tables::ROUTING_DECISIONS)?
        .range((order_id, 0)..=(order_id, u64::MAX))?
        .map(|e| e.map(|(_, d)| d))
        .collect()
}

/// Applies `change` to a vendor's figures.
pub fn update_vendor(
    tx: &WriteTx,
    vendor_id: u64,
    change: impl FnOnce(&mut VendorRecord),
) -> Result<(), StoreError> {
    let mut table = tx.open(tables::VENDOR_STATS)?;
    let mut r = table.get(vendor_id)?.unwrap_or_default();
    change(&mut r);
    table.put(vendor_id, &r)
}
