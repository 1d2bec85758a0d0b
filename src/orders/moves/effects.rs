//! What a move does to stock, the ledger, invoices and the vendors' figures.

use crate::catalog::{StockReason, store as catalog};
use crate::credit::{self, Invoice};
use crate::ledger::{self, AccountKind, NewTransfer, TransferCode};
use crate::orders::Money;
use crate::orders::route;
use crate::orders::state::{Action, Effect, OrderState};
use crate::orders::{Order, OrderError, Rules, store};
use crate::storage::{StoreError, TableRead, WriteTx, postings, tables};
use crate::support::clock::nepal_date;
use chrono::{DateTime, Duration, Utc};

/// Keeps the vendors' histories and workloads (which routing scores) in step with the move.
pub(super) fn record_vendor_figures(
    tx: &WriteTx,
    order: &mut Order,
    before: &store::Before,
    action: Action,
    effect: Effect,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let secs = |from: DateTime<Utc>| (now - from).num_seconds().max(0) as u64;
    let was_open = before.state.holds_credit();
    match (action, effect) {
        (Action::Accept, _) => {
            let waited = secs(order.offered_at);
            order.accepted_at = Some(now);
            route::update_vendor(tx, order.vendor_id, |r| {
                r.stats.accepted += 1;
                r.stats.total_accept_secs += waited;
            })
        }
        (Action::Deliver, _) => {
            let took = order.accepted_at.map_or(0, secs);
            route::update_vendor(tx, order.vendor_id, |r| {
                r.stats.delivered += 1;
                r.stats.total_fulfil_secs += took;
                r.open_orders = r.open_orders.saturating_sub(1);
            })
        }
        (_, Effect::Reroute) => {
            // The vendor left behind: its answer (or silence) counts, and it has one order less.
            route::update_vendor(tx, before.vendor_id, |r| {
                match action {
                    Action::Reject => r.stats.rejected += 1,
                    Action::Expire => r.stats.expired += 1,
                    _ => {}
                }
                r.open_orders = r.open_orders.saturating_sub(1);
            })?;
            if order.state == OrderState::Placed {
                order.offered_at = now;
                order.accepted_at = None;
                route::update_vendor(tx, order.vendor_id, |r| {
                    r.stats.offered += 1;
                    r.open_orders += 1;
                })?;
            }
            Ok(())
        }
        (_, Effect::Release) if was_open => route::update_vendor(tx, order.vendor_id, |r| {
            r.open_orders = r.open_orders.saturating_sub(1)
        }),
        _ => Ok(()),
    }
}

pub(super) fn release_stock(
    tx: &WriteTx,
    order: &Order,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    for l in &order.lines {
        catalog::move_stock(
            tx,
            l.listing_id,
            i64::from(l.quantity),
            StockReason::Release { order_id: order.id },
            now,
        )?;
    }
    Ok(())
}

/// Gives the stock back and voids the credit hold.
pub(super) fn release(
    tx: &WriteTx,
    order: &mut Order,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    release_stock(tx, order, now)?;
    if let Some(hold) = order.hold_id.take() {
        ledger::void_pending(tx, hold, now)?;
    }
    Ok(())
}

