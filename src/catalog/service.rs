//! Catalog use cases: who may read and change products, vendors and listings, with every
//! change written in one transaction and audited.
//!
//! Rules: admins and operators write everything; a vendor changes only its own listings'
//! prices and stock and sees only its own listings; retailers see active products; no vendor
//! sees another vendor's stock or prices.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::import::{self, ProductInput};
use super::{CatalogError, Listing, PackUnit, Product, StockReason, Vendor, store};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::clock::Clock;
use crate::page::{self, Page};
use crate::storage::{Store, TableRead, Tx, WriteTx, tables};
use crate::types::{Msisdn, Role};

pub struct CatalogService {
    store: Store,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub brand: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub pack_size: Option<Option<Decimal>>,
    pub unit: Option<Option<PackUnit>>,
    pub aliases: Option<Vec<String>>,
    pub barcode: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub category: Option<String>,
    pub active: Option<bool>,
    pub cursor: Option<u64>,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct VendorInput {
    pub name: String,
    pub phone: Msisdn,
    pub district: String,
    pub province: String,
    pub commission_bps: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct VendorPatch {
    pub name: Option<String>,
    pub phone: Option<Msisdn>,
    pub district: Option<String>,
    pub province: Option<String>,
    pub commission_bps: Option<Option<u32>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct ListingInput {
    pub vendor_id: u64,
    pub product_id: u64,
    pub price_paisa: i64,
    pub mrp_paisa: i64,
    pub stock: i64,
    pub min_qty: u32,
    pub max_qty: Option<u32>,
    pub pack_multiple: u32,
}

#[derive(Debug, Clone, Default)]
pub struct ListingPatch {
    pub price_paisa: Option<i64>,
    pub mrp_paisa: Option<i64>,
    pub stock: Option<i64>,
    pub min_qty: Option<u32>,
    pub max_qty: Option<Option<u32>>,
    pub pack_multiple: Option<u32>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    pub vendor_id: Option<u64>,
    pub product_id: Option<u64>,
    pub cursor: Option<u64>,
    pub limit: usize,
}

fn forbid(msg: &str) -> CatalogError {
    CatalogError::Forbidden(msg.to_string())
}

fn staff_only(who: &Principal) -> Result<(), CatalogError> {
    if who.is_staff() {
        Ok(())
    } else {
        Err(forbid("only operators and admins may change the catalog"))
    }
}

impl CatalogService {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn create_product(
        &self,
        who: &Principal,
        input: ProductInput,
    ) -> Result<Product, CatalogError> {
        staff_only(who)?;
        validate_product(&input)?;
        let (now, actor) = (self.now(), who.actor());
        self.store
            .write(move |tx| {
                if store::product_by_sku(tx, &input.sku)?.is_some() {
                    return Err(CatalogError::Conflict(format!(
                        "a product with sku {} already exists",
                        input.sku
                    )));
                }
                let (p, _) = store::upsert_product(tx, &input, now)?;
                audit::record(
                    tx,
                    now,
                    &actor,
                    "product.create",
                    format!("product:{}", p.id),
                    p.sku.clone(),
                )?;
                Ok(p)
            })
            .await
    }

    pub async fn update_product(
        &self,
        who: &Principal,
        id: u64,
        patch: ProductPatch,
    ) -> Result<Product, CatalogError> {
        staff_only(who)?;
        let (now, actor) = (self.now(), who.actor());
        self.store
            .write(move |tx| {
                let mut p = store::product(tx, id)?.ok_or(CatalogError::NotFound {
                    kind: "product",
                    id,
                })?;
                apply_product_patch(&mut p, &patch)?;
                p.updated_at = now;
                store::save_product(tx, &p)?;
                audit::record(
                    tx,
                    now,
                    &actor,
                    "product.update",
                    format!("product:{id}"),
                    p.sku.clone(),
                )?;
                Ok(p)
            })
            .await
    }

    /// A product; retailers and vendors only see active ones.
    pub async fn product(&self, who: &Principal, id: u64) -> Result<Product, CatalogError> {
        let p = self.store.read(move |tx| store::product(tx, id)).await?;
        match p {
            Some(p) if p.active || who.is_staff() => Ok(p),
            _ => Err(CatalogError::NotFound {
                kind: "product",
                id,
            }),
        }
    }

    pub async fn list_products(
        &self,
        who: &Principal,
        f: ProductFilter,
    ) -> Result<Page<Product>, CatalogError> {
        let active = if who.is_staff() { f.active } else { Some(true) };
        let page = self
            .store
            .read(move |tx| {
                let view = tx.open(tables::PRODUCTS)?;
                page::newest_first(&view, f.cursor, f.limit, |p: &Product| {
                    active.is_none_or(|a| p.active == a)
                        && f.category.as_ref().is_none_or(|c| {
                            p.category
                                .as_ref()
                                .is_some_and(|pc| pc.eq_ignore_ascii_case(c))
                        })
                })
            })
            .await?;
        Ok(page)
    }

    /// Products by id, in the order given, skipping missing ones (and inactive ones for non-staff).
    pub async fn products_by_ids(
        &self,
        who: &Principal,
        ids: Vec<u64>,
    ) -> Result<Vec<Product>, CatalogError> {
        let staff = who.is_staff();
        self.store
            .read(move |tx| {
                let view = tx.open(tables::PRODUCTS)?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(p) = view.get(id)?.filter(|p: &Product| staff || p.active) {
                        out.push(p);
                    }
                }
                Ok::<_, CatalogError>(out)
            })
            .await
    }

    /// The cheapest active, in-stock price per product, for what a retailer would pay.
    pub async fn best_prices(
        &self,
        product_ids: Vec<u64>,
    ) -> Result<Vec<Option<i64>>, CatalogError> {
        Ok(self
            .store
            .read(move |tx| {
                product_ids
                    .iter()
                    .map(|&id| {
                        Ok(store::listings_of_product(tx, id)?
                            .into_iter()
                            .filter(|l| l.active && l.stock > 0)
                            .map(|l| l.price_paisa)
                            .min())
                    })
                    .collect::<Result<Vec<_>, crate::storage::StoreError>>()
            })
            .await?)
    }

    pub async fn create_vendor(
        &self,
        who: &Principal,
        input: VendorInput,
    ) -> Result<Vendor, CatalogError> {
        staff_only(who)?;
        for (field, value) in [
            ("name", &input.name),
            ("district", &input.district),
            ("province", &input.province),
        ] {
            import::validate_text(value, 100, true).map_err(|r| CatalogError::invalid(field, r))?;
        }
        check_commission(input.commission_bps)?;
        let (now, actor) = (self.now(), who.actor());
        self.store
            .write(move |tx| {
                let v = Vendor {
                    id: 0,
                    name: input.name.trim().to_string(),
                    phone: input.phone.clone(),
                    district: input.district.trim().to_string(),
                    province: input.province.trim().to_string(),
                    active: true,
                    commission_bps: input.commission_bps,
                    created_at: now,
                };
                let v = store::insert_vendor(tx, v)?;
                audit::record(
                    tx,
                    now,
                    &actor,
                    "vendor.create",
                    format!("vendor:{}", v.id),
                    v.name.clone(),
                )?;
                Ok(v)
            })
            .await
    }

    pub async fn update_vendor(
        &self,
        who: &Principal,
        id: u64,
        patch: VendorPatch,
    ) -> Result<Vendor, CatalogError> {
        staff_only(who)?;
        check_commission(patch.commission_bps.flatten())?;
        let (now, actor) = (self.now(), who.actor());
        self.store
            .write(move |tx| {
                let mut v =
                    store::vendor(tx, id)?.ok_or(CatalogError::NotFound { kind: "vendor", id })?;
                apply_vendor_patch(tx, &mut v, &patch)?;
                store::save_vendor(tx, &v)?;
                audit::record(
                    tx,
                    now,
                    &actor,
                    "vendor.update",
                    format!("vendor:{id}"),
                    v.name.clone(),
                )?;
                Ok(v)
            })
            .await
    }

    /// A vendor: staff see any, a vendor only itself.
    pub async fn vendor(&self, who: &Principal, id: u64) -> Result<Vendor, CatalogError> {
        if !who.may_act_for_vendor(id) {
            return Err(forbid("you may only see your own vendor record"));
        }
        self.store
            .read(move |tx| store::vendor(tx, id))
            .await?
            .ok_or(CatalogError::NotFound { kind: "vendor", id })
    }

    pub async fn list_vendors(
        &self,
        who: &Principal,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<Page<Vendor>, CatalogError> {
        let only = match (who.role, who.vendor_id()) {
            (Role::Admin | Role::Operator, _) => None,
            (Role::Vendor, Some(id)) => Some(id),
            _ => {
                return Err(forbid(
                    "only operators, admins and vendors may list vendors",
                ));
            }
        };
        Ok(self
            .store
            .read(move |tx| {
                let view = tx.open(tables::VENDORS)?;
                page::newest_first(&view, cursor, limit, |v: &Vendor| {
                    only.is_none_or(|id| v.id == id)
                })
            })
            .await?)
    }

    pub async fn create_listing(
        &self,
        who: &Principal,
        input: ListingInput,
    ) -> Result<Listing, CatalogError> {
        staff_only(who)?;
        check_listing_numbers(
            input.price_paisa,
            input.mrp_paisa,
            input.min_qty,
            input.max_qty,
            input.pack_multiple,
        )?;
        if input.stock < 0 {
            return Err(CatalogError::invalid("stock", "must not be negative"));
        }
        let (now, actor) = (self.now(), who.actor());
        self.store
            .write(move |tx| {
                let l = Listing {
                    id: 0,
                    vendor_id: input.vendor_id,
                    product_id: input.product_id,
                    price_paisa: input.price_paisa,
                    mrp_paisa: input.mrp_paisa,
                    stock: input.stock,
                    min_qty: input.min_qty,
                    max_qty: input.max_qty,
                    pack_multiple: input.pack_multiple,
                    active: true,
                    updated_at: now,
                };
                let l = store::insert_listing(tx, l)?;
                audit::record(
                    tx,
                    now,
                    &actor,
                    "listing.create",
                    format!("listing:{}", l.id),
                    String::new(),
                )?;
                Ok(l)
            })
            .await
    }

    /// Changes a listing. A vendor may change only the price, MRP and stock of its own.
    pub async fn update_listing(
        &self,
        who: &Principal,
        id: u64,
        patch: ListingPatch,
    ) -> Result<Listing, CatalogError> {
        if !who.is_staff() {
            if who.role != Role::Vendor {
                return Err(forbid(
                    "only operators, admins and the listing's vendor may change it",
                ));
            }
            if patch.min_qty.is_some()
                || patch.max_qty.is_some()
                || patch.pack_multiple.is_some()
                || patch.active.is_some()
            {
                return Err(forbid(
                    "a vendor may change only price_paisa, mrp_paisa and stock",
                ));
            }
        }
        let (now, who) = (self.now(), who.clone());
        self.store
            .write(move |tx| update_listing_tx(tx, &who, id, &patch, now))
            .await
    }

    pub async fn listing(&self, who: &Principal, id: u64) -> Result<Listing, CatalogError> {
        let l = self
            .store
            .read(move |tx| store::listing(tx, id))
            .await?
            .ok_or(CatalogError::NotFound {
                kind: "listing",
                id,
            })?;
        if !who.may_act_for_vendor(l.vendor_id) {
            // Another vendor's listing is not even acknowledged.
            return Err(CatalogError::NotFound {
                kind: "listing",
                id,
            });
        }
        Ok(l)
    }

    pub async fn list_listings(
        &self,
        who: &Principal,
        mut f: ListingFilter,
    ) -> Result<Page<Listing>, CatalogError> {
        match (who.role, who.vendor_id()) {
            (Role::Admin | Role::Operator, _) => {}
            (Role::Vendor, Some(own)) => {
                if f.vendor_id.is_some_and(|v| v != own) {
                    return Err(forbid("you may only see your own listings"));
                }
                f.vendor_id = Some(own);
            }
            _ => {
                return Err(forbid(
                    "only operators, admins and vendors may list listings",
                ));
            }
        }
        self.store.read(move |tx| list_listings_tx(tx, &f)).await
    }

    /// Imports a whole catalog file: every row is validated first; nothing is written unless
    /// all rows are good; existing skus are updated. Returns (created, updated).
    pub async fn import(
        &self,
        actor: Actor,
        rows: Vec<ProductInput>,
    ) -> Result<(usize, usize), CatalogError> {
        let now = self.now();
        self.store
            .write(move |tx| {
                let (mut created, mut updated) = (0, 0);
                for row in &rows {
                    let (_, new) = store::upsert_product(tx, row, now)?;
                    if new { created += 1 } else { updated += 1 }
                }
                let details = format!("{created} created, {updated} updated");
                audit::record(tx, now, &actor, "catalog.import", "catalog".into(), details)?;
                Ok((created, updated))
            })
            .await
    }
}

fn validate_product(p: &ProductInput) -> Result<(), CatalogError> {
    import::validate_sku(&p.sku).map_err(|r| CatalogError::invalid("sku", r))?;
    import::validate_text(&p.name, 200, true).map_err(|r| CatalogError::invalid("name", r))?;
    for (field, v) in [("brand", &p.brand), ("category", &p.category)] {
        if let Some(v) = v {
            import::validate_text(v, 100, true).map_err(|r| CatalogError::invalid(field, r))?;
        }
    }
    for a in &p.aliases {
        import::validate_text(a, 100, true).map_err(|r| CatalogError::invalid("aliases", r))?;
    }
    if p.pack_size.is_some_and(|s| s <= Decimal::ZERO) {
        return Err(CatalogError::invalid(
            "pack_size",
            "must be a positive number",
        ));
    }
    import::pair_size_and_unit(p.pack_size, p.unit).map_err(|r| CatalogError::invalid("unit", r))
}

fn apply_product_patch(p: &mut Product, patch: &ProductPatch) -> Result<(), CatalogError> {
    let mut input = ProductInput {
        sku: p.sku.clone(),
        name: patch.name.clone().unwrap_or_else(|| p.name.clone()),
        brand: patch.brand.clone().unwrap_or_else(|| p.brand.clone()),
        category: patch.category.clone().unwrap_or_else(|| p.category.clone()),
        pack_size: patch.pack_size.unwrap_or(p.pack_size),
        unit: patch.unit.unwrap_or(p.unit),
        aliases: patch.aliases.clone().unwrap_or_else(|| p.aliases.clone()),
    };
    input.aliases = import::split_aliases(&input.aliases.join("|"));
    validate_product(&input)?;
    if let Some(Some(b)) = &patch.barcode {
        import::validate_text(b, 64, true).map_err(|r| CatalogError::invalid("barcode", r))?;
    }
    p.name = input.name.trim().to_string();
    p.brand = input.brand;
    p.category = input.category;
    p.pack_size = input.pack_size;
    p.unit = input.unit;
    p.aliases = input.aliases;
    if let Some(b) = &patch.barcode {
        p.barcode = b.clone();
    }
    if let Some(a) = patch.active {
        p.active = a;
    }
    Ok(())
}

fn check_commission(bps: Option<u32>) -> Result<(), CatalogError> {
    match bps {
        Some(b) if b > 5000 => Err(CatalogError::invalid(
            "commission_bps",
            "must be at most 5000 (50 %)",
        )),
        _ => Ok(()),
    }
}

fn apply_vendor_patch(
    tx: &WriteTx,
    v: &mut Vendor,
    patch: &VendorPatch,
) -> Result<(), CatalogError> {
    for (field, value) in [
        ("name", &patch.name),
        ("district", &patch.district),
        ("province", &patch.province),
    ] {
        if let Some(value) = value {
            import::validate_text(value, 100, true).map_err(|r| CatalogError::invalid(field, r))?;
        }
    }
    if let Some(phone) = patch.phone.as_ref().filter(|p| **p != v.phone) {
        if store::vendor_by_phone(tx, phone)?.is_some() {
            return Err(CatalogError::Conflict(format!(
                "a vendor with phone {phone} already exists"
            )));
        }
        let mut index = tx.open(tables::VENDORS_BY_PHONE)?;
        index.remove(v.phone.as_str())?;
        index.put(phone.as_str(), &v.id)?;
        v.phone = phone.clone();
    }
    if let Some(n) = &patch.name {
        v.name = n.trim().to_string();
    }
    if let Some(d) = &patch.district {
        v.district = d.trim().to_string();
    }
    if let Some(p) = &patch.province {
        v.province = p.trim().to_string();
    }
    if let Some(c) = patch.commission_bps {
        v.commission_bps = c;
    }
    if let Some(a) = patch.active {
        v.active = a;
    }
    Ok(())
}

fn check_listing_numbers(
    price: i64,
    mrp: i64,
    min_qty: u32,
    max_qty: Option<u32>,
    multiple: u32,
) -> Result<(), CatalogError> {
    if price <= 0 {
        return Err(CatalogError::invalid(
            "price_paisa",
            "must be more than zero",
        ));
    }
    if mrp < price {
        return Err(CatalogError::invalid(
            "mrp_paisa",
            format!("must not be below the price ({price} paisa)"),
        ));
    }
    if min_qty == 0 || multiple == 0 {
        return Err(CatalogError::invalid(
            "min_qty",
            "min_qty and pack_multiple must be at least 1",
        ));
    }
    if max_qty.is_some_and(|m| m < min_qty) {
        return Err(CatalogError::invalid(
            "max_qty",
            "must not be below min_qty",
        ));
    }
    Ok(())
}

fn update_listing_tx(
    tx: &WriteTx,
    who: &Principal,
    id: u64,
    patch: &ListingPatch,
    now: DateTime<Utc>,
) -> Result<Listing, CatalogError> {
    let mut l = store::listing(tx, id)?.ok_or(CatalogError::NotFound {
        kind: "listing",
        id,
    })?;
    if !who.may_act_for_vendor(l.vendor_id) {
        return Err(CatalogError::NotFound {
            kind: "listing",
            id,
        });
    }
    let price = patch.price_paisa.unwrap_or(l.price_paisa);
    let mrp = patch.mrp_paisa.unwrap_or(l.mrp_paisa);
    let min_qty = patch.min_qty.unwrap_or(l.min_qty);
    let max_qty = patch.max_qty.unwrap_or(l.max_qty);
    let multiple = patch.pack_multiple.unwrap_or(l.pack_multiple);
    check_listing_numbers(price, mrp, min_qty, max_qty, multiple)?;
    if patch.stock.is_some_and(|s| s < 0) {
        return Err(CatalogError::invalid("stock", "must not be negative"));
    }
    (
        l.price_paisa,
        l.mrp_paisa,
        l.min_qty,
        l.max_qty,
        l.pack_multiple,
    ) = (price, mrp, min_qty, max_qty, multiple);
    if let Some(a) = patch.active {
        l.active = a;
    }
    l.updated_at = now;
    store::save_listing(tx, &l)?;
    if let Some(stock) = patch.stock {
        let reason = StockReason::Adjustment {
            user_id: Some(who.user_id),
        };
        l = store::move_stock(tx, id, stock - l.stock, reason, now)?;
    }
    audit::record(
        tx,
        now,
        &who.actor(),
        "listing.update",
        format!("listing:{id}"),
        String::new(),
    )?;
    Ok(l)
}

fn list_listings_tx(tx: &impl Tx, f: &ListingFilter) -> Result<Page<Listing>, CatalogError> {
    let view = tx.open(tables::LISTINGS)?;
    let ids: Option<Vec<u64>> = match (f.vendor_id, f.product_id) {
        (Some(v), Some(p)) => Some(
            store::listing_for(tx, v, p)?
                .map(|l| l.id)
                .into_iter()
                .collect(),
        ),
        (Some(v), None) => Some(index_ids(
            tx.open(tables::LISTINGS_BY_VENDOR)?
                .range((v, 0)..=(v, u64::MAX))?,
        )?),
        (None, Some(p)) => Some(index_ids(
            tx.open(tables::LISTINGS_BY_PRODUCT)?
                .range((p, 0)..=(p, u64::MAX))?,
        )?),
        (None, None) => None,
    };
    let Some(mut ids) = ids else {
        return Ok(page::newest_first(&view, f.cursor, f.limit, |_| true)?);
    };
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let (page_ids, next_cursor) = page::ids_page(&ids, f.cursor, f.limit);
    let items = page_ids
        .into_iter()
        .map(|id| view.need(id, &format!("listing {id}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_cursor })
}

fn index_ids(
    it: crate::storage::Iter<'_, (u64, u64), u64>,
) -> Result<Vec<u64>, crate::storage::StoreError> {
    it.map(|e| e.map(|(_, id)| id)).collect()
}
