//! `khaacho check`: redb's own integrity check, every value decodable, and the domain
//! invariants that must hold between tables. Read-only; reports, never repairs.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::auth::Party;
use crate::storage::{self, ReadTx, StoreError, TableRead, Tx, tables};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ok: bool,
    pub file: String,
    pub problems: Vec<String>,
    /// Rows per table, for the reader's orientation.
    pub counts: BTreeMap<String, u64>,
}

/// Checks a database file that no other process has open.
pub fn check_file(path: &Path) -> Result<Report, StoreError> {
    let (db, mut problems) = storage::verify_file(path)?;
    let tx = storage::read_tx(&db)?;
    problems.extend(invariants(&tx)?);
    Ok(Report {
        ok: problems.is_empty(),
        file: path.display().to_string(),
        counts: counts(&tx)?,
        problems,
    })
}

fn counts(tx: &ReadTx) -> Result<BTreeMap<String, u64>, StoreError> {
    let mut out = BTreeMap::new();
    out.insert("users".into(), tx.open(tables::USERS)?.len()?);
    out.insert("products".into(), tx.open(tables::PRODUCTS)?.len()?);
    out.insert("vendors".into(), tx.open(tables::VENDORS)?.len()?);
    out.insert("listings".into(), tx.open(tables::LISTINGS)?.len()?);
    out.insert("retailers".into(), tx.open(tables::RETAILERS)?.len()?);
    out.insert("orders".into(), tx.open(tables::ORDERS)?.len()?);
    out.insert("payments".into(), tx.open(tables::PAYMENTS)?.len()?);
    out.insert(
        "ledger_transfers".into(),
        tx.open(tables::LEDGER_TRANSFERS)?.len()?,
    );
    Ok(out)
}

/// Every cross-table rule; each broken rule is one readable line.
pub fn invariants(tx: &ReadTx) -> Result<Vec<String>, StoreError> {
    let mut p = Vec::new();
    users(tx, &mut p)?;
    parties(tx, &mut p)?;
    catalog(tx, &mut p)?;
    retailers(tx, &mut p)?;
    p.extend(crate::ledger::check(tx)?);
    orders(tx, &mut p)?;
    idempotency(tx, &mut p)?;
    super::check_postings::check(tx, &mut p)?;
    p.extend(crate::messaging::queue::check(tx)?);
    p.extend(crate::analytics::facts::check(tx, 7)?);
    Ok(p)
}

/// A vendor's or shop's own `active` and the record logins are refused by agree.
fn parties(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    use crate::auth::store::party_active;
    for entry in tx.open(tables::VENDORS)?.iter()? {
        let (id, v) = entry?;
        if party_active(tx, Party::Vendor(id))? != v.active {
            p.push(format!(
                "vendor {id}: active is {} but its logins are treated otherwise",
                v.active
            ));
        }
    }
    for entry in tx.open(tables::RETAILERS)?.iter()? {
        let (id, r) = entry?;
        if party_active(tx, Party::Retailer(id))? != r.active {
            p.push(format!(
                "retailer {id}: active is {} but its logins are treated otherwise",
                r.active
            ));
        }
    }
    Ok(())
}

fn users(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    let users = tx.open(tables::USERS)?;
    let by_phone = tx.open(tables::USERS_BY_PHONE)?;
    for entry in users.iter()? {
        let (id, u) = entry?;
        if by_phone.get(u.phone.as_str())? != Some(id) {
            p.push(format!("user {id}: phone index does not point back to it"));
        }
        match u.party {
            Some(Party::Vendor(v))
                if tx
                    .open(tables::VENDORS)?
                    .get(v)?
                    .is_none_or(|v| v.phone != u.phone) =>
            {
                p.push(format!(
                    "user {id}: linked vendor {v} is missing or has another phone"
                ));
            }
            Some(Party::Retailer(r))
                if tx
                    .open(tables::RETAILERS)?
                    .get(r)?
                    .is_none_or(|r| r.phone != u.phone) =>
            {
                p.push(format!(
                    "user {id}: linked retailer {r} is missing or has another phone"
                ));
            }
            _ => {}
        }
    }
    for entry in by_phone.iter()? {
        let (phone, id) = entry?;
        if users.get(id)?.is_none_or(|u| u.phone.as_str() != phone) {
            p.push(format!("phone index entry for user {id} is stale"));
        }
    }
    for entry in tx.open(tables::SESSIONS)?.iter()? {
        let (id, s) = entry?;
        if users.get(s.user_id)?.is_none() {
            p.push(format!("session {id}: user {} does not exist", s.user_id));
        }
    }
    Ok(())
}

