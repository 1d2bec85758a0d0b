//! Reads and writes of the catalog tables inside the caller's transaction.
//!
//! Every product change bumps the `catalog_version` meta value, which the search index
//! records so a stale index is rebuilt at start.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::import::ProductInput;
use super::{CatalogError, Listing, Product, StockMove, StockReason, Vendor};
use crate::auth::{Party, store::link_party};
use crate::storage::memo::Memo;
use crate::storage::{StoreError, TableRead, Tx, WriteTx, meta_get, meta_put, next_id, tables};
use crate::types::Msisdn;

pub const CATALOG_VERSION: &str = "catalog_version";

pub fn catalog_version(tx: &impl Tx) -> Result<u64, StoreError> {
    Ok(meta_get(tx, CATALOG_VERSION)?.unwrap_or(0))
}

fn bump_version(tx: &WriteTx) -> Result<u64, StoreError> {
    let v = catalog_version(tx)? + 1;
    meta_put(tx, CATALOG_VERSION, v)?;
    Ok(v)
}

/// Products and vendors are read for every order and seldom written: their decoded rows are
/// kept (see [`Memo`]).
static PRODUCTS: LazyLock<Memo<Product>> = LazyLock::new(Memo::default);
static VENDORS: LazyLock<Memo<Vendor>> = LazyLock::new(Memo::default);

pub fn product(tx: &impl Tx, id: u64) -> Result<Option<Product>, StoreError> {
    PRODUCTS.get(&tx.open(tables::PRODUCTS)?, id)
}

pub fn product_by_sku(tx: &impl Tx, sku: &str) -> Result<Option<Product>, StoreError> {
    match tx
        .open(tables::PRODUCTS_BY_SKU)?
        .get(sku.to_uppercase().as_str())?
    {
        Some(id) => product(tx, id),
        None => Ok(None),
    }
}

pub fn all_products(tx: &impl Tx) -> Result<Vec<Product>, StoreError> {
    tx.open(tables::PRODUCTS)?
        .iter()?
        .map(|e| e.map(|(_, p)| p))
        .collect()
}

/// Creates the product, or updates the one with the same sku. Returns it and whether it is new.
/// Un-indexed: outside `catalog` only for a database whose search index is opened afterwards
/// (the demo data at first start); a running server changes products through
/// [`super::Catalog`].
pub(crate) fn upsert_product(
    tx: &WriteTx,
    input: &ProductInput,
    now: DateTime<Utc>,
) -> Result<(Product, bool), StoreError> {
    let existing = product_by_sku(tx, &input.sku)?;
    let created = existing.is_none();
    let p = match existing {
        Some(mut p) => {
            p.name = input.name.clone();
            p.brand = input.brand.clone();
            p.category = input.category.clone();
            p.pack_size = input.pack_size;
            p.unit = input.unit;
            p.aliases = input.aliases.clone();
            p.updated_at = now;
            p
        }
        None => Product {
            id: next_id(tx, "product")?,
            sku: input.sku.clone(),
            name: input.name.clone(),
            brand: input.brand.clone(),
            category: input.category.clone(),
            pack_size: input.pack_size,
            unit: input.unit,
            aliases: input.aliases.clone(),
            barcode: None,
            active: true,
            created_at: now,
            updated_at: now,
        },
    };
    save_product(tx, &p)?;
    Ok((p, created))
}

/// Writes a product and its sku index, and bumps the catalog version.
pub(super) fn save_product(tx: &WriteTx, p: &Product) -> Result<(), StoreError> {
    tx.open(tables::PRODUCTS_BY_SKU)?
        .put(p.sku.as_str(), &p.id)?;
    tx.open(tables::PRODUCTS)?.put(p.id, p)?;
    bump_version(tx)?;
    Ok(())
}

pub fn vendor(tx: &impl Tx, id: u64) -> Result<Option<Vendor>, StoreError> {
    VENDORS.get(&tx.open(tables::VENDORS)?, id)
}

pub fn vendor_by_phone(tx: &impl Tx, phone: &Msisdn) -> Result<Option<Vendor>, StoreError> {
    match tx.open(tables::VENDORS_BY_PHONE)?.get(phone.as_str())? {
        Some(id) => vendor(tx, id),
        None => Ok(None),
    }
}

/// Inserts a vendor (its phone must be free) and links a vendor login with that phone.
pub fn insert_vendor(tx: &WriteTx, mut v: Vendor) -> Result<Vendor, CatalogError> {
    if tx
        .open(tables::VENDORS_BY_PHONE)?
        .get(v.phone.as_str())?
        .is_some()
    {
        return Err(CatalogError::Conflict(format!(
            "a vendor with phone {} already exists",
            v.phone
        )));
    }
    v.id = next_id(tx, "vendor")?;
    tx.open(tables::VENDORS_BY_PHONE)?
        .put(v.phone.as_str(), &v.id)?;
    tx.open(tables::VENDORS)?.put(v.id, &v)?;
    link_party(tx, &v.phone, Party::Vendor(v.id))?;
    crate::auth::store::set_party_active(tx, Party::Vendor(v.id), v.active, v.created_at)?;
    Ok(v)
}

pub fn save_vendor(tx: &WriteTx, v: &Vendor) -> Result<(), StoreError> {
    tx.open(tables::VENDORS)?.put(v.id, v)
}

