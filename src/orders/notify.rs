//! What people are told when an order is placed or moves, queued in the outbox in the same
//! transaction as the change. Retailers read it in their language (English or Nepali).

use chrono::{DateTime, Utc};

use crate::catalog::store as catalog;
use crate::messaging::{outbox, texts};
use crate::orders::{Action, Order, OrderSource, OrderState};
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, WriteTx};
use crate::support::clock::nepal_offset;

fn nepal_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&nepal_offset())
        .format("%H:%M")
        .to_string()
}

/// The message a vendor gets for a new order.
pub fn vendor_new_order(order: &Order, retailer: &Retailer) -> String {
    texts::order_new_vendor(&texts::NewOrder {
        number: &order.number,
        shop: &retailer.name,
        district: &retailer.district,
        lines: order
            .lines
            .iter()
            .map(|l| texts::order_line(l.quantity, &l.name, l.unit_price_paisa))
            .collect(),
        total: order.total_paisa,
        vat: order.vat_paisa,
        deadline: order.accept_by.map(nepal_time),
    })
}

/// Queues the new-order message to the vendor, and to the retailer when someone else
/// (an operator, the API) placed it for them.
pub fn order_placed(
    tx: &WriteTx,
    order: &Order,
    retailer: &Retailer,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(v) = catalog::vendor(tx, order.vendor_id)? {
        outbox::enqueue(
            tx,
            &v.phone,
            "order_new_vendor",
            vendor_new_order(order, retailer),
            Some(order.id),
            now,
        )?;
        if order.source == OrderSource::Api {
            let body = texts::order_placed_retailer(
                retailer.language,
                &order.number,
                &v.name,
                order.total_paisa,
            );
            outbox::enqueue(
                tx,
                &retailer.phone,
                "order_placed_retailer",
                body,
                Some(order.id),
                now,
            )?;
        }
    }
    Ok(())
}

/// What the shop hears about its order's move, if anything.
fn retailer_text(
    order: &Order,
    rerouted: Option<&str>,
    lang: Language,
    note: &str,
) -> Option<String> {
    let n = &order.number;
    Some(match order.state {
        OrderState::Cancelled => texts::order_cancelled(lang, n, note),
        OrderState::Placed => texts::order_rerouted(lang, n, rerouted, order.total_paisa),
        OrderState::Accepted => texts::order_accepted(lang, n),
        OrderState::Dispatched => texts::order_dispatched(lang, n),
        OrderState::Delivered => texts::order_delivered(lang, n, order.total_paisa, order.due_date),
        _ => return None,
    })
}

/// Queues what the retailer and vendors must hear about a move.
pub fn order_moved(
    tx: &WriteTx,
    order: &Order,
    from: OrderState,
    action: Action,
    rerouted_to: Option<u64>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(retailer) = crate::retailers::store::get(tx, order.retailer_id)? else {
        return Ok(());
    };
    let new_vendor = rerouted_to
        .map(|v| catalog::vendor(tx, v))
        .transpose()?
        .flatten();
    if let Some(v) = &new_vendor {
        outbox::enqueue(
            tx,
            &v.phone,
            "order_new_vendor",
            vendor_new_order(order, &retailer),
            Some(order.id),
            now,
        )?;
    }
    let vendor_name = new_vendor.as_ref().map(|v| v.name.as_str());
    if (from != order.state || rerouted_to.is_some())
        && let Some(body) = retailer_text(order, vendor_name, retailer.language, note)
    {
        outbox::enqueue(
            tx,
            &retailer.phone,
            &format!("order_{}", order.state.as_str().to_lowercase()),
            body,
            Some(order.id),
            now,
        )?;
    }
    if order.state == OrderState::Cancelled
        && action != Action::Reject
        && action != Action::Expire
        && let Some(v) = catalog::vendor(tx, order.vendor_id)?
    {
        let body = texts::order_cancelled_vendor(&order.number, note);
        outbox::enqueue(
            tx,
            &v.phone,
            "order_cancelled_vendor",
            body,
            Some(order.id),
            now,
        )?;
    }
    Ok(())
}
