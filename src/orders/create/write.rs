//! writing a placed order: credit checked, stock reserved, credit held, the order and its notifications stored

use chrono::{DateTime, Utc};

use crate::catalog::{StockReason, store as catalog};
use crate::credit;
use crate::ledger::{self, AccountKind, NewTransfer};
use crate::orders::Totals;
use crate::orders::route::{self};
use crate::orders::{Order, OrderError, OrderLine, OrderSource, OrderState, Rules, store};
use crate::retailers::Retailer;
use crate::storage::{WriteTx, next_id};

use super::*;

pub(crate) fn check_credit(tx: &WriteTx, r: &Retailer, needed: i64) -> Result<(), OrderError> {
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
pub(crate) struct Writing<'a> {
    pub retailer: &'a Retailer,
    pub source: OrderSource,
    /// How the order's history names who placed it.
    pub actor: &'a str,
    pub rules: &'a Rules,
    pub now: DateTime<Utc>,
}

/// Writes one order (one part of a cart): stock reserved, credit held, the routing decision
/// kept, the vendor's figures updated, the vendor told.
pub(crate) fn write_order(
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
    route::record_decision(tx, id, &part.decision, part.encoded.as_ref(), now)?;
    route::update_vendor(tx, part.vendor_id, |r| {
        r.stats.offered += 1;
        r.open_orders += 1;
    })?;
    crate::orders::notify::order_placed(tx, &order, retailer, now)?;
    Ok(order)
}
