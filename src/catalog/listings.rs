//! Listings: a vendor's price, stock and order limits for a product. Staff write them; a
//! vendor changes only its own price and stock and sees only its own.

use chrono::{DateTime, Utc};

use super::service::{forbid, staff_only};
use super::{CatalogError, CatalogService, Listing, StockReason, store};
use crate::audit;
use crate::auth::{Acting, Principal};
use crate::storage::{TableRead, Tx, WriteTx, tables};
use crate::support::page::{self, Page};
use crate::types::Role;
use crate::types::limits::{MAX_PRICE_PAISA, MAX_STOCK, within};

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

impl CatalogService {
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
        within("stock", input.stock, 0, MAX_STOCK)?;
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
        let (now, acting) = (self.now(), Acting::User(who.clone()));
        self.store
            .write(move |tx| change_listing(tx, &acting, id, &patch, now))
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
}

fn check_listing_numbers(
    price: i64,
    mrp: i64,
    min_qty: u32,
    max_qty: Option<u32>,
    multiple: u32,
) -> Result<(), CatalogError> {
    within("price_paisa", price, 1, MAX_PRICE_PAISA)?;
    within("mrp_paisa", mrp, 1, MAX_PRICE_PAISA)?;
    if mrp < price {
        return Err(CatalogError::Rule {
            field: "mrp_paisa".into(),
            reason: format!("must not be below the price ({price} paisa)"),
        });
    }
    if min_qty == 0 || multiple == 0 {
        return Err(CatalogError::invalid(
            "min_qty",
            "min_qty and pack_multiple must be at least 1",
        ));
    }
    if max_qty.is_some_and(|m| m < min_qty) {
        return Err(CatalogError::Rule {
            field: "max_qty".into(),
            reason: "must not be below min_qty".into(),
        });
    }
    Ok(())
}

/// The listing `acting` may change with `patch`: another vendor's listing is not even
/// acknowledged, a vendor changes only its prices and stock, and only while it is active.
fn listing_for_change(
    tx: &WriteTx,
    acting: &Acting,
    id: u64,
    patch: &ListingPatch,
) -> Result<Listing, CatalogError> {
    let not_found = CatalogError::NotFound {
        kind: "listing",
        id,
    };
    let l = store::listing(tx, id)?.ok_or(not_found)?;
    if !acting.may_act_for_vendor(l.vendor_id) {
        return Err(CatalogError::NotFound {
            kind: "listing",
            id,
        });
    }
    let rules_changed = patch.min_qty.is_some()
        || patch.max_qty.is_some()
        || patch.pack_multiple.is_some()
        || patch.active.is_some();
    if !acting.is_staff() && rules_changed {
        return Err(forbid(
            "a vendor may change only price_paisa, mrp_paisa and stock",
        ));
    }
    acting.ensure_active(tx).map_err(|e| match e {
        crate::auth::AuthError::Store(e) => CatalogError::Store(e),
        other => CatalogError::Forbidden(other.to_string()),
    })?;
    Ok(l)
}

/// The one door for changing a listing, from REST and from a vendor's STOCK and PRICE on
/// WhatsApp alike: staff change anything; a vendor only the price, MRP and stock of its own
/// listings, and only while it is active. Every number is checked before anything is written,
/// and the change is audited.
pub fn change_listing(
    tx: &WriteTx,
    acting: &Acting,
    id: u64,
    patch: &ListingPatch,
    now: DateTime<Utc>,
) -> Result<Listing, CatalogError> {
    let mut l = listing_for_change(tx, acting, id, patch)?;
    let price = patch.price_paisa.unwrap_or(l.price_paisa);
    let mrp = patch.mrp_paisa.unwrap_or(l.mrp_paisa);
    let min_qty = patch.min_qty.unwrap_or(l.min_qty);
    let max_qty = patch.max_qty.unwrap_or(l.max_qty);
    let multiple = patch.pack_multiple.unwrap_or(l.pack_multiple);
    check_listing_numbers(price, mrp, min_qty, max_qty, multiple)?;
    let repriced = price != l.price_paisa;
    if let Some(stock) = patch.stock {
        within("stock", stock, 0, MAX_STOCK)?;
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
    if repriced {
        store::record_price(tx, id, price, now)?;
    }
    if let Some(stock) = patch.stock {
        let reason = StockReason::Adjustment {
            user_id: acting.user_id(),
        };
        let delta = stock
            .checked_sub(l.stock)
            .ok_or(CatalogError::invalid("stock", "out of range"))?;
        l = store::move_stock(tx, id, delta, reason, now)?;
    }
    audit::record(
        tx,
        now,
        &acting.actor(),
        "listing.update",
        format!("listing:{id}"),
        describe(patch),
    )?;
    Ok(l)
}

/// What a change set, for the audit log.
fn describe(patch: &ListingPatch) -> String {
    let mut parts = Vec::new();
    if let Some(p) = patch.price_paisa {
        parts.push(format!("price {p}"));
    }
    if let Some(m) = patch.mrp_paisa {
        parts.push(format!("mrp {m}"));
    }
    if let Some(s) = patch.stock {
        parts.push(format!("stock {s}"));
    }
    if let Some(a) = patch.active {
        parts.push(format!("active {a}"));
    }
    if patch.min_qty.is_some() || patch.max_qty.is_some() || patch.pack_multiple.is_some() {
        parts.push("order quantities".into());
    }
    parts.join(", ")
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
        .map(|id| view.need(id, format_args!("listing {id}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_cursor })
}

fn index_ids(
    it: crate::storage::Iter<'_, (u64, u64), u64>,
) -> Result<Vec<u64>, crate::storage::StoreError> {
    it.map(|e| e.map(|(_, id)| id)).collect()
}
