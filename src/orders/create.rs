//! Placing an order: one write transaction holding the idempotency record, the stock
//! reservation, the credit check and hold, the order and its lines, the ledger transfer, the
//! status log and the outgoing notifications. Every check runs before the first write.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::idempotency::{IdempotencyRecord, idempotency_scope, replay, request_hash};
use super::route::{self, lines_of};
use super::{Order, OrderError, OrderLine, OrderSource, OrderState, Rules, store};
use crate::auth::Acting;
use crate::catalog::{Listing, Product, StockReason, store as catalog};
use crate::credit;
use crate::ledger::{self, AccountKind, NewTransfer};
use crate::orders::{Money, Totals};
use crate::retailers::Retailer;
use crate::routing::{self, Decision, Place};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, tables};
use crate::support::clock::nepal_date;
use crate::types::limits::Overflow;
use crate::types::quantity::Quantity;

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
}

/// One vendor's share of an order, as routed: which lines, from which listings, and why.
#[derive(Debug, Clone)]
pub struct Part {
    pub vendor_id: u64,
    /// Indexes into the order's lines.
    pub lines: Vec<usize>,
    pub listings: Vec<Listing>,
    pub decision: Decision,
}

/// What a read snapshot says the order would be: the products and, per vendor, the listings.
/// Working this out before the write keeps the single writer's share of an order small.
#[derive(Debug, Clone)]
pub struct Prepared {
    wants: Vec<(Product, u32)>,
    parts: Vec<Part>,
}

/// The read-only half of placing an order, run on a snapshot off the writer.
pub enum Preflight {
    /// The same request was placed before under this Idempotency-Key.
    Replay(Placed),
    Ready(Prepared),
}

/// Checks the request and chooses the vendor on a snapshot; refusals found here (unknown
/// product, no vendor, a reused key) are final for that snapshot.
pub fn preflight(tx: &impl Tx, req: &NewOrder, rules: &Rules) -> Result<Preflight, OrderError> {
    if let Some(scope) = idempotency_scope(req)?
        && let Some(orders) = replay(tx, &scope, req)?
    {
        return Ok(Preflight::Replay(Placed {
            orders,
            replayed: true,
        }));
    }
    Ok(Preflight::Ready(prepare(tx, req, rules)?))
}

