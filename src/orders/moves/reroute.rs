//! Re-routing: an order a vendor rejected (or let expire) goes to the next vendor, is split
//! the way placement splits, or is cancelled when nothing can take it.

use super::effects::release_stock;
use super::*;
use crate::catalog::{StockReason, store as catalog};
use crate::credit;
use crate::ledger::{self, AccountKind, NewTransfer};
use crate::orders::Totals;
use crate::orders::create::{self, Part};
use crate::orders::route;
use crate::orders::{Order, OrderError, OrderLine, Rules};
use crate::routing;
use crate::storage::{StoreError, WriteTx};
use chrono::{DateTime, Utc};

/// Where a re-route sent the order: the vendor of this order, and the orders split off it
/// (empty unless no single vendor could take every line).
pub(super) struct Rerouted {
    pub(super) vendor: Option<u64>,
    pub(super) split_into: Vec<u64>,
}

/// Moves the order to the next eligible vendor (or the one an operator named), re-priced
/// there with the hold re-sized; when no single vendor can take it, splits it the way
/// placement does; cancels it when the lines cannot be covered at all or the shop's credit
/// no longer stretches to the new price.
pub(super) fn reroute(
    tx: &WriteTx,
    order: &mut Order,
    target: Option<u64>,
    rules: &Rules,
    label: &str,
    now: DateTime<Utc>,
) -> Result<Rerouted, OrderError> {
    let retailer = crate::retailers::store::get(tx, order.retailer_id)?
        .ok_or(OrderError::UnknownRetailer(order.retailer_id))?;
    let wants = wants_of(tx, order)?;
    let lines = route::lines_of(&wants);
    let vendors = route::vendors_for(tx, &lines)?;
    let mut exclude = order.tried_vendors.clone();
    exclude.push(order.vendor_id);
    let place = route::place_of(&retailer);
    let mut decision = routing::decide(&lines, &vendors, &place, &exclude, &rules.routing);
    if let Some(t) = target {
        choose_for_operator(&mut decision, t)?;
    }
    let choice = Choice {
        lines: &lines,
        vendors: &vendors,
        place: &place,
        exclude: &exclude,
    };
    let parts = parts_for(tx, &decision, &choice, target, rules)?;
    let (priced, total) = super::create::price_parts(&wants, &parts, rules)?;
    let available = credit::position(tx, &retailer)?.available_paisa;
    let fits = available + order.total_paisa.paisa() >= total.paisa();
    route::record_decision(
        tx,
        order.id,
        parts.first().map_or(&decision, |p| &p.decision),
        None,
        now,
    )?;
    order.tried_vendors = exclude;
    if parts.is_empty() || !fits {
        cancel_for_no_vendor(tx, order, now)?;
        return Ok(Rerouted {
            vendor: None,
            split_into: Vec::new(),
        });
    }
    let writing = create::Writing {
        retailer: &retailer,
        source: order.source,
        actor: label,
        rules,
        now,
    };
    move_to_parts(tx, order, &parts, priced, &writing)
}

/// The products and packs of an order's lines, as they are now in the catalog.
pub(super) fn wants_of(
    tx: &WriteTx,
    order: &Order,
) -> Result<Vec<(crate::catalog::Product, u32)>, OrderError> {
    let product = |id: u64| {
        catalog::product(tx, id)?.ok_or_else(|| StoreError::Missing(format!("product {id}")))
    };
    Ok(order
        .lines
        .iter()
        .map(|l| Ok((product(l.product_id)?, l.quantity)))
        .collect::<Result<Vec<_>, StoreError>>()?)
}

/// An operator named the vendor: it must be able to take the order, and the decision says so.
pub(super) fn choose_for_operator(
    decision: &mut routing::Decision,
    t: u64,
) -> Result<(), OrderError> {
    let candidate = decision.candidates.iter().find(|c| c.vendor_id == t);
    if !candidate.is_some_and(|c| c.eligible) {
        let why = candidate.map_or("it does not list these products".into(), |c| {
            c.reason.clone()
        });
        return Err(OrderError::Invalid(format!(
            "vendor {t} cannot take this order: {why}"
        )));
    }
    decision.reason = format!("chosen by an operator: vendor {t}");
    decision.chosen_vendor_id = Some(t);
    Ok(())
}

