//! A shop reports a problem with a delivered order: the one door for it, from WhatsApp today
//! and from any later caller. The order is marked disputed, the operators are alerted, and the
//! report is in the order's history and the audit log.

use chrono::{DateTime, Utc};

use super::moves::{forbidden, mover_for};
use super::state::{Mover, OrderState};
use super::{Order, OrderError, store};
use crate::auth::Acting;
use crate::credit::alerts;
use crate::storage::WriteTx;

/// The longest report kept.
pub const MAX_ISSUE_CHARS: usize = 500;

/// Records a problem with a delivered order, reported by its shop (or by staff for it).
pub fn report_issue(
    tx: &WriteTx,
    acting: &Acting,
    order_id: u64,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Order, OrderError> {
    let mut order = store::get(tx, order_id)?.ok_or(OrderError::NotFound(order_id))?;
    match mover_for(acting, &order)? {
        Mover::Retailer | Mover::Staff => {}
        _ => {
            return Err(OrderError::Forbidden(
                "only the shop that received the order reports a problem with it".into(),
            ));
        }
    }
    acting.ensure_active(tx).map_err(forbidden)?;
    if !matches!(order.state, OrderState::Delivered | OrderState::Completed) {
        return Err(OrderError::Invalid(format!(
            "order {} has not been delivered yet ({})",
            order.number,
            order.state.as_str()
        )));
    }
    let text: String = text.trim().chars().take(MAX_ISSUE_CHARS).collect();
    if text.is_empty() {
        return Err(OrderError::Invalid("say what the problem is".into()));
    }
    let before = store::Before::of(&order);
    order.disputed = true;
    order.updated_at = now;
    store::save(tx, &order, &before)?;
    let label = acting.label();
    store::log(
        tx,
        order_id,
        now,
        Some(order.state),
        order.state,
        &label,
        &format!("issue reported: {text}"),
    )?;
    alerts::raise(
        tx,
        alerts::AlertKind::Delivery,
        &format!("order:{order_id}"),
        format!("order {}: the shop reports a problem: {text}", order.number),
        now,
    )?;
    crate::audit::record(
        tx,
        now,
        &acting.actor(),
        "order.issue",
        format!("order:{order_id}"),
        String::new(),
    )?;
    Ok(order)
}
