//! Applying a move of the state machine to a stored order, with its effect on stock, the
//! ledger, invoices and messages, in the caller's transaction.

use chrono::{DateTime, Duration, Utc};

use super::create::{self, Part};
use super::route;
use super::state::{Action, Effect, Mover, OrderState, plan};
use super::{Order, OrderError, OrderLine, Rules, store};
use crate::auth::{Acting, AuthError, Party};
use crate::catalog::{StockReason, store as catalog};
use crate::credit::{self, Invoice};
use crate::ledger::{self, AccountKind, NewTransfer, TransferCode};
use crate::orders::{Money, Totals};
use crate::routing;
use crate::storage::{StoreError, TableRead, WriteTx, tables};
use crate::support::clock::nepal_date;

/// What a move did.
#[derive(Debug, Clone)]
pub struct MoveOutcome {
    pub order: Order,
    pub from: OrderState,
    /// A rejected or expired order found another vendor (the new vendor id).
    pub rerouted_to: Option<u64>,
    /// The orders split off this one when no single vendor could take every line.
    pub split_into: Vec<u64>,
}

/// Who is moving the order, and how they are written in its history.
struct Who<'a> {
    pub mover: Mover,
    pub label: &'a str,
}

/// The rules and the moment a move is made under.
pub struct Context<'a> {
    pub rules: &'a Rules,
    pub credit_rules: &'a credit::Rules,
    pub now: DateTime<Utc>,
}

/// What is asked of the order.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    pub action: Action,
    pub note: String,
    /// For a manual re-route: the vendor to move the order to (else the next best).
    pub vendor_id: Option<u64>,
}

/// The longest note a move keeps in the order's history.
pub const MAX_NOTE_CHARS: usize = 500;

impl MoveRequest {
    pub fn new(action: Action, note: impl Into<String>) -> Self {
        Self {
            action,
            note: note.into(),
            vendor_id: None,
        }
    }

    /// A move as a caller asks for it: the note is trimmed and at most [`MAX_NOTE_CHARS`].
    pub fn checked(
        action: Action,
        note: &str,
        vendor_id: Option<u64>,
    ) -> Result<Self, super::OrderError> {
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(super::OrderError::Invalid(format!(
                "note must be at most {MAX_NOTE_CHARS} characters"
            )));
        }
        Ok(Self {
            action,
            note: note.trim().to_string(),
            vendor_id,
        })
    }
}

impl MoveOutcome {
    /// For a caller who can no longer see the order after this move: what became of it.
    pub fn outcome(&self) -> &'static str {
        if self.rerouted_to.is_some() {
            "moved_to_another_vendor"
        } else {
            "cancelled"
        }
    }
}

/// The caller's part in this order, or NotFound when it has none (others' orders are not
/// even acknowledged).
pub(super) fn mover_for(acting: &Acting, order: &Order) -> Result<Mover, OrderError> {
    match (acting, acting.party()) {
        (Acting::System, _) => Ok(Mover::System),
        (Acting::User(p), _) if p.is_staff() => Ok(Mover::Staff),
        (_, Some(Party::Vendor(v))) if v == order.vendor_id => Ok(Mover::Vendor),
        (_, Some(Party::Retailer(r))) if r == order.retailer_id => Ok(Mover::Retailer),
        _ => Err(OrderError::NotFound(order.id)),
    }
}

/// The one door for every move of an order, from REST, WhatsApp and the jobs alike: who may
/// make it (their part in this very order, and that they are still active) is checked here,
/// inside the write transaction, so a move planned on an older snapshot cannot land on an
/// order that has since gone to another vendor.
pub fn act(
    tx: &WriteTx,
    acting: &Acting,
    id: u64,
    req: &MoveRequest,
    ctx: &Context<'_>,
) -> Result<MoveOutcome, OrderError> {
    let order = store::get(tx, id)?.ok_or(OrderError::NotFound(id))?;
    let mover = mover_for(acting, &order)?;
    acting.ensure_active(tx).map_err(forbidden)?;
    let label = acting.label();
    apply_action(
        tx,
        id,
        req,
        Who {
            mover,
            label: &label,
        },
        ctx,
    )
}

/// An auth refusal as an order refusal.
pub(super) fn forbidden(e: AuthError) -> OrderError {
    match e {
        AuthError::Store(e) => OrderError::Store(e),
        other => OrderError::Forbidden(other.to_string()),
    }
}

