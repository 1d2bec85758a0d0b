//! Reads and writes of the retailer tables inside the caller's transaction.

use std::sync::LazyLock;

use crate::auth::{Party, store::link_party};
use crate::storage::memo::Memo;
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, tables};
use crate::types::Msisdn;

use super::Retailer;

/// A shop is read for every order it places and seldom written: its decoded row is kept
/// (see [`Memo`]).
static RETAILERS: LazyLock<Memo<Retailer>> = LazyLock::new(Memo::default);

pub fn get(tx: &impl Tx, id: u64) -> Result<Option<Retailer>, StoreError> {
    RETAILERS.get(&tx.open(tables::RETAILERS)?, id)
}

/// The lowest retailer id, if any retailer exists.
pub fn first_id(tx: &impl Tx) -> Result<Option<u64>, StoreError> {
    let table = tx.open(tables::RETAILERS)?;
    let first = table.iter()?.next().transpose()?;
    Ok(first.map(|(id, _)| id))
}

pub fn by_phone(tx: &impl Tx, phone: &Msisdn) -> Result<Option<Retailer>, StoreError> {
    match tx.open(tables::RETAILERS_BY_PHONE)?.get(phone.as_str())? {
        Some(id) => get(tx, id),
        None => Ok(None),
    }
}

/// Inserts a new retailer (phone must be free) and links a retailer login with that phone.
/// Returns `None`, writing nothing, when the phone is taken.
pub fn insert(tx: &WriteTx, mut r: Retailer) -> Result<Option<Retailer>, StoreError> {
    if tx
        .open(tables::RETAILERS_BY_PHONE)?
        .get(r.phone.as_str())?
        .is_some()
    {
        return Ok(None);
    }
    r.id = next_id(tx, "retailer")?;
    tx.open(tables::RETAILERS_BY_PHONE)?
        .put(r.phone.as_str(), &r.id)?;
    tx.open(tables::RETAILERS)?.put(r.id, &r)?;
    link_party(tx, &r.phone, Party::Retailer(r.id))?;
    crate::auth::store::set_party_active(tx, Party::Retailer(r.id), r.active, r.created_at)?;
    Ok(Some(r))
}

pub fn save(tx: &WriteTx, r: &Retailer) -> Result<(), StoreError> {
    tx.open(tables::RETAILERS)?.put(r.id, r)
}
