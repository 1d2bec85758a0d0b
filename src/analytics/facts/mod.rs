//! Daily facts: what happened on each Nepal calendar day, per retailer, vendor, product,
//! listing and district (and `all`), computed from the order log and the ledger and kept in
//! `DAILY_FACTS` under `YYYY-MM-DD|dimension`.
//!
//! Definitions (each figure is counted on the Nepal day of the instant named):
//! - `placed` / `confirmed`: orders created (an order is created when the shop confirms its
//!   preview, so the two are equal; both are kept so the funnel reads plainly);
//! - `accepted`: the vendor's acceptance (`accepted_at`); `cancelled`: orders whose final
//!   state is CANCELLED, on the day of that move;
//! - `delivered`, `units_delivered`, `gmv_paisa` (total incl. VAT), `gmv_excl_vat_paisa`,
//!   `vat_paisa`, `credit_issued_paisa`: orders on their delivery day (a delivered order is
//!   invoiced in full, so credit issued equals GMV);
//! - `commission_paisa`: the platform's margin, the ledger's commission transfers of the day
//!   less the commission reversed that day; `reversed_paisa`: delivered orders undone;
//! - `repaid_paisa`: payments received that day; `invoices_paid`, `invoices_paid_late`,
//!   `days_late_total`: invoices settled that day, those settled after their due date, and
//!   by how many days in all.
//!
//! Products, and listings (`listing:ID`, a vendor's offer of a product: the series the
//! demand forecasts learn from), carry units and value (line totals incl. VAT) only: commission is an order's, not
//! a line's. Acceptance is looked for among orders placed at most [`LOOKBACK_DAYS`] before
//! the day (a vendor has hours, not weeks, to accept); everything the ledger records is found
//! from the day's transfers whatever the order's age.

pub mod active;
mod count;
mod fact;
mod kept;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};

pub use active::{DayActive, first_order_day};
pub use count::record_preview;
use count::{Acc, Districts, Keys, ledger_facts, order_facts, preview_facts, settled_facts};
pub use fact::{Fact, dim};
pub use kept::{Select, built_through, check, day_key, first_day, store, stored, stored_select};

use crate::orders::Order;
use crate::storage::{StoreError, TableRead, Tx, tables};
use crate::support::clock::parse_bound;

/// A delivery within this many hours of the vendor's acceptance is on time.
pub const ON_TIME_HOURS: i64 = 48;

/// How far back an order's acceptance is looked for.
pub const LOOKBACK_DAYS: i64 = 30;

/// The meta key holding the last Nepal day whose facts are stored (days from the common era).
const BUILT_THROUGH: &str = "analytics_built_through";

/// Facts by day, then by dimension.
pub type Days = BTreeMap<NaiveDate, BTreeMap<String, Fact>>;

/// The instant a Nepal day starts.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    parse_bound(&day.format("%Y-%m-%d").to_string(), false).unwrap_or_default()
}

/// The first key of a u64-keyed table whose record is at or after `at`, for tables whose ids
/// grow with time (orders, transfers, payments, messages). Scanning from it finds the rest.
pub(super) fn first_at<V: serde::de::DeserializeOwned>(
    view: &impl TableRead<u64, V>,
    at: DateTime<Utc>,
    time: impl Fn(&V) -> DateTime<Utc>,
) -> Result<u64, StoreError> {
    let Some(last) = view.iter()?.next_back().transpose()? else {
        return Ok(0);
    };
    let (mut lo, mut hi) = (0u64, last.0.saturating_add(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match view.range(mid..)?.next().transpose()? {
            Some((k, v)) if time(&v) < at => lo = k + 1,
            _ => hi = mid,
        }
    }
    Ok(lo)
}

/// Computes the facts of every day in `from..=to` in one pass over the records.
pub fn compute(tx: &impl Tx, from: NaiveDate, to: NaiveDate) -> Result<Days, StoreError> {
    let (start, end) = (day_start(from), day_start(to + Duration::days(1)));
    let mut days = Days::new();
    let orders = load_orders(tx, start, end)?;
    let mut districts = Districts::default();
    let mut acc = Acc {
        from,
        to,
        days: &mut days,
    };
    let invoices = tx.open(tables::INVOICES)?;
    for o in orders.values() {
        let keys = Keys::of(o, &districts.of(tx, o.retailer_id)?);
        order_facts(&mut acc, o, &keys.dims);
        if let Some(inv) = invoices.get(o.id)? {
            settled_facts(&mut acc, &inv, &keys.dims);
        }
    }
    ledger_facts(tx, &mut acc, &orders, (start, end), &mut districts)?;
    preview_facts(tx, &mut acc, &mut districts)?;
    Ok(days)
}

/// The orders with something to count in `[start, end)`: those placed from the lookback on,
/// and those the window's transfers and payments name.
fn load_orders(
    tx: &impl Tx,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<BTreeMap<u64, Order>, StoreError> {
    let view = tx.open(tables::ORDERS)?;
    let mut out = BTreeMap::new();
    let first = first_at(&view, start - Duration::days(LOOKBACK_DAYS), |o| {
        o.created_at
    })?;
    for entry in view.range(first..)? {
        let (id, o) = entry?;
        if o.created_at >= end {
            break;
        }
        out.insert(id, o);
    }
    let mut named = BTreeSet::new();
    let transfers = tx.open(tables::LEDGER_TRANSFERS)?;
    for entry in transfers.range(first_at(&transfers, start, |t| t.at)?..)? {
        let (_, t) = entry?;
        if t.at >= end {
            break;
        }
        named.extend(t.order_id);
    }
    let payments = tx.open(tables::PAYMENTS)?;
    for entry in payments.range(first_at(&payments, start, |p| p.created_at)?..)? {
        let (_, p) = entry?;
        if p.created_at >= end {
            break;
        }
        named.extend(p.allocations.iter().map(|a| a.order_id));
    }
    for id in named {
        if let std::collections::btree_map::Entry::Vacant(e) = out.entry(id)
            && let Some(o) = view.get(id)?
        {
            e.insert(o);
        }
    }
    Ok(out)
}
