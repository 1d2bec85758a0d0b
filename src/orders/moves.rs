//! Applying a move of the state machine to a stored order, with its effect on stock, the
//! ledger, invoices and messages, in the caller's transaction.

use chrono::{DateTime, Duration, Utc};

use super::create::price_lines;
use super::state::{Action, Effect, Mover, OrderState, plan};
use super::{Order, OrderError, Rules, store};
use crate::catalog::{StockReason, store as catalog};
use crate::clock::nepal_date;
use crate::credit::{self, Invoice};
use crate::ledger::{self, AccountKind, TransferCode};
use crate::money::percent_of;
use crate::routing::{self, Want};
use crate::storage::{StoreError, TableRead, WriteTx, tables};

/// What a move did.
#[derive(Debug, Clone)]
pub struct MoveOutcome {
    pub order: Order,
    pub from: OrderState,
    /// A rejected or expired order found another vendor (the new vendor id).
    pub rerouted_to: Option<u64>,
}

/// Who is moving the order, and how they are written in its history.
pub struct Who<'a> {
    pub mover: Mover,
    pub label: &'a str,
}

/// The rules and the moment a move is made under.
pub struct Context<'a> {
    pub rules: &'a Rules,
    pub credit_rules: &'a credit::Rules,
    pub now: DateTime<Utc>,
}

/// Applies `action` to order `id`. Every check runs before the first write.
pub fn apply_action(
    tx: &WriteTx,
    id: u64,
    action: Action,
    who: Who<'_>,
    note: &str,
    ctx: &Context<'_>,
) -> Result<MoveOutcome, OrderError> {
    let (rules, credit_rules, now) = (ctx.rules, ctx.credit_rules, ctx.now);
    let mut order = store::get(tx, id)?.ok_or(OrderError::NotFound(id))?;
    let mv = plan(order.state, action, who.mover)?;
    let from = order.state;
    let before = store::Before::of(&order);
    let previous_vendor = order.vendor_id;
    let mut rerouted_to = None;
    match mv.effect {
        Effect::None => {}
        Effect::Reroute => rerouted_to = reroute(tx, &mut order, rules, now)?,
        Effect::PostCredit => deliver(tx, &mut order, rules, now)?,
        Effect::Release => release(tx, &mut order, now)?,
        Effect::Reverse => reverse(tx, &mut order, now)?,
    }
    order.state = match (mv.effect, rerouted_to) {
        (Effect::Reroute, None) => OrderState::Cancelled,
        _ => mv.to,
    };
    if order.state == OrderState::Cancelled && order.cancel_reason.is_none() {
        order.cancel_reason = Some(format!(
            "{}: {}",
            who.label,
            if note.is_empty() {
                action.as_str()
            } else {
                note
            }
        ));
    }
    order.updated_at = now;
    store::save(tx, &order, &before)?;
    let logged = match rerouted_to {
        Some(v) => format!(
            "{} — moved from vendor {previous_vendor} to vendor {v}",
            describe(action, note)
        ),
        None => describe(action, note),
    };
    store::log(tx, id, now, Some(from), order.state, who.label, &logged)?;
    if matches!(mv.effect, Effect::PostCredit | Effect::Reverse) {
        credit::refresh(tx, order.retailer_id, credit_rules, now)?;
    }
    crate::notify::order_moved(tx, &order, from, action, rerouted_to, note, now)?;
    Ok(MoveOutcome {
        order,
        from,
        rerouted_to,
    })
}

fn describe(action: Action, note: &str) -> String {
    if note.is_empty() {
        action.as_str().to_string()
    } else {
        format!("{}: {note}", action.as_str())
    }
}

