//! Order tables: records, numbers, per-retailer and per-vendor indexes, the event log.

use chrono::{DateTime, Utc};

use super::{Order, OrderEvent, OrderState};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, postings, tables};
use crate::support::clock::nepal_date;
use crate::types::order_number::OrderNumber;

pub fn get(tx: &impl Tx, id: u64) -> Result<Option<Order>, StoreError> {
    tx.open(tables::ORDERS)?.get(id)
}

pub fn by_number(tx: &impl Tx, number: &str) -> Result<Option<Order>, StoreError> {
    let Some(number) = OrderNumber::parse(number) else {
        return Ok(None);
    };
    match tx.open(tables::ORDER_NUMBERS)?.get(number.as_str())? {
        Some(id) => get(tx, id),
        None => Ok(None),
    }
}

/// `ORD` + YYMMDD (Nepal date) + a daily sequence of at least four digits. Allocated in the
/// writer's transaction, so two orders can never share a number.
pub fn next_number(tx: &WriteTx, now: DateTime<Utc>) -> Result<String, StoreError> {
    let day = nepal_date(now);
    let seq = next_id(tx, &format!("order_seq:{}", day.format("%y%m%d")))?;
    Ok(OrderNumber::new(day, seq).into_string())
}

/// Writes a new order with its indexes and first event.
pub fn insert(tx: &WriteTx, order: &Order, actor: &str, note: &str) -> Result<(), StoreError> {
    tx.open(tables::ORDERS)?.put(order.id, order)?;
    tx.open(tables::ORDER_NUMBERS)?
        .put(order.number.as_str(), &order.id)?;
    postings::add(tx, tables::ORDERS_BY_RETAILER, order.retailer_id, order.id)?;
    postings::add(tx, tables::ORDERS_BY_VENDOR, order.vendor_id, order.id)?;
    if let Some(k) = deadline_key(order.state, order.accept_by, order.id) {
        tx.open(tables::ORDER_DEADLINES)?.put(k, &order.id)?;
    }
    log(
        tx,
        order.id,
        order.created_at,
        None,
        OrderState::Placed,
        actor,
        note,
    )
}

/// Saves a changed order; moves its vendor index entry when the vendor changed.
/// The order as it was before a change, for keeping the indexes right.
pub struct Before {
    pub vendor_id: u64,
    pub state: OrderState,
    pub accept_by: Option<DateTime<Utc>>,
}

impl Before {
    pub fn of(order: &Order) -> Self {
        Self {
            vendor_id: order.vendor_id,
            state: order.state,
            accept_by: order.accept_by,
        }
    }
}

/// The key under which a waiting order's acceptance deadline is indexed, if it has one.
fn deadline_key(
    state: OrderState,
    accept_by: Option<DateTime<Utc>>,
    id: u64,
) -> Option<(i64, u64)> {
    match (state, accept_by) {
        (OrderState::Placed, Some(at)) => Some((at.timestamp_millis(), id)),
        _ => None,
    }
}

/// Orders still waiting for their vendor whose deadline is at or before `now`, oldest first.
pub fn past_deadline(
    tx: &impl Tx,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<u64>, StoreError> {
    tx.open(tables::ORDER_DEADLINES)?
        .range(..=(now.timestamp_millis(), u64::MAX))?
        .take(limit)
        .map(|e| e.map(|(_, id)| id))
        .collect()
}

pub fn save(tx: &WriteTx, order: &Order, before: &Before) -> Result<(), StoreError> {
    let old = deadline_key(before.state, before.accept_by, order.id);
    let new = deadline_key(order.state, order.accept_by, order.id);
    if old != new {
        let mut deadlines = tx.open(tables::ORDER_DEADLINES)?;
        if let Some(k) = old {
            deadlines.remove(k)?;
        }
        if let Some(k) = new {
            deadlines.put(k, &order.id)?;
        }
    }
    let previous_vendor = before.vendor_id;
    if previous_vendor != order.vendor_id {
        postings::remove(tx, tables::ORDERS_BY_VENDOR, previous_vendor, order.id)?;
        postings::add(tx, tables::ORDERS_BY_VENDOR, order.vendor_id, order.id)?;
    }
    tx.open(tables::ORDERS)?.put(order.id, order)
}

pub fn log(
    tx: &WriteTx,
    order_id: u64,
    at: DateTime<Utc>,
    from: Option<OrderState>,
    to: OrderState,
    actor: &str,
    note: &str,
) -> Result<(), StoreError> {
    let event = OrderEvent {
        at,
        from,
        to,
        actor: actor.to_string(),
        note: note.to_string(),
    };
    let mut table = tx.open(tables::ORDER_HISTORY)?;
    let mut events = table.get(order_id)?.unwrap_or_default();
    events.push(event);
    table.put(order_id, &events)
}

pub fn history(tx: &impl Tx, order_id: u64) -> Result<Vec<OrderEvent>, StoreError> {
    Ok(tx
        .open(tables::ORDER_HISTORY)?
        .get(order_id)?
        .unwrap_or_default())
}

/// Ids of a retailer's (or vendor's) orders, newest first.
pub fn ids_by(
    tx: &impl Tx,
    retailer: Option<u64>,
    vendor: Option<u64>,
) -> Result<Option<Vec<u64>>, StoreError> {
    let (table, owner) = match (retailer, vendor) {
        (Some(r), _) => (tables::ORDERS_BY_RETAILER, r),
        (None, Some(v)) => (tables::ORDERS_BY_VENDOR, v),
        (None, None) => return Ok(None),
    };
    let index = tx.open(table)?;
    let ids = postings::descending(&index, owner, u64::MAX)?.collect::<Result<_, _>>()?;
    Ok(Some(ids))
}