pub fn listing(tx: &impl Tx, id: u64) -> Result<Option<Listing>, StoreError> {
    tx.open(tables::LISTINGS)?.get(id)
}

pub fn listing_for(
    tx: &impl Tx,
    vendor_id: u64,
    product_id: u64,
) -> Result<Option<Listing>, StoreError> {
    match tx
        .open(tables::LISTINGS_BY_VENDOR)?
        .get((vendor_id, product_id))?
    {
        Some(id) => listing(tx, id),
        None => Ok(None),
    }
}

/// Every listing of a product, one per vendor.
pub fn listings_of_product(tx: &impl Tx, product_id: u64) -> Result<Vec<Listing>, StoreError> {
    let ids: Vec<u64> = tx
        .open(tables::LISTINGS_BY_PRODUCT)?
        .range((product_id, 0)..=(product_id, u64::MAX))?
        .map(|e| e.map(|(_, id)| id))
        .collect::<Result<_, _>>()?;
    let listings = tx.open(tables::LISTINGS)?;
    ids.into_iter()
        .map(|id| listings.need(id, format_args!("listing {id}")))
        .collect()
}

/// Inserts a listing; the vendor and product must exist and not be listed together yet.
/// Its stock is recorded as the initial stock move.
pub fn insert_listing(tx: &WriteTx, mut l: Listing) -> Result<Listing, CatalogError> {
    if vendor(tx, l.vendor_id)?.is_none() {
        return Err(CatalogError::NotFound {
            kind: "vendor",
            id: l.vendor_id,
        });
    }
    if product(tx, l.product_id)?.is_none() {
        return Err(CatalogError::NotFound {
            kind: "product",
            id: l.product_id,
        });
    }
    if listing_for(tx, l.vendor_id, l.product_id)?.is_some() {
        return Err(CatalogError::Conflict(format!(
            "vendor {} already lists product {}; change that listing instead",
            l.vendor_id, l.product_id
        )));
    }
    if l.stock < 0 {
        return Err(CatalogError::invalid("stock", "must not be negative"));
    }
    l.id = next_id(tx, "listing")?;
    tx.open(tables::LISTINGS_BY_VENDOR)?
        .put((l.vendor_id, l.product_id), &l.id)?;
    tx.open(tables::LISTINGS_BY_PRODUCT)?
        .put((l.product_id, l.vendor_id), &l.id)?;
    tx.open(tables::LISTINGS)?.put(l.id, &l)?;
    record_move(tx, l.id, l.stock, StockReason::Initial, l.updated_at)?;
    record_price(tx, l.id, l.price_paisa, l.updated_at)?;
    Ok(l)
}

/// Keeps a listing's price in its history (price intelligence reads it).
pub fn record_price(
    tx: &WriteTx,
    listing_id: u64,
    price_paisa: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.open(tables::PRICE_HISTORY)?
        .put((listing_id, at.timestamp_millis()), &price_paisa)
}

/// A listing's prices, oldest first, as (when, price).
pub fn price_history(tx: &impl Tx, listing_id: u64) -> Result<Vec<(i64, i64)>, StoreError> {
    tx.open(tables::PRICE_HISTORY)?
        .range((listing_id, i64::MIN)..=(listing_id, i64::MAX))?
        .map(|e| e.map(|((_, at), p)| (at, p)))
        .collect()
}

fn record_move(
    tx: &WriteTx,
    listing_id: u64,
    delta: i64,
    reason: StockReason,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id = next_id(tx, "stock_move")?;
    let change = StockMove {
        listing_id,
        at,
        delta,
        reason,
    };
    tx.open(tables::STOCK_MOVES)?.put(id, &change)
}

/// Changes a listing's stock by `delta`, never below zero, and records why.
pub fn move_stock(
    tx: &WriteTx,
    listing_id: u64,
    delta: i64,
    reason: StockReason,
    at: DateTime<Utc>,
) -> Result<Listing, CatalogError> {
    let mut l = listing(tx, listing_id)?.ok_or(CatalogError::NotFound {
        kind: "listing",
        id: listing_id,
    })?;
    let next = l.stock.checked_add(delta).ok_or(CatalogError::invalid(
        "stock",
        "the change would overflow the stock count",
    ))?;
    if next < 0 {
        return Err(CatalogError::InsufficientStock {
            listing_id,
            available: l.stock,
            wanted: -delta,
        });
    }
    if delta == 0 {
        return Ok(l);
    }
    l.stock = next;
    l.updated_at = at;
    save_listing(tx, &l)?;
    record_move(tx, listing_id, delta, reason, at)?;
    Ok(l)
}

/// The sum of every recorded stock move, per listing, in one pass over the moves.
pub fn stock_from_moves(tx: &impl Tx) -> Result<HashMap<u64, i64>, StoreError> {
    let mut sums = HashMap::new();
    for entry in tx.open(tables::STOCK_MOVES)?.iter()? {
        let (_, m) = entry?;
        *sums.entry(m.listing_id).or_default() += m.delta;
    }
    Ok(sums)
}

pub fn save_listing(tx: &WriteTx, l: &Listing) -> Result<(), StoreError> {
    tx.open(tables::LISTINGS)?.put(l.id, l)
}