fn release_stock(tx: &WriteTx, order: &Order, now: DateTime<Utc>) -> Result<(), OrderError> {
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
fn release(tx: &WriteTx, order: &mut Order, now: DateTime<Utc>) -> Result<(), OrderError> {
    release_stock(tx, order, now)?;
    if let Some(hold) = order.hold_id.take() {
        ledger::void_pending(tx, hold, now)?;
    }
    Ok(())
}

/// Moves the order to the next eligible vendor (re-priced there, with the hold re-sized), or
/// cancels it when none is left. Returns the new vendor.
fn reroute(
    tx: &WriteTx,
    order: &mut Order,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Option<u64>, OrderError> {
    order.tried_vendors.push(order.vendor_id);
    let wants: Vec<Want> = order
        .lines
        .iter()
        .map(|l| Want {
            product_id: l.product_id,
            quantity: l.quantity,
        })
        .collect();
    // Stock held for this order at the old vendor is not stock the new one has.
    let choice = routing::cheapest(tx, &wants, &order.tried_vendors)?;
    let retailer = crate::retailers::store::get(tx, order.retailer_id)?
        .ok_or(OrderError::UnknownRetailer(order.retailer_id))?;
    let choice = match choice {
        Ok(c) => {
            let products = order
                .lines
                .iter()
                .map(|l| {
                    catalog::product(tx, l.product_id)?
                        .ok_or_else(|| StoreError::Missing(format!("product {}", l.product_id)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let priced = price_lines(
                &products
                    .into_iter()
                    .zip(wants.iter().copied())
                    .collect::<Vec<_>>(),
                &c.listings,
                rules,
            );
            let total: i64 = priced.iter().map(|l| l.total_paisa).sum();
            let pos = credit::position(tx, &retailer)?;
            (total <= pos.available_paisa + order.total_paisa).then_some((c, priced, total))
        }
        Err(_) => None,
    };
    let Some((choice, lines, total)) = choice else {
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
        return Ok(None);
    };
    release_stock(tx, order, now)?;
    if let Some(hold) = order.hold_id.take() {
        ledger::void_pending(tx, hold, now)?;
    }
    for l in &lines {
        catalog::move_stock(
            tx,
            l.listing_id,
            -i64::from(l.quantity),
            StockReason::Reserve { order_id: order.id },
            now,
        )?;
    }
    let receivable =
        ledger::ensure_account(tx, AccountKind::RetailerReceivable, order.retailer_id, now)?;
    let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
    let hold = ledger::transfer(
        tx,
        receivable,
        clearing,
        total,
        true,
        TransferCode::OrderHold,
        Some(order.id),
        None,
        now,
    )?;
    order.hold_id = Some(hold.id);
    order.vendor_id = choice.vendor_id;
    order.subtotal_paisa = lines
        .iter()
        .map(|l| l.unit_price_paisa * i64::from(l.quantity))
        .sum();
    order.vat_paisa = lines.iter().map(|l| l.vat_paisa).sum();
    order.total_paisa = total;
    order.lines = lines;
    order.accept_by = Some(now + rules.accept_within);
    Ok(Some(choice.vendor_id))
}

/// Posts the hold and splits the amount into the vendor's payable, the platform's commission
/// and VAT; raises the invoice, due after the retailer's terms, and pays it from any credit
/// balance.
fn deliver(
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
    let commission = percent_of(
        order.subtotal_paisa,
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
            order.subtotal_paisa - commission,
            TransferCode::VendorShare,
        ),
        (revenue, commission, TransferCode::Commission),
        (vat, order.vat_paisa, TransferCode::Vat),
    ] {
        if amount > 0 {
            ledger::transfer(
                tx,
                clearing,
                to,
                amount,
                false,
                code,
                Some(order.id),
                None,
                now,
            )?;
        }
    }
    let due = nepal_date(now) + Duration::days(i64::from(retailer.terms_days));
    order.delivered_at = Some(now);
    order.due_date = Some(due);
    let invoice = Invoice {
        order_id: order.id,
        retailer_id: order.retailer_id,
        amount_paisa: order.total_paisa,
        paid_paisa: 0,
        issued_at: now,
        due_date: due,
        closed_at: None,
    };
    credit::save_invoice(tx, &invoice)?;
    credit::payments::allocate(tx, order.retailer_id, now)?;
    Ok(())
}

/// Undoes a delivered order with new transfers (never edits): the split is reversed, the
/// retailer is credited, the invoice closed, payments made against it become credit again,
/// and the goods return to stock.
fn reverse(tx: &WriteTx, order: &mut Order, now: DateTime<Utc>) -> Result<(), OrderError> {
    let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
    let mut split = Vec::new();
    for entry in tx.open(tables::LEDGER_TRANSFERS)?.iter()? {
        let (_, t) = entry?;
        if t.order_id == Some(order.id)
            && t.debit_account == clearing
            && t.state == ledger::TransferState::Posted
        {
            split.push((t.credit_account, t.amount));
        }
    }
    for (account, amount) in split {
        ledger::transfer(
            tx,
            account,
            clearing,
            amount,
            false,
            TransferCode::Reversal,
            Some(order.id),
            None,
            now,
        )?;
    }
    let receivable =
        ledger::ensure_account(tx, AccountKind::RetailerReceivable, order.retailer_id, now)?;
    ledger::transfer(
        tx,
        clearing,
        receivable,
        order.total_paisa,
        false,
        TransferCode::Reversal,
        Some(order.id),
        None,
        now,
    )?;
    if let Some(mut inv) = tx.open(tables::INVOICES)?.get(order.id)? {
        credit::payments::unallocate(tx, order.retailer_id, order.id)?;
        inv.amount_paisa = 0;
        inv.paid_paisa = 0;
        inv.closed_at = Some(now);
        credit::save_invoice(tx, &inv)?;
        credit::payments::allocate(tx, order.retailer_id, now)?;
    }
    release_stock(tx, order, now)
}
