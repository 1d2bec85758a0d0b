//! Applying a move of the state machine to a stored order, with its effect on stock, the
//! ledger, invoices and messages, in the caller's transaction.

mod effects;
mod reroute;

use effects::{deliver, record_vendor_figures, release, reverse};
use reroute::reroute;

use chrono::{DateTime, Utc};

use super::create;
//DEL
use super::state::{Action, Effect, Mover, OrderState, plan};
use super::{Order, OrderError, Rules, store};
use crate::auth::{Acting, AuthError, Party};
//DEL
use crate::credit;
//DEL
//DEL
//DEL
use crate::storage::WriteTx;
//DEL

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

    /// A move as a caller asks for it: the note is trimmed and at most `MAX_NOTE_CHARS` characters.
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
    let before = store::Before::of(&order);
    let previous_vendor = order.vendor_id;
    let (rerouted_to, split_into) = apply_effect(tx, &mut order, mv.effect, req, &who, ctx)?;
    order.state = match (mv.effect, rerouted_to) {
        (Effect::Reroute, None) => OrderState::Cancelled,
        _ => mv.to,
    };
    if order.state == OrderState::Cancelled && order.cancel_reason.is_none() {
        let why = if note.is_empty() {
            action.as_str()
        } else {
            note
        };
        order.cancel_reason = Some(format!("{}: {why}", who.label));
    }
    record_vendor_figures(tx, &mut order, &before, action, mv.effect, now)?;
    order.updated_at = now;
    store::save(tx, &order, &before)?;
    let moved = Moved {
        from: before.state,
        previous_vendor,
        rerouted_to,
        split_into: &split_into,
    };
    log_move(tx, &order, req, &moved, who.label, now)?;
    if matches!(mv.effect, Effect::PostCredit | Effect::Reverse) {
        credit::refresh(tx, order.retailer_id, ctx.credit_rules, now)?;
    }
    crate::orders::notify::order_moved(tx, &order, before.state, action, rerouted_to, note, now)?;
    Ok(MoveOutcome {
        order,
        from: before.state,
        rerouted_to,
        split_into,
    })
}

/// What the move does to stock, the ledger and the vendor; for a re-route, where it went.
fn apply_effect(
    tx: &WriteTx,
    order: &mut Order,
    effect: Effect,
    req: &MoveRequest,
    who: &Who<'_>,
    ctx: &Context<'_>,
) -> Result<(Option<u64>, Vec<u64>), OrderError> {
    match effect {
        Effect::None => {}
        Effect::Reroute => {
            let r = reroute(tx, order, req.vendor_id, ctx.rules, who.label, ctx.now)?;
            return Ok((r.vendor, r.split_into));
        }
        Effect::PostCredit => deliver(tx, order, ctx.rules, ctx.now)?,
        Effect::Release => release(tx, order, ctx.now)?,
        Effect::Reverse => reverse(tx, order, ctx.now)?,
    }
    Ok((None, Vec::new()))
}

/// Where an order was before its move, and where the move sent it.
struct Moved<'a> {
    from: OrderState,
    previous_vendor: u64,
    rerouted_to: Option<u64>,
    split_into: &'a [u64],
}

/// The move in the order's history, and a re-route in the audit log.
fn log_move(
    tx: &WriteTx,
    order: &Order,
    req: &MoveRequest,
    m: &Moved<'_>,
    label: &str,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    let (action, note, previous) = (req.action, req.note.as_str(), m.previous_vendor);
    let logged = match (m.rerouted_to, m.split_into.is_empty()) {
        (Some(v), true) => format!(
            "{} — moved from vendor {previous} to vendor {v}",
            describe(action, note)
        ),
        (Some(v), false) => {
            let others: Vec<String> = m.split_into.iter().map(u64::to_string).collect();
            format!(
                "{} — no single vendor has every line: split between vendor {v} and orders {}",
                describe(action, note),
                others.join(", ")
            )
        }
        (None, _) => describe(action, note),
    };
    store::log(tx, order.id, now, Some(m.from), order.state, label, &logged)?;
    if action == Action::Reroute {
        let to = m.rerouted_to.map_or("none".into(), |v| v.to_string());
        crate::audit::record(
            tx,
            now,
            &crate::audit::Actor::System,
            "order.reroute",
            format!("order:{} by {label}", order.id),
            format!("{previous} → {to}: {note}"),
        )?;
    }
    Ok(())
}

fn describe(action: Action, note: &str) -> String {
    if note.is_empty() {
        action.as_str().to_string()
    } else {
        format!("{}: {note}", action.as_str())
    }
}
