//! What people are told when an order is placed or moves, queued in the outbox in the same
//! transaction as the change. Retailers read it in their language (English or Nepali).

use chrono::{DateTime, Utc};

use crate::catalog::store as catalog;
use crate::messaging::outbox;
use crate::orders::{Action, Order, OrderSource, OrderState};
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, WriteTx};
use crate::support::clock::nepal_offset;
use crate::types::money::format_npr;

fn nepal_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&nepal_offset())
        .format("%H:%M")
        .to_string()
}

fn lines(order: &Order) -> String {
    order
        .lines
        .iter()
        .map(|l| {
            format!(
                "- {} × {} @ {}",
                l.quantity,
                l.name,
                format_npr(l.unit_price_paisa)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The message a vendor gets for a new order.
pub fn vendor_new_order(order: &Order, retailer: &Retailer) -> String {
    let deadline = order
        .accept_by
        .map(|d| format!(" by {}", nepal_time(d)))
        .unwrap_or_default();
    format!(
        "New order {num} from {shop} ({district}):\n{lines}\nTotal {total} incl. VAT {vat}\nReply ACCEPT {num} or REJECT {num} <reason>{deadline}.",
        num = order.number,
        shop = retailer.name,
        district = retailer.district,
        lines = lines(order),
        total = format_npr(order.total_paisa),
        vat = format_npr(order.vat_paisa),
    )
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
            let body = match retailer.language {
                Language::En => format!(
                    "Order {} placed with {}: total {}. We will tell you when it is accepted.",
                    order.number,
                    v.name,
                    format_npr(order.total_paisa)
                ),
                Language::Ne => format!(
                    "अर्डर {} {} लाई पठाइयो: जम्मा {}। स्वीकार भएपछि खबर गर्नेछौं।",
                    order.number,
                    v.name,
                    format_npr(order.total_paisa)
                ),
            };
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

fn retailer_text(
    order: &Order,
    action: Action,
    rerouted: Option<&str>,
    lang: Language,
    note: &str,
) -> Option<String> {
    let n = &order.number;
    let total = format_npr(order.total_paisa);
    let due = order
        .due_date
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let reason = if note.is_empty() {
        String::new()
    } else {
        format!(" ({note})")
    };
    Some(match (order.state, action, lang) {
        (OrderState::Cancelled, _, Language::En) => {
            format!("Order {n} was cancelled{reason}. Any credit held for it is released.")
        }
        (OrderState::Cancelled, _, Language::Ne) => {
            format!("अर्डर {n} रद्द भयो{reason}। यसका लागि राखिएको क्रेडिट फुकुवा भयो।")
        }
        (OrderState::Placed, _, Language::En) => format!(
            "Order {n} moved to {} — new total {total}.",
            rerouted.unwrap_or("another vendor")
        ),
        (OrderState::Placed, _, Language::Ne) => format!(
            "अर्डर {n} अर्को पसल {} मा सारियो — नयाँ जम्मा {total}।",
            rerouted.unwrap_or("")
        ),
        (OrderState::Accepted, _, Language::En) => format!("Order {n} was accepted by the vendor."),
        (OrderState::Accepted, _, Language::Ne) => format!("अर्डर {n} स्वीकार भयो।"),
        (OrderState::Dispatched, _, Language::En) => format!("Order {n} is on its way."),
        (OrderState::Dispatched, _, Language::Ne) => format!("अर्डर {n} पठाइयो, बाटोमा छ।"),
        (OrderState::Delivered, _, Language::En) => format!(
            "Order {n} was delivered: {total} due by {due}. Reply RECEIVED {n} if all is well, or ISSUE {n} and what is wrong."
        ),
        (OrderState::Delivered, _, Language::Ne) => format!(
            "अर्डर {n} पुग्यो: {total} {due} सम्म तिर्नुहोस्। ठीक छ भने RECEIVED {n}, समस्या भए ISSUE {n} लेख्नुहोस्।"
        ),
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
        && let Some(body) = retailer_text(order, action, vendor_name, retailer.language, note)
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
        let body = format!(
            "Order {} was cancelled{}. Do not send it.",
            order.number,
            if note.is_empty() {
                String::new()
            } else {
                format!(": {note}")
            }
        );
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