/// Posts the hold and splits the amount into the vendor's payable, the platform's commission
/// and VAT; raises the invoice, due after the retailer's terms, and pays it from any credit
/// balance.
pub(super) fn deliver(
    tx: &WriteTx,
    order: &mut Order,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    let hold = order
        .hold_id
        .ok_or_else(|| StoreError::Missing(format!("credit hold of order {}", order.id)))?;
    let retailer = crate::retailers::store::get(tx, order.retailer_id)?
        .ok_or(OrderError::UnknownRetailer(order.retailer_id))?;
    let vendor = catalog::vendor(tx, order.vendor_id)?
        .ok_or_else(|| StoreError::Missing(format!("vendor {}", order.vendor_id)))?;
    let commission = order.subtotal_paisa.percent(
        vendor
            .commission_bps
            .unwrap_or(rules.default_commission_bps),
    );
    ledger::post_pending(tx, hold, now)?;
    let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
    let payable = ledger::ensure_account(tx, AccountKind::VendorPayable, vendor.id, now)?;
    let revenue = ledger::ensure_account(tx, AccountKind::PlatformRevenue, 0, now)?;
    let vat = ledger::ensure_account(tx, AccountKind::VatPayable, 0, now)?;
    for (to, amount, code) in [
        (
            payable,
            order.subtotal_paisa.checked_sub(commission)?,
            TransferCode::VendorShare,
        ),
        (revenue, commission, TransferCode::Commission),
        (vat, order.vat_paisa, TransferCode::Vat),
    ] {
        if amount > Money::ZERO {
            ledger::transfer(
                tx,
                NewTransfer::for_order(clearing, to, amount.paisa(), code, order.id, now),
            )?;
        }
    }
    let due = nepal_date(now) + Duration::days(i64::from(retailer.terms_days));
    order.delivered_at = Some(now);
    order.due_date = Some(due);
    let invoice = Invoice {
        order_id: order.id,
        retailer_id: order.retailer_id,
        amount_paisa: order.total_paisa.paisa(),
        paid_paisa: 0,
        issued_at: now,
        due_date: due,
        closed_at: None,
    };
    credit::save_invoice(tx, &invoice)?;
    credit::payments::allocate(tx, order.retailer_id, now)?;
    Ok(())
}

/// The transfers that split a delivered order's amount out of clearing. Delivery wrote them
/// right after posting the order's hold, and the posting is found through the shop's own
/// receivable account (its transfers since the hold), so neither walk reads the whole ledger.
fn split_of(tx: &WriteTx, order: &Order, clearing: u64) -> Result<Vec<(u64, i64)>, OrderError> {
    let hold = order
        .hold_id
        .ok_or_else(|| StoreError::Missing(format!("credit hold of order {}", order.id)))?;
    let receivable =
        ledger::account_by_key(tx, AccountKind::RetailerReceivable, order.retailer_id)?
            .ok_or_else(|| {
                StoreError::Missing(format!("receivable of shop {}", order.retailer_id))
            })?
            .id;
    let transfers = tx.open(tables::LEDGER_TRANSFERS)?;
    let mut posting = None;
    let index = tx.open(tables::LEDGER_ACCOUNT_TRANSFERS)?;
    for id in postings::ascending(&index, receivable, hold + 1)? {
        let id = id?;
        if transfers.need(id, "transfer")?.state == ledger::TransferState::PostPending(hold) {
            posting = Some(id);
            break;
        }
    }
    let posting = posting
        .ok_or_else(|| StoreError::Missing(format!("the posting of order {}'s hold", order.id)))?;
    let mut split = Vec::new();
    for entry in transfers.range(posting + 1..)? {
        let (_, t) = entry?;
        if t.order_id != Some(order.id)
            || t.debit_account != clearing
            || t.state != ledger::TransferState::Posted
        {
            break;
        }
        split.push((t.credit_account, t.amount));
    }
    Ok(split)
}

/// Undoes a delivered order with new transfers (never edits): the split is reversed, the
/// retailer is credited, the invoice closed, payments made against it become credit again,
/// and the goods return to stock.
pub(super) fn reverse(
    tx: &WriteTx,
    order: &mut Order,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
    for (account, amount) in split_of(tx, order, clearing)? {
        ledger::transfer(
            tx,
            NewTransfer::for_order(
                account,
                clearing,
                amount,
                TransferCode::Reversal,
                order.id,
                now,
            ),
        )?;
    }
    let receivable =
        ledger::ensure_account(tx, AccountKind::RetailerReceivable, order.retailer_id, now)?;
    ledger::transfer(
        tx,
        NewTransfer::for_order(
            clearing,
            receivable,
            order.total_paisa.paisa(),
            TransferCode::Reversal,
            order.id,
            now,
        ),
    )?;
    // Read, then let the table go: saving the invoice opens it again.
    let invoice = tx.open(tables::INVOICES)?.get(order.id)?;
    if let Some(mut inv) = invoice {
        credit::payments::unallocate(tx, order.retailer_id, order.id)?;
        inv.amount_paisa = 0;
        inv.paid_paisa = 0;
        inv.closed_at = Some(now);
        credit::save_invoice(tx, &inv)?;
        credit::payments::allocate(tx, order.retailer_id, now)?;
    }
    release_stock(tx, order, now)
}
