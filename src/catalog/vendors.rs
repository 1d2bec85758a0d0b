//! Vendors (wholesalers): created and changed by staff; a vendor sees only itself.

use super::import;
use super::service::{forbid, staff_only};
use super::{CatalogError, CatalogService, Vendor, store};
use crate::audit;
use crate::auth::Principal;
use crate::storage::{Tx, WriteTx, tables};
use crate::support::page::{self, Page};
use crate::types::{Msisdn, Role};

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

impl CatalogService {
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
                let before = v.clone();
                apply_vendor_patch(tx, &mut v, &patch)?;
                store::save_vendor(tx, &v)?;
                let party = crate::auth::Party::Vendor(id);
                if v.phone != before.phone {
                    crate::auth::store::relink_party(tx, party, &v.phone, now)?;
                }
                crate::auth::store::set_party_active(tx, party, v.active, now)?;
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
}

fn check_commission(bps: Option<u32>) -> Result<(), CatalogError> {
    if let Some(b) = bps {
        let max = i64::from(crate::types::limits::MAX_COMMISSION_BPS);
        crate::types::limits::within("commission_bps", b, 0, max)?;
    }
    Ok(())
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