fn prepare(tx: &impl Tx, req: &NewOrder, rules: &Rules) -> Result<Prepared, OrderError> {
    let wants = resolve_lines(tx, req, rules)?;
    let retailer = crate::retailers::store::get(tx, req.retailer_id)?
        .ok_or(OrderError::UnknownRetailer(req.retailer_id))?;
    let parts = plan_parts(tx, &wants, &route::place_of(&retailer), &[], rules)?;
    Ok(Prepared { wants, parts })
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

/// Routes the whole cart to the best vendor, or splits it across as few vendors as possible.
pub(super) fn plan_parts(
    tx: &impl Tx,
    wants: &[(Product, u32)],
    place: &Place,
    exclude: &[u64],
    rules: &Rules,
) -> Result<Vec<Part>, OrderError> {
    let lines = lines_of(wants);
    let vendors = route::vendors_for(tx, &lines)?;
    let decision = routing::decide(&lines, &vendors, place, exclude, &rules.routing);
    let vendor = |id| vendors.iter().find(|v| v.vendor_id == id);
    if let Some(v) = decision.chosen_vendor_id.and_then(vendor)
        && let Some(listings) = route::listings_for(tx, v, &lines)?
    {
        let all = (0..lines.len()).collect();
        return Ok(vec![Part {
            vendor_id: v.vendor_id,
            lines: all,
            listings,
            decision,
        }]);
    }
    split_parts(tx, &lines, &vendors, place, exclude, rules)
}

/// Splits the lines across as few vendors as possible (placement, and a re-route that no
/// single vendor can take); NoVendor when some line has no vendor at all.
pub(super) fn split_parts(
    tx: &impl Tx,
    lines: &[routing::Line],
    vendors: &[routing::Vendor],
    place: &Place,
    exclude: &[u64],
    rules: &Rules,
) -> Result<Vec<Part>, OrderError> {
    let vendor = |id| vendors.iter().find(|v| v.vendor_id == id);
    let split = routing::split(lines, vendors, place, exclude, &rules.routing).map_err(|u| {
        let why: Vec<String> = u.lines.iter().map(|l| l.reason.clone()).collect();
        OrderError::NoVendor(if why.is_empty() {
            u.reason
        } else {
            format!("{}: {}", u.reason, why.join("; "))
        })
    })?;
    let mut parts = Vec::with_capacity(split.parts.len());
    for p in split.parts {
        let sub: Vec<_> = p.lines.iter().map(|&i| lines[i].clone()).collect();
        let listings = vendor(p.vendor_id)
            .map(|v| route::listings_for(tx, v, &sub))
            .transpose()?
            .flatten()
            .ok_or_else(|| OrderError::NoVendor("the split could not be filled".into()))?;
        parts.push(Part {
            vendor_id: p.vendor_id,
            lines: p.lines,
            listings,
            decision: p.decision,
        });
    }
    Ok(parts)
}

/// Whether the listings chosen on the snapshot still serve the order at the same prices.
fn still_holds(tx: &WriteTx, p: &Prepared) -> Result<bool, StoreError> {
    let listings = tx.open(tables::LISTINGS)?;
    for part in &p.parts {
        for (planned, &i) in part.listings.iter().zip(&part.lines) {
            let qty = p.wants[i].1;
            match listings.get(planned.id)? {
                Some(now)
                    if now.price_paisa == planned.price_paisa
                        && now.stock >= i64::from(qty)
                        && route::orderable(&now, qty) => {}
                _ => return Ok(false),
            }
        }
    }
    Ok(true)
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
        return Ok(Placed {
            orders,
            replayed: true,
        });
    }
    let retailer = checked_retailer(tx, req.retailer_id, rules, now)?;
    let fresh;
    let Prepared { wants, parts } = match prepared {
        Some(p) if still_holds(tx, p)? => p,
        _ => {
            fresh = prepare(tx, req, rules)?;
            &fresh
        }
    };
    let (priced, total) = price_parts(wants, parts, rules)?;
    let total = total.paisa();
    check_credit(tx, &retailer, total)?;
    // ---- from here on only writes, which cannot be refused ----
    let mut orders: Vec<Order> = Vec::with_capacity(parts.len());
    for (part, lines) in parts.iter().zip(priced) {
        let group = orders.first().map(|o| o.id);
        let ctx = Writing {
            retailer: &retailer,
            source: req.source,
            actor: &label,
            rules,
            now,
        };
        orders.push(write_order(tx, &ctx, part, lines, group)?);
    }
    if let Some(key) = scope {
        let record = IdempotencyRecord {
            request_hash: request_hash(req),
            order_ids: orders.iter().map(|o| o.id).collect(),
            at: now,
        };
        tx.open(tables::IDEMPOTENCY)?.put(key.as_str(), &record)?;
    }
    Ok(Placed {
        orders,
        replayed: false,
    })
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
    if let Some(reason) =
        credit::block_reason(tx, &r, nepal_date(now), rules.block_overdue_after_days)?
    {
        return Err(OrderError::Blocked { reason });
    }
    Ok(r)
}

/// Resolves each line to an active product; repeated products are added together.
fn resolve_lines(
    tx: &impl Tx,
    req: &NewOrder,
    rules: &Rules,
) -> Result<Vec<(Product, u32)>, OrderError> {
    if req.lines.is_empty() {
        return Err(OrderError::Invalid(
            "an order needs at least one line".into(),
        ));
    }
    if req.lines.len() > rules.max_lines {
        return Err(OrderError::Invalid(format!(
            "an order may have at most {} lines",
            rules.max_lines
        )));
    }
    let mut out: Vec<(Product, Quantity)> = Vec::new();
    let mut at: HashMap<u64, usize> = HashMap::new();
    for line in &req.lines {
        let quantity = Quantity::new(line.quantity, rules.max_quantity).ok_or_else(|| {
            OrderError::Invalid(format!(
                "quantity must be between 1 and {} packs",
                rules.max_quantity
            ))
        })?;
        let p = match &line.product {
            ProductRef::Sku(sku) => catalog::product_by_sku(tx, sku)?
                .ok_or_else(|| OrderError::UnknownRecord(format!("no product with sku {sku}")))?,
            ProductRef::Id(id) => catalog::product(tx, *id)?
                .ok_or_else(|| OrderError::UnknownRecord(format!("no product with id {id}")))?,
        };
        if !p.active {
            return Err(OrderError::Rule(format!(
                "{} ({}) is no longer sold",
                p.name, p.sku
            )));
        }
        match at.get(&p.id) {
            Some(&i) => {
                out[i].1 = out[i].1.plus(quantity, rules.max_quantity).ok_or_else(|| {
                    OrderError::Rule(format!(
                        "the lines for one product add up to more than {} packs",
                        rules.max_quantity
                    ))
                })?;
            }
            None => {
                at.insert(p.id, out.len());
                out.push((p.clone(), quantity));
            }
        }
    }
    Ok(out.into_iter().map(|(p, q)| (p, q.get())).collect())
}

