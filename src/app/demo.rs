//! The demo data set shipped in `data/` (the project's own Nepali wholesale catalog, vendors,
//! listings and retailers), embedded at build time and loaded into a freshly created database.
//!
//! Demo vendors and retailers get no logins; an operator creates one for their phone.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::{Listing, Vendor, import, store as catalog};
use crate::retailers::{Retailer, store as retailers};
use crate::storage::{StoreError, WriteTx};
use crate::types::Msisdn;

const CATALOG_CSV: &str = include_str!("../../data/catalog.csv");
const VENDORS_CSV: &str = include_str!("../../data/vendors.csv");
const LISTINGS_CSV: &str = include_str!("../../data/listings.csv");
const RETAILERS_CSV: &str = include_str!("../../data/retailers.csv");

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub products: usize,
    pub vendors: usize,
    pub listings: usize,
    pub retailers: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo data {file}: {reason}")]
    Bad { file: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn bad(file: &'static str, reason: impl ToString) -> DemoError {
    DemoError::Bad {
        file,
        reason: reason.to_string(),
    }
}

#[derive(Deserialize)]
struct VendorRow {
    code: String,
    name: String,
    phone: String,
    district: String,
    province: String,
    commission_percent: Option<Decimal>,
}

#[derive(Deserialize)]
struct ListingRow {
    vendor_code: String,
    sku: String,
    price_paisa: i64,
    mrp_paisa: i64,
    stock: i64,
    min_qty: u32,
    pack_multiple: u32,
}

#[derive(Deserialize)]
struct RetailerRow {
    name: String,
    owner: String,
    phone: String,
    district: String,
    province: String,
    credit_limit_paisa: i64,
    terms_days: u32,
    language: String,
}

fn rows<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<Vec<T>, DemoError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| bad(file, e))
}

/// Loads the whole demo set in the caller's transaction.
pub fn load(tx: &WriteTx, now: DateTime<Utc>) -> Result<Report, DemoError> {
    let mut report = Report::default();
    let products = import::parse(CATALOG_CSV).map_err(|e| bad("catalog.csv", format!("{e:?}")))?;
    let mut product_ids = HashMap::new();
    for input in &products {
        let (p, _) = catalog::upsert_product(tx, input, now)?;
        product_ids.insert(p.sku.clone(), p.id);
    }
    report.products = products.len();
    let vendor_ids = load_vendors(tx, now, &mut report)?;
    for row in rows::<ListingRow>("listings.csv", LISTINGS_CSV)? {
        let vendor_id = *vendor_ids
            .get(&row.vendor_code)
            .ok_or_else(|| bad("listings.csv", &row.vendor_code))?;
        let product_id = *product_ids
            .get(&row.sku)
            .ok_or_else(|| bad("listings.csv", &row.sku))?;
        let listing = Listing {
            id: 0,
            vendor_id,
            product_id,
            price_paisa: row.price_paisa,
            mrp_paisa: row.mrp_paisa,
            stock: row.stock,
            min_qty: row.min_qty,
            max_qty: None,
            pack_multiple: row.pack_multiple,
            active: true,
            updated_at: now,
        };
        catalog::insert_listing(tx, listing).map_err(|e| bad("listings.csv", e))?;
        report.listings += 1;
    }
    load_retailers(tx, now, &mut report)?;
    Ok(report)
}

fn load_vendors(
    tx: &WriteTx,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<HashMap<String, u64>, DemoError> {
    let mut ids = HashMap::new();
    for row in rows::<VendorRow>("vendors.csv", VENDORS_CSV)? {
        let commission_bps = row
            .commission_percent
            .map(|p| (p * Decimal::from(100)).trunc().try_into().unwrap_or(0u32));
        let vendor = Vendor {
            id: 0,
            name: row.name,
            phone: Msisdn::parse(&row.phone).map_err(|e| bad("vendors.csv", e))?,
            district: row.district,
            province: row.province,
            active: true,
            commission_bps,
            created_at: now,
        };
        let v = catalog::insert_vendor(tx, vendor).map_err(|e| bad("vendors.csv", e))?;
        ids.insert(row.code, v.id);
        report.vendors += 1;
    }
    Ok(ids)
}

fn load_retailers(tx: &WriteTx, now: DateTime<Utc>, report: &mut Report) -> Result<(), DemoError> {
    for row in rows::<RetailerRow>("retailers.csv", RETAILERS_CSV)? {
        let retailer = Retailer {
            id: 0,
            name: row.name,
            owner_name: row.owner,
            phone: Msisdn::parse(&row.phone).map_err(|e| bad("retailers.csv", e))?,
            district: row.district,
            province: row.province,
            credit_limit_paisa: row.credit_limit_paisa,
            terms_days: row.terms_days,
            blocked: false,
            language: row.language.parse().map_err(|e| bad("retailers.csv", e))?,
            created_at: now,
            active: true,
        };
        retailers::insert(tx, retailer)?.ok_or_else(|| bad("retailers.csv", "duplicate phone"))?;
        report.retailers += 1;
    }
    Ok(())
}
