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
    Ok(out)
}

/// Every cross-table rule; each broken rule is one readable line.
pub fn invariants(tx: &ReadTx) -> Result<Vec<String>, StoreError> {
    let mut p = Vec::new();
    users(tx, &mut p)?;
    catalog(tx, &mut p)?;
    retailers(tx, &mut p)?;
    Ok(p)
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
        let moved = crate::catalog::store::stock_from_moves(tx, id)?;
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
