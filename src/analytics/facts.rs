//! Daily facts: what happened on each Nepal calendar day, per retailer, vendor, product and
//! district (and `all`), computed from the order log and the ledger and kept in
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
//! Products carry units and value (line totals incl. VAT) only: commission is an order's, not
//! a line's. Acceptance is looked for among orders placed at most [`LOOKBACK_DAYS`] before
//! the day (a vendor has hours, not weeks, to accept); everything the ledger records is found
//! from the day's transfers whatever the order's age.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ledger::{self, AccountKind, TransferCode};
use crate::orders::{Order, OrderState};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, meta_get, meta_put, tables};
use crate::support::clock::{nepal_date, parse_bound};

/// A delivery within this many hours of the vendor's acceptance is on time.
pub const ON_TIME_HOURS: i64 = 48;

/// How far back an order's acceptance is looked for.
pub const LOOKBACK_DAYS: i64 = 30;

/// The meta key holding the last Nepal day whose facts are stored (days from the common era).
const BUILT_THROUGH: &str = "analytics_built_through";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fact {
    pub placed: u32,
    pub confirmed: u32,
    pub accepted: u32,
    pub delivered: u32,
    pub cancelled: u32,
    pub units_placed: u64,
    pub units_delivered: u64,
    pub placed_paisa: i64,
    pub gmv_paisa: i64,
    pub gmv_excl_vat_paisa: i64,
    pub vat_paisa: i64,
    pub commission_paisa: i64,
    pub reversed_paisa: i64,
    pub credit_issued_paisa: i64,
    pub repaid_paisa: i64,
    /// Minutes from the offer to the vendor's acceptance, summed over `accepted`.
    pub accept_minutes: i64,
    /// Minutes from acceptance to delivery, summed over `delivered`.
    pub fulfil_minutes: i64,
    /// Delivered within [`ON_TIME_HOURS`] of acceptance.
    pub delivered_on_time: u32,
    pub invoices_paid: u32,
    pub invoices_paid_late: u32,
    pub days_late_total: i64,
    /// WhatsApp previews started by shops (the funnel's first step).
    pub previews: u32,
}

impl Fact {
    pub fn add(&mut self, o: &Fact) {
        self.placed += o.placed;
        self.confirmed += o.confirmed;
        self.accepted += o.accepted;
        self.delivered += o.delivered;
        self.cancelled += o.cancelled;
        self.units_placed += o.units_placed;
        self.units_delivered += o.units_delivered;
        self.placed_paisa += o.placed_paisa;
        self.gmv_paisa += o.gmv_paisa;
        self.gmv_excl_vat_paisa += o.gmv_excl_vat_paisa;
        self.vat_paisa += o.vat_paisa;
        self.commission_paisa += o.commission_paisa;
        self.reversed_paisa += o.reversed_paisa;
        self.credit_issued_paisa += o.credit_issued_paisa;
        self.repaid_paisa += o.repaid_paisa;
        self.accept_minutes += o.accept_minutes;
        self.fulfil_minutes += o.fulfil_minutes;
        self.delivered_on_time += o.delivered_on_time;
        self.invoices_paid += o.invoices_paid;
        self.invoices_paid_late += o.invoices_paid_late;
        self.days_late_total += o.days_late_total;
        self.previews += o.previews;
    }

    pub fn is_empty(&self) -> bool {
        *self == Fact::default()
    }
}

/// The dimension names facts are kept under.
pub mod dim {
    pub const ALL: &str = "all";
    pub fn retailer(id: u64) -> String {
        format!("retailer:{id}")
    }
    pub fn vendor(id: u64) -> String {
        format!("vendor:{id}")
    }
    pub fn product(id: u64) -> String {
        format!("product:{id}")
    }
    pub fn district(name: &str) -> String {
        format!("district:{name}")
    }
    /// The id in `retailer:12`, when the dimension is of that kind.
    pub fn id_of(dim: &str, kind: &str) -> Option<u64> {
        dim.strip_prefix(kind)?.strip_prefix(':')?.parse().ok()
    }
}

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

