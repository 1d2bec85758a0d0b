//! Counting: each record's figures added to the days and dimensions they belong to.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{Days, Fact, ON_TIME_HOURS, day_start, dim, first_at};
use crate::ledger::{self, AccountKind, TransferCode};
use crate::orders::{Order, OrderState};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, tables};
use crate::support::clock::nepal_date;

/// Who an order's figures are counted for.
pub(super) struct Keys {
    pub(super) dims: Vec<String>,
}

impl Keys {
    pub(super) fn of(o: &Order, district: &str) -> Keys {
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
pub(super) struct Acc<'a> {
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    pub(super) days: &'a mut Days,
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

fn minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_minutes().max(0)
}

/// What the order itself records: placement, acceptance, delivery, cancellation.
pub(super) fn order_facts(acc: &mut Acc<'_>, o: &Order, dims: &[String]) {
    let units: u64 = o.lines.iter().map(|l| u64::from(l.quantity)).sum();
    let total = o.total_paisa.paisa();
    acc.add(o.created_at, dims, |f| {
        f.placed += 1;
        f.confirmed += 1;
        f.units_placed += units;
        f.placed_paisa += total;
    });
    for l in &o.lines {
        let product = [dim::product(l.product_id), dim::listing(l.listing_id)];
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
pub(super) fn settled_facts(acc: &mut Acc<'_>, inv: &crate::credit::Invoice, dims: &[String]) {
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
pub(super) fn ledger_facts(
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
pub(super) fn preview_facts(
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
pub(super) struct Districts(HashMap<u64, String>);

impl Districts {
    pub(super) fn of(&mut self, tx: &impl Tx, retailer: u64) -> Result<String, StoreError> {
        if let Some(d) = self.0.get(&retailer) {
            return Ok(d.clone());
        }
        let d =
            crate::retailers::store::get(tx, retailer)?.map_or_else(String::new, |r| r.district);
        self.0.insert(retailer, d.clone());
        Ok(d)
    }
}
