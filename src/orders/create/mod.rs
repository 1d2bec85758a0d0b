//! Placing an order: one write transaction holding the idempotency record, the stock
//! reservation, the credit check and hold, the order and its lines, the ledger transfer, the
//! status log and the outgoing notifications. Every check runs before the first write.

mod plan;
mod write;

pub(crate) use plan::{plan_parts, prepare, price_lines, price_parts, split_parts, still_holds};
pub(crate) use write::{Writing, check_credit, write_order};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::idempotency::{idempotency_scope, remember, replay};
use super::{Order, OrderError, OrderLine, OrderSource, Rules};
use crate::auth::Acting;
use crate::catalog::{Listing, Product};
use crate::credit;
use crate::orders::route::EncodedDecision;
use crate::retailers::Retailer;
use crate::routing::{Decision, Place};
use crate::storage::{Tx, WriteTx};
use crate::support::clock::nepal_date;
use crate::types::limits::Overflow;
use crate::types::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductRef {
    Sku(String),
    Id(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineRequest {
    pub product: ProductRef,
    pub quantity: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewOrder {
    pub retailer_id: u64,
    pub lines: Vec<LineRequest>,
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    #[serde(skip)]
    pub source: OrderSource,
}

/// The orders created (one, or several when the cart was split), or found again for a
/// repeated idempotency key.
#[derive(Debug, Clone)]
pub struct Placed {
    pub orders: Vec<Order>,
    pub replayed: bool,
    /// What the orders come to together.
    pub total: Money,
}

impl Placed {
    fn of(orders: Vec<Order>, replayed: bool) -> Result<Placed, Overflow> {
        let total = Money::total(orders.iter().map(|o| o.total_paisa))?;
        Ok(Placed {
            orders,
            replayed,
            total,
        })
    }
}

/// One vendor's share of an order, as routed: which lines, from which listings, and why.
#[derive(Debug, Clone)]
pub struct Part {
    pub vendor_id: u64,
    /// Indexes into the order's lines.
    pub lines: Vec<usize>,
    pub listings: Vec<Listing>,
    pub decision: Decision,
    /// The decision put through the codec off the writer, when planned on a snapshot.
    pub encoded: Option<EncodedDecision>,
}

/// What a read snapshot says the order would be: the products and, per vendor, the listings
/// and the lines priced at them. Working this out before the write keeps the single writer's
/// share of an order small; the writer checks that the listings still hold (`still_holds`).
#[derive(Debug, Clone)]
pub struct Prepared {
    wants: Vec<(Product, u32)>,
    parts: Vec<Part>,
    /// Each part's lines, priced.
    priced: Vec<Vec<OrderLine>>,
    total: Money,
}

/// The read-only half of placing an order, run on a snapshot off the writer.
pub enum Preflight {
    /// The same request was placed before under this Idempotency-Key.
    Replay(Placed),
    Ready(Prepared),
}

/// Checks the request and chooses the vendor on a snapshot; refusals found here (unknown
/// product, no vendor, a reused key) are final for that snapshot.
/// `now` is the time the order will be placed at (its routing decision is kept under it).
pub fn preflight(
    tx: &impl Tx,
    req: &NewOrder,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Preflight, OrderError> {
    if let Some(scope) = idempotency_scope(req)?
        && let Some(orders) = replay(tx, &scope, req)?
    {
        return Ok(Preflight::Replay(Placed::of(orders, true)?));
    }
    Ok(Preflight::Ready(prepare(tx, req, rules, now)?))
}

/// What the order would cost now: the lines priced at the vendors routing would choose, per
/// vendor. Used for previews; the order itself is routed again when it is placed.
pub fn quote(
    tx: &impl Tx,
    wants: &[(Product, u32)],
    place: &Place,
    rules: &Rules,
) -> Result<Vec<(u64, Vec<OrderLine>)>, OrderError> {
    let parts = plan_parts(tx, wants, place, &[], rules)?;
    Ok(parts
        .into_iter()
        .map(|part| {
            let sub: Vec<(Product, u32)> = part.lines.iter().map(|&i| wants[i].clone()).collect();
            Ok((part.vendor_id, price_lines(&sub, &part.listings, rules)?))
        })
        .collect::<Result<_, Overflow>>()?)
}

pub fn place(
    tx: &WriteTx,
    acting: &Acting,
    req: &NewOrder,
    prepared: Option<&Prepared>,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Placed, OrderError> {
    may_order_for(acting, req.retailer_id)?;
    acting.ensure_active(tx).map_err(super::moves::forbidden)?;
    let label = acting.label();
    let scope = idempotency_scope(req)?;
    if let Some(orders) = scope
        .as_deref()
        .map(|k| replay(tx, k, req))
        .transpose()?
        .flatten()
    {
        return Ok(Placed::of(orders, true)?);
    }
    let retailer = checked_retailer(tx, req.retailer_id, rules, now)?;
    let fresh;
    let Prepared {
        parts,
        priced,
        total,
        ..
    } = match prepared {
        Some(p) if still_holds(tx, p)? => p,
        _ => {
            fresh = prepare(tx, req, rules, now)?;
            &fresh
        }
    };
    check_credit(tx, &retailer, total.paisa())?;
    // ---- from here on only writes, which cannot be refused ----
    let ctx = Writing {
        retailer: &retailer,
        source: req.source,
        actor: &label,
        rules,
        now,
    };
    let mut orders: Vec<Order> = Vec::with_capacity(parts.len());
    for (part, lines) in parts.iter().zip(priced.iter().cloned()) {
        let group = orders.first().map(|o| o.id);
        orders.push(write_order(tx, &ctx, part, lines, group)?);
    }
    if let Some(scope) = scope {
        remember(tx, scope, req, &orders, now)?;
    }
    Ok(Placed::of(orders, false)?)
}

/// A shop orders for itself; staff (and Khaacho itself) for any shop; a vendor never.
pub(super) fn may_order_for(acting: &Acting, retailer_id: u64) -> Result<(), OrderError> {
    if acting.may_act_for_retailer(retailer_id) {
        return Ok(());
    }
    Err(OrderError::Forbidden(match acting.party() {
        Some(crate::auth::Party::Retailer(_)) => "a retailer orders only for itself".into(),
        _ => "only retailers and operators place orders".into(),
    }))
}

fn checked_retailer(
    tx: &WriteTx,
    id: u64,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Retailer, OrderError> {
    let r = crate::retailers::store::get(tx, id)?.ok_or(OrderError::UnknownRetailer(id))?;
    if let Some(block) =
        credit::block_reason(tx, &r, nepal_date(now), rules.block_overdue_after_days)?
    {
        return Err(OrderError::Blocked(block));
    }
    Ok(r)
}