/// Who an order's figures are counted for.
struct Keys {
    dims: Vec<String>,
}

impl Keys {
    fn of(o: &Order, district: &str) -> Keys {
        Keys {
            dims: vec![
                dim::ALL.to_string(),
                dim::retailer(o.retailer_id),
                dim::vendor(o.vendor_id),
                dim::district(district),
            ],
        }
    }
}

/// Collects figures into days and dimensions.
struct Acc<'a> {
    from: NaiveDate,
    to: NaiveDate,
    days: &'a mut Days,
}

impl Acc<'_> {
    /// Adds `f` to each dimension for the Nepal day of `at`, when that day is in range.
    fn add(&mut self, at: DateTime<Utc>, dims: &[String], f: impl Fn(&mut Fact)) -> bool {
        let day = nepal_date(at);
        if day < self.from || day > self.to {
            return false;
        }
        let facts = self.days.entry(day).or_default();
        for d in dims {
            f(facts.entry(d.clone()).or_default());
        }
        true
    }
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

fn minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_minutes().max(0)
}

/// What the order itself records: placement, acceptance, delivery, cancellation.
fn order_facts(acc: &mut Acc<'_>, o: &Order, dims: &[String]) {
    let units: u64 = o.lines.iter().map(|l| u64::from(l.quantity)).sum();
    let total = o.total_paisa.paisa();
    acc.add(o.created_at, dims, |f| {
        f.placed += 1;
        f.confirmed += 1;
        f.units_placed += units;
        f.placed_paisa += total;
    });
    for l in &o.lines {
        let product = [dim::product(l.product_id)];
        let line_total = l.total_paisa.paisa();
        acc.add(o.created_at, &product, |f| {
            f.placed += 1;
            f.confirmed += 1;
            f.units_placed += u64::from(l.quantity);
            f.placed_paisa += line_total;
        });
        if let Some(at) = o.delivered_at {
            acc.add(at, &product, |f| {
                f.delivered += 1;
                f.units_delivered += u64::from(l.quantity);
                f.gmv_paisa += line_total;
                f.gmv_excl_vat_paisa += line_total - l.vat_paisa.paisa();
                f.vat_paisa += l.vat_paisa.paisa();
            });
        }
    }
    if let Some(at) = o.accepted_at {
        let waited = minutes(o.offered_at, at);
        acc.add(at, dims, |f| {
            f.accepted += 1;
            f.accept_minutes += waited;
        });
    }
    if let Some(at) = o.delivered_at {
        let took = o.accepted_at.map_or(0, |a| minutes(a, at));
        acc.add(at, dims, |f| {
            f.delivered += 1;
            f.units_delivered += units;
            f.gmv_paisa += total;
            f.gmv_excl_vat_paisa += o.subtotal_paisa.paisa();
            f.vat_paisa += o.vat_paisa.paisa();
            f.credit_issued_paisa += total;
            f.fulfil_minutes += took;
            if took <= ON_TIME_HOURS * 60 {
                f.delivered_on_time += 1;
            }
        });
    }
    if o.state == OrderState::Cancelled {
        acc.add(o.updated_at, dims, |f| f.cancelled += 1);
    }
}

/// An invoice settled in the window, and how late.
fn settled_facts(acc: &mut Acc<'_>, inv: &crate::credit::Invoice, dims: &[String]) {
    let Some(closed) = inv.closed_at.filter(|_| inv.amount_paisa > 0) else {
        return;
    };
    let late = (nepal_date(closed) - inv.due_date).num_days().max(0);
    acc.add(closed, dims, |f| {
        f.invoices_paid += 1;
        if late > 0 {
            f.invoices_paid_late += 1;
            f.days_late_total += late;
        }
    });
}