/// Applies a move to order `id`. Every check runs before the first write.
fn apply_action(
    tx: &WriteTx,
    id: u64,
    req: &MoveRequest,
    who: Who<'_>,
    ctx: &Context<'_>,
) -> Result<MoveOutcome, OrderError> {
    let (action, note, now) = (req.action, req.note.as_str(), ctx.now);
    let mut order = store::get(tx, id)?.ok_or(OrderError::NotFound(id))?;
    let mv = plan(order.state, action, who.mover)?;
    if action == Action::Reroute && note.trim().is_empty() {
        return Err(OrderError::Rule(
            "a manual re-route needs a reason in the note".into(),
        ));
    }
    let from = order.state;
    let before = store::Before::of(&order);
    let previous_vendor = order.vendor_id;
    let mut rerouted_to = None;
    let mut split_into = Vec::new();
    match mv.effect {
        Effect::None => {}
        Effect::Reroute => {
            let r = reroute(tx, &mut order, req.vendor_id, ctx.rules, who.label, now)?;
            (rerouted_to, split_into) = (r.vendor, r.split_into);
        }
        Effect::PostCredit => deliver(tx, &mut order, ctx.rules, now)?,
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
    record_vendor_figures(tx, &mut order, &before, action, mv.effect, now)?;
    order.updated_at = now;
    store::save(tx, &order, &before)?;
    let logged = match (rerouted_to, split_into.is_empty()) {
        (Some(v), true) => format!(
            "{} — moved from vendor {previous_vendor} to vendor {v}",
            describe(action, note)
        ),
        (Some(v), false) => format!(
            "{} — no single vendor has every line: split between vendor {v} and orders {}",
            describe(action, note),
            split_into
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (None, _) => describe(action, note),
    };
    store::log(tx, id, now, Some(from), order.state, who.label, &logged)?;
    if action == Action::Reroute {
        let details = format!(
            "{previous_vendor} → {}: {note}",
            rerouted_to.map_or("none".into(), |v| v.to_string())
        );
        crate::audit::record(
            tx,
            now,
            &crate::audit::Actor::System,
            "order.reroute",
            format!("order:{id} by {}", who.label),
            details,
        )?;
    }
    if matches!(mv.effect, Effect::PostCredit | Effect::Reverse) {
        credit::refresh(tx, order.retailer_id, ctx.credit_rules, now)?;
    }
    crate::orders::notify::order_moved(tx, &order, from, action, rerouted_to, note, now)?;
    Ok(MoveOutcome {
        order,
        from,
        rerouted_to,
        split_into,
    })
}

/// Keeps the vendors' histories and workloads (which routing scores) in step with the move.
fn record_vendor_figures(
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

/// Moves the order to the next eligible vendor (or the one an operator named), re-priced
/// there with the hold re-sized, or cancels it when none is left. Returns the new vendor.
/// Where a re-route sent the order: the vendor of this order, and the orders split off it
/// (empty unless no single vendor could take every line).
struct Rerouted {
    vendor: Option<u64>,
    split_into: Vec<u64>,
}

fn reroute(
    tx: &WriteTx,
    order: &mut Order,
    target: Option<u64>,
    rules: &Rules,
    label: &str,
    now: DateTime<Utc>,
) -> Result<Rerouted, OrderError> {
    let retailer = crate::retailers::store::get(tx, order.retailer_id)?
        .ok_or(OrderError::UnknownRetailer(order.retailer_id))?;
    let wants = order
        .lines
        .iter()
        .map(|l| {
            Ok((
                catalog::product(tx, l.product_id)?
                    .ok_or_else(|| StoreError::Missing(format!("product {}", l.product_id)))?,
                l.quantity,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let lines = route::lines_of(&wants);
    let vendors = route::vendors_for(tx, &lines)?;
    let mut exclude = order.tried_vendors.clone();
    exclude.push(order.vendor_id);
    let place = route::place_of(&retailer);
    let mut decision = routing::decide(&lines, &vendors, &place, &exclude, &rules.routing);
    if let Some(t) = target {
        let ok = decision
            .candidates
            .iter()
            .any(|c| c.vendor_id == t && c.eligible);
        if !ok {
            let why = decision
                .candidates
                .iter()
                .find(|c| c.vendor_id == t)
                .map_or("it does not list these products".into(), |c| {
                    c.reason.clone()
                });
            return Err(OrderError::Invalid(format!(
                "vendor {t} cannot take this order: {why}"
            )));
        }
        decision.reason = format!("chosen by an operator: vendor {t}");
        decision.chosen_vendor_id = Some(t);
    }
    let chosen = decision
        .chosen_vendor_id
        .and_then(|id| vendors.iter().find(|v| v.vendor_id == id));
    let single = match chosen {
        Some(v) => route::listings_for(tx, v, &lines)?.map(|listings| Part {
            vendor_id: v.vendor_id,
            lines: (0..lines.len()).collect(),
            listings,
            decision: decision.clone(),
        }),
        None => None,
    };
    // No single vendor: the same split as placement, into orders that travel together.
    let parts = match (single, target) {
        (Some(p), _) => vec![p],
        (None, None) => match create::split_parts(tx, &lines, &vendors, &place, &exclude, rules) {
            Ok(parts) => parts,
            Err(OrderError::NoVendor(_)) => Vec::new(),
            Err(e) => return Err(e),
        },
        (None, Some(_)) => Vec::new(),
    };
    let (priced, total) = super::create::price_parts(&wants, &parts, rules)?;
    let total = total.paisa();
    let fits =
        credit::position(tx, &retailer)?.available_paisa + order.total_paisa.paisa() >= total;
    route::record_decision(
        tx,
        order.id,
        parts.first().map_or(&decision, |p| &p.decision),
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
    release_stock(tx, order, now)?;
    if let Some(hold) = order.hold_id.take() {
        ledger::void_pending(tx, hold, now)?;
    }
    let mut priced = priced.into_iter();
    let first = priced.next().unwrap_or_default();
    reserve_anew(tx, order, parts[0].vendor_id, first, rules, now)?;
    let writing = create::Writing {
        retailer: &retailer,
        source: order.source,
        actor: label,
        rules,
        now,
    };
    let mut split_into = Vec::new();
    for (part, lines) in parts.iter().skip(1).zip(priced) {
        let o = create::write_order(tx, &writing, part, lines, Some(order.group_id))?;
        split_into.push(o.id);
    }
    Ok(Rerouted {
        vendor: Some(parts[0].vendor_id),
        split_into,
    })
}

/// No vendor (or no set of vendors) can take the order: it is cancelled, its stock and credit
/// released, and the operators alerted.
fn cancel_for_no_vendor(
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
fn reserve_anew(
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
