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
use super::{CatalogError, PackUnit, Product, store};
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::storage::{Store, TableRead, Tx, tables};
use crate::support::clock::Clock;
use crate::support::page::{self, Page};

pub struct CatalogService {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
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

pub(super) fn forbid(msg: &str) -> CatalogError {
    CatalogError::Forbidden(msg.to_string())
}

pub(super) fn staff_only(who: &Principal) -> Result<(), CatalogError> {
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

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(super) async fn create_product(
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

    pub(super) async fn update_product(
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

    /// The cheapest active, in-stock price per product, for what a retailer would pay. Staff
    /// and shops see it; a vendor never sees its competitors' prices (all None).
    pub async fn best_prices(
        &self,
        who: &Principal,
        product_ids: Vec<u64>,
    ) -> Result<Vec<Option<i64>>, CatalogError> {
        if who.role == crate::types::Role::Vendor {
            return Ok(vec![None; product_ids.len()]);
        }
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

    /// Imports a whole catalog file: every row is validated first; nothing is written unless
    /// all rows are good; existing skus are updated. Returns (created, updated).
    pub(super) async fn import(
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
    crate::types::sku::Sku::parse(&p.sku).map_err(|r| CatalogError::invalid("sku", r))?;
    import::validate_text(&p.name, 200, true).map_err(|r| CatalogError::invalid("name", r))?;
    for (field, v) in [("brand", &p.brand), ("category", &p.category)] {
        if let Some(v) = v {
            import::validate_text(v, 100, true).map_err(|r| CatalogError::invalid(field, r))?;
        }
    }
    for a in &p.aliases {
        import::validate_text(a, 100, true).map_err(|r| CatalogError::invalid("aliases", r))?;
    }
    if p.pack_size
        .is_some_and(|s| s < Decimal::new(1, 3) || s > Decimal::from(999_999))
    {
        return Err(CatalogError::invalid(
            "pack_size",
            "must be 0.001 to 999999",
        ));
    }
    import::pair_size_and_unit(p.pack_size, p.unit).map_err(|reason| CatalogError::Rule {
        field: "unit".into(),
        reason,
    })
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