/// What only the ledger knows: commission (and its reversal), reversed orders, payments.
fn ledger_facts(
    tx: &impl Tx,
    acc: &mut Acc<'_>,
    orders: &BTreeMap<u64, Order>,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    districts: &mut Districts,
) -> Result<(), StoreError> {
    let revenue = ledger::account_by_key(tx, AccountKind::PlatformRevenue, 0)?.map(|a| a.id);
    let mut receivables: HashMap<u64, Option<u64>> = HashMap::new();
    let transfers = tx.open(tables::LEDGER_TRANSFERS)?;
    for entry in transfers.range(first_at(&transfers, start, |t| t.at)?..)? {
        let (_, t) = entry?;
        if t.at >= end {
            break;
        }
        let order = t.order_id.and_then(|id| orders.get(&id));
        match (t.code, order) {
            (TransferCode::Commission, Some(o)) if Some(t.credit_account) == revenue => {
                let keys = Keys::of(o, &districts.of(tx, o.retailer_id)?);
                acc.add(t.at, &keys.dims, |f| f.commission_paisa += t.amount);
            }
            (TransferCode::Reversal, Some(o)) => {
                let keys = Keys::of(o, &districts.of(tx, o.retailer_id)?);
                if Some(t.debit_account) == revenue {
                    acc.add(t.at, &keys.dims, |f| f.commission_paisa -= t.amount);
                } else if owner_of(tx, &mut receivables, t.credit_account)?.is_some() {
                    acc.add(t.at, &keys.dims, |f| f.reversed_paisa += t.amount);
                }
            }
            (TransferCode::Payment, _) => {
                if let Some(r) = owner_of(tx, &mut receivables, t.credit_account)? {
                    let dims = [
                        dim::ALL.to_string(),
                        dim::retailer(r),
                        dim::district(&districts.of(tx, r)?),
                    ];
                    acc.add(t.at, &dims, |f| f.repaid_paisa += t.amount);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The retailer a receivable account belongs to (`None` for other accounts).
fn owner_of(
    tx: &impl Tx,
    cache: &mut HashMap<u64, Option<u64>>,
    account: u64,
) -> Result<Option<u64>, StoreError> {
    if let Some(o) = cache.get(&account) {
        return Ok(*o);
    }
    let owner = ledger::account(tx, account)?
        .filter(|a| a.kind == AccountKind::RetailerReceivable)
        .map(|a| a.owner);
    cache.insert(account, owner);
    Ok(owner)
}

/// Previews started by shops, counted by the conversation as they happen.
fn preview_facts(
    tx: &impl Tx,
    acc: &mut Acc<'_>,
    districts: &mut Districts,
) -> Result<(), StoreError> {
    let view = tx.open(tables::PREVIEWS_STARTED)?;
    let (lo, hi) = (
        acc.from.to_string(),
        (acc.to + Duration::days(1)).to_string(),
    );
    for entry in view.range((lo.as_str(), 0)..(hi.as_str(), 0))? {
        let ((day, retailer), n) = entry?;
        let Ok(day) = day.parse::<NaiveDate>() else {
            continue;
        };
        let dims = [
            dim::ALL.to_string(),
            dim::retailer(retailer),
            dim::district(&districts.of(tx, retailer)?),
        ];
        acc.add(day_start(day), &dims, |f| f.previews += n);
    }
    Ok(())
}

/// Counts a preview a shop started, in the conversation's transaction.
pub fn record_preview(
    tx: &WriteTx,
    retailer_id: u64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let day = nepal_date(now).to_string();
    let mut view = tx.open(tables::PREVIEWS_STARTED)?;
    let n = view.get((day.as_str(), retailer_id))?.unwrap_or(0);
    view.put((day.as_str(), retailer_id), &(n + 1))
}

/// Retailers' districts, read once per build.
#[derive(Default)]
struct Districts(HashMap<u64, String>);

impl Districts {
    fn of(&mut self, tx: &impl Tx, retailer: u64) -> Result<String, StoreError> {
        if let Some(d) = self.0.get(&retailer) {
            return Ok(d.clone());
        }
        let d =
            crate::retailers::store::get(tx, retailer)?.map_or_else(String::new, |r| r.district);
        self.0.insert(retailer, d.clone());
        Ok(d)
    }
}

fn day_key(day: NaiveDate, dim: &str) -> String {
    format!("{day}|{dim}")
}

/// Replaces the stored facts of every day in `from..=to` with `days` (days without any
/// figure are left empty), so building a day twice gives the same rows.
pub fn store(tx: &WriteTx, days: &Days, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
    let mut view = tx.open(tables::DAILY_FACTS)?;
    let mut old = Vec::new();
    for entry in
        view.range(day_key(from, "").as_str()..day_key(to + Duration::days(1), "").as_str())?
    {
        old.push(entry?.0);
    }
    for k in old {
        view.remove(k.as_str())?;
    }
    let mut rows = 0;
    for (day, facts) in days.range(from..=to) {
        for (d, f) in facts.iter().filter(|(_, f)| !f.is_empty()) {
            view.put(day_key(*day, d).as_str(), f)?;
            rows += 1;
        }
    }
    drop(view);
    let through = meta_get(tx, BUILT_THROUGH)?.unwrap_or(0);
    let to_num = u64::try_from(to.num_days_from_ce()).unwrap_or(0);
    if to_num > through {
        meta_put(tx, BUILT_THROUGH, to_num)?;
    }
    Ok(rows)
}

/// The last day whose facts are stored.
pub fn built_through(tx: &impl Tx) -> Result<Option<NaiveDate>, StoreError> {
    Ok(meta_get(tx, BUILT_THROUGH)?
        .and_then(|n| i32::try_from(n).ok())
        .and_then(NaiveDate::from_num_days_from_ce_opt))
}

/// The stored facts of `from..=to` for dimensions starting with `prefix` (`""` for all).
pub fn stored(
    tx: &impl Tx,
    from: NaiveDate,
    to: NaiveDate,
    prefix: &str,
) -> Result<Days, StoreError> {
    let view = tx.open(tables::DAILY_FACTS)?;
    let mut out = Days::new();
    let mut day = from;
    while day <= to {
        let lo = day_key(day, prefix);
        let hi = format!("{lo}\u{10FFFF}");
        for entry in view.range(lo.as_str()..hi.as_str())? {
            let (k, f) = entry?;
            if let Some((_, d)) = k.split_once('|') {
                out.entry(day).or_default().insert(d.to_string(), f);
            }
        }
        day += Duration::days(1);
    }
    Ok(out)
}

/// The Nepal day of the first order, where facts begin.
pub fn first_day(tx: &impl Tx) -> Result<Option<NaiveDate>, StoreError> {
    Ok(tx
        .open(tables::ORDERS)?
        .iter()?
        .next()
        .transpose()?
        .map(|(_, o)| nepal_date(o.created_at)))
}

/// `khaacho check`: the stored facts of the last `days` built days agree with the records
/// (orders placed and delivered, GMV and commission in total; figures a later reversal may
/// legitimately change, such as invoices settled, are not compared).
pub fn check(tx: &impl Tx, days: i64) -> Result<Vec<String>, StoreError> {
    let Some(to) = built_through(tx)? else {
        return Ok(Vec::new());
    };
    let from = to - Duration::days(days - 1);
    let (stored, fresh) = (stored(tx, from, to, dim::ALL)?, compute(tx, from, to)?);
    let mut problems = Vec::new();
    let mut day = from;
    while day <= to {
        let pick = |d: &Days| {
            d.get(&day)
                .and_then(|f| f.get(dim::ALL))
                .map_or((0, 0, 0, 0), |f| {
                    (f.placed, f.delivered, f.gmv_paisa, f.commission_paisa)
                })
        };
        let (s, f) = (pick(&stored), pick(&fresh));
        if s != f {
            problems.push(format!(
                "analytics {day}: stored (placed, delivered, gmv, commission) {s:?} but the records give {f:?}; run `khaacho analytics rebuild --from {day} --to {day}`"
            ));
        }
        day += Duration::days(1);
    }
    Ok(problems)
}