fn catalog(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    let products = tx.open(tables::PRODUCTS)?;
    let by_sku = tx.open(tables::PRODUCTS_BY_SKU)?;
    for entry in products.iter()? {
        let (id, prod) = entry?;
        if by_sku.get(prod.sku.as_str())? != Some(id) {
            p.push(format!(
                "product {id} ({}): sku index does not point back to it",
                prod.sku
            ));
        }
    }
    let vendors = tx.open(tables::VENDORS)?;
    for entry in vendors.iter()? {
        let (id, v) = entry?;
        if tx.open(tables::VENDORS_BY_PHONE)?.get(v.phone.as_str())? != Some(id) {
            p.push(format!(
                "vendor {id}: phone index does not point back to it"
            ));
        }
    }
    let by_vendor = tx.open(tables::LISTINGS_BY_VENDOR)?;
    let mut moved = crate::catalog::store::stock_from_moves(tx)?;
    for entry in tx.open(tables::LISTINGS)?.iter()? {
        let (id, l) = entry?;
        if l.stock < 0 {
            p.push(format!("listing {id}: stock is negative ({})", l.stock));
        }
        if l.price_paisa < 0 || l.mrp_paisa < 0 {
            p.push(format!("listing {id}: negative price"));
        }
        if vendors.get(l.vendor_id)?.is_none() || products.get(l.product_id)?.is_none() {
            p.push(format!(
                "listing {id}: vendor {} or product {} is missing",
                l.vendor_id, l.product_id
            ));
        }
        let moved = moved.remove(&id).unwrap_or(0);
        if moved != l.stock {
            p.push(format!(
                "listing {id}: stock is {} but its moves sum to {moved}",
                l.stock
            ));
        }
        if by_vendor.get((l.vendor_id, l.product_id))? != Some(id) {
            p.push(format!(
                "listing {id}: vendor index does not point back to it"
            ));
        }
    }
    let mut orphans: Vec<u64> = moved.into_keys().collect();
    orphans.sort_unstable();
    for listing in orphans {
        p.push(format!(
            "stock moves name listing {listing}, which does not exist"
        ));
    }
    Ok(())
}

fn retailers(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    let by_phone = tx.open(tables::RETAILERS_BY_PHONE)?;
    for entry in tx.open(tables::RETAILERS)?.iter()? {
        let (id, r) = entry?;
        if by_phone.get(r.phone.as_str())? != Some(id) {
            p.push(format!(
                "retailer {id}: phone index does not point back to it"
            ));
        }
        if r.credit_limit_paisa < 0 {
            p.push(format!("retailer {id}: negative credit limit"));
        }
    }
    Ok(())
}

fn orders(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    let open_holds: std::collections::HashMap<u64, u64> =
        crate::ledger::open_holds(tx)?.into_iter().collect();
    let numbers = tx.open(tables::ORDER_NUMBERS)?;
    let mut holds_seen = 0;
    for entry in tx.open(tables::ORDERS)?.iter()? {
        let (id, o) = entry?;
        let name = format!("order {id} ({})", o.number);
        if o.lines.is_empty() {
            p.push(format!("{name}: has no lines"));
        }
        if crate::orders::store::history(tx, id)?.is_empty() {
            p.push(format!("{name}: has no status log"));
        }
        if numbers.get(o.number.as_str())? != Some(id) {
            p.push(format!("{name}: number index does not point back to it"));
        }
        let adds_up = crate::orders::Totals::of(&o.lines).is_ok_and(|t| {
            (t.subtotal, t.vat, t.total) == (o.subtotal_paisa, o.vat_paisa, o.total_paisa)
        });
        if !adds_up {
            p.push(format!("{name}: totals do not add up from its lines"));
        }
        let needs_hold = o.state.holds_credit();
        match (needs_hold, o.hold_id) {
            (true, Some(h)) if open_holds.get(&h) == Some(&id) => holds_seen += 1,
            (true, _) => p.push(format!(
                "{name}: is {} but has no open credit hold",
                o.state.as_str()
            )),
            (false, Some(h)) if open_holds.contains_key(&h) => p.push(format!(
                "{name}: is {} but its hold {h} is still open",
                o.state.as_str()
            )),
            _ => {}
        }
    }
    if holds_seen != open_holds.len() {
        p.push(format!(
            "{} open credit holds belong to no open order",
            open_holds.len() - holds_seen
        ));
    }
    Ok(())
}

/// Each `Idempotency-Key` record is kept under the first order it names, names orders that
/// exist, and is the only one for its key.
fn idempotency(tx: &ReadTx, p: &mut Vec<String>) -> Result<(), StoreError> {
    let orders = tx.open(tables::ORDERS)?;
    let mut seen = std::collections::HashSet::new();
    for entry in tx.open(tables::IDEMPOTENCY)?.iter()? {
        let (id, r) = entry?;
        if r.order_ids.first() != Some(&id) {
            p.push(format!(
                "idempotency record {id}: kept under an id that is not its first order's ({:?})",
                r.order_ids
            ));
        }
        for &o in &r.order_ids {
            if orders.get(o)?.is_none() {
                p.push(format!("idempotency record {id}: order {o} does not exist"));
            }
        }
        if !seen.insert(r.scope) {
            p.push(format!(
                "idempotency record {id}: its key is kept by another record too"
            ));
        }
    }
    Ok(())
}