/// Prices every part of a cart at its vendor's listings; the parts' lines and the cart's total.
pub(super) fn price_parts(
    wants: &[(Product, u32)],
    parts: &[Part],
    rules: &Rules,
) -> Result<(Vec<Vec<OrderLine>>, Money), Overflow> {
    let priced = parts
        .iter()
        .map(|part| {
            let sub: Vec<(Product, u32)> = part.lines.iter().map(|&i| wants[i].clone()).collect();
            price_lines(&sub, &part.listings, rules)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let total = Money::total(priced.iter().flatten().map(|l| l.total_paisa))?;
    Ok((priced, total))
}

/// Prices each line at the vendor's listing; VAT per line on the line subtotal, rounded half up.
fn price_lines(
    wants: &[(Product, u32)],
    listings: &[Listing],
    rules: &Rules,
) -> Result<Vec<OrderLine>, Overflow> {
    wants
        .iter()
        .zip(listings)
        .map(|((p, quantity), l)| {
            let price = Money::from_paisa(l.price_paisa);
            let subtotal = price.times(*quantity)?;
            let exempt = p.category.as_ref().is_some_and(|c| {
                rules
                    .vat_exempt_categories
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(c))
            });
            let vat = if exempt {
                Money::ZERO
            } else {
                subtotal.percent(rules.vat_bps)
            };
            Ok(OrderLine {
                product_id: p.id,
                listing_id: l.id,
                sku: p.sku.clone(),
                name: p.name.clone(),
                quantity: *quantity,
                unit_price_paisa: price,
                vat_paisa: vat,
                total_paisa: subtotal.checked_add(vat)?,
            })
        })
        .collect()
}

fn check_credit(tx: &WriteTx, r: &Retailer, needed: i64) -> Result<(), OrderError> {
    let pos = credit::position(tx, r)?;
    if needed > pos.available_paisa {
        return Err(OrderError::CreditLimitExceeded {
            limit: pos.limit_paisa,
            posted: pos.posted_paisa,
            held: pos.held_paisa,
            available: pos.available_paisa,
            needed,
        });
    }
    Ok(())
}

/// Who an order is written for, and under which rules.
pub(super) struct Writing<'a> {
    pub retailer: &'a Retailer,
    pub source: OrderSource,
    /// How the order's history names who placed it.
    pub actor: &'a str,
    pub rules: &'a Rules,
    pub now: DateTime<Utc>,
}

/// Writes one order (one part of a cart): stock reserved, credit held, the routing decision
/// kept, the vendor's figures updated, the vendor told.
pub(super) fn write_order(
    tx: &WriteTx,
    w: &Writing<'_>,
    part: &Part,
    lines: Vec<OrderLine>,
    group: Option<u64>,
) -> Result<Order, OrderError> {
    let (retailer, now) = (w.retailer, w.now);
    let id = next_id(tx, "order")?;
    for l in &lines {
        catalog::move_stock(
            tx,
            l.listing_id,
            -i64::from(l.quantity),
            StockReason::Reserve { order_id: id },
            now,
        )?;
    }
    let totals = Totals::of(&lines)?;
    let receivable = ledger::ensure_account(tx, AccountKind::RetailerReceivable, retailer.id, now)?;
    let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
    let hold = ledger::transfer(
        tx,
        NewTransfer::hold(receivable, clearing, totals.total.paisa(), id, now),
    )?;
    let order = Order {
        id,
        number: store::next_number(tx, now)?,
        retailer_id: retailer.id,
        vendor_id: part.vendor_id,
        state: OrderState::Placed,
        lines,
        subtotal_paisa: totals.subtotal,
        vat_paisa: totals.vat,
        total_paisa: totals.total,
        hold_id: Some(hold.id),
        source: w.source,
        created_at: now,
        updated_at: now,
        accept_by: Some(now + w.rules.accept_within),
        offered_at: now,
        accepted_at: None,
        tried_vendors: Vec::new(),
        group_id: group.unwrap_or(id),
        delivered_at: None,
        due_date: None,
        cancel_reason: None,
        disputed: false,
    };
    store::insert(tx, &order, w.actor, "placed")?;
    route::record_decision(tx, id, &part.decision, now)?;
    route::update_vendor(tx, part.vendor_id, |r| {
        r.stats.offered += 1;
        r.open_orders += 1;
    })?;
    crate::orders::notify::order_placed(tx, &order, retailer, now)?;
    Ok(order)
}