/// What a re-route chooses among.
pub(super) struct Choice<'a> {
    lines: &'a [routing::Line],
    vendors: &'a [routing::Vendor],
    place: &'a routing::Place,
    exclude: &'a [u64],
}

/// The orders the lines go to: the chosen vendor's one order, or (with no single vendor and no
/// operator's choice) the same split as placement; empty when nothing can take them.
pub(super) fn parts_for(
    tx: &WriteTx,
    decision: &routing::Decision,
    c: &Choice<'_>,
    target: Option<u64>,
    rules: &Rules,
) -> Result<Vec<Part>, OrderError> {
    let chosen = decision
        .chosen_vendor_id
        .and_then(|id| c.vendors.iter().find(|v| v.vendor_id == id));
    if let Some(v) = chosen
        && let Some(listings) = route::listings_for(tx, v, c.lines)?
    {
        return Ok(vec![Part {
            vendor_id: v.vendor_id,
            lines: (0..c.lines.len()).collect(),
            listings,
            decision: decision.clone(),
            encoded: None,
        }]);
    }
    if target.is_some() {
        return Ok(Vec::new());
    }
    match create::split_parts(tx, c.lines, c.vendors, c.place, c.exclude, rules) {
        Ok(parts) => Ok(parts),
        Err(OrderError::NoVendor(_)) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Gives back what the order held, takes it anew at its first part's vendor, and writes the
/// other parts as orders of the same group.
pub(super) fn move_to_parts(
    tx: &WriteTx,
    order: &mut Order,
    parts: &[Part],
    priced: Vec<Vec<OrderLine>>,
    writing: &create::Writing<'_>,
) -> Result<Rerouted, OrderError> {
    release_stock(tx, order, writing.now)?;
    if let Some(hold) = order.hold_id.take() {
        ledger::void_pending(tx, hold, writing.now)?;
    }
    let mut priced = priced.into_iter();
    let first = priced.next().unwrap_or_default();
    reserve_anew(
        tx,
        order,
        parts[0].vendor_id,
        first,
        writing.rules,
        writing.now,
    )?;
    let mut split_into = Vec::new();
    for (part, lines) in parts.iter().skip(1).zip(priced) {
        let o = create::write_order(tx, writing, part, lines, Some(order.group_id))?;
        split_into.push(o.id);
    }
    Ok(Rerouted {
        vendor: Some(parts[0].vendor_id),
        split_into,
    })
}

/// No vendor (or no set of vendors) can take the order: it is cancelled, its stock and credit
/// released, and the operators alerted.
pub(super) fn cancel_for_no_vendor(
    tx: &WriteTx,
    order: &mut Order,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    release(tx, order, now)?;
    order.cancel_reason = Some("no other vendor can fill this order".into());
    let msg = format!(
        "order {} was cancelled: no vendor left to take it",
        order.number
    );
    credit::alerts::raise(
        tx,
        credit::alerts::AlertKind::NoVendor,
        &format!("order:{}", order.id),
        msg,
        now,
    )?;
    Ok(())
}

/// Gives the order to `vendor` with `lines`: stock reserved there, a new credit hold, new
/// totals and a new deadline.
pub(super) fn reserve_anew(
    tx: &WriteTx,
    order: &mut Order,
    vendor: u64,
    lines: Vec<OrderLine>,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    for l in &lines {
        catalog::move_stock(
            tx,
            l.listing_id,
            -i64::from(l.quantity),
            StockReason::Reserve { order_id: order.id },
            now,
        )?;
    }
    let totals = Totals::of(&lines)?;
    let receivable =
        ledger::ensure_account(tx, AccountKind::RetailerReceivable, order.retailer_id, now)?;
    let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
    let hold = ledger::transfer(
        tx,
        NewTransfer::hold(receivable, clearing, totals.total.paisa(), order.id, now),
    )?;
    order.hold_id = Some(hold.id);
    order.vendor_id = vendor;
    order.subtotal_paisa = totals.subtotal;
    order.vat_paisa = totals.vat;
    order.total_paisa = totals.total;
    order.lines = lines;
    order.accept_by = Some(now + rules.accept_within);
    Ok(())
}
