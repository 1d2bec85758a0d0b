//! Retailers and their credit terms: staff create and change them; a new limit, new terms or
//! a block always carries a reason, kept in the audit log.

use super::service::{CreditError, CreditService, invalid, may_see, staff_only};
use crate::audit;
use crate::auth::Principal;
use crate::retailers::{Language, Retailer, store as retailers};
use crate::storage::{Tx, WriteTx, tables};
use crate::support::page::{self, Page};
use crate::types::Msisdn;
use crate::types::limits::{MAX_CREDIT_LIMIT_PAISA, MAX_TERMS_DAYS, within};

#[derive(Debug, Clone, Default)]
pub struct RetailerPatch {
    pub phone: Option<Msisdn>,
    pub district: Option<String>,
    pub credit_limit_paisa: Option<i64>,
    pub terms_days: Option<u32>,
    pub blocked: Option<bool>,
    pub language: Option<Language>,
    /// Deactivate (false) or turn back on (true).
    pub active: Option<bool>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RetailerInput {
    pub name: String,
    pub owner_name: String,
    pub phone: Msisdn,
    pub district: String,
    pub province: String,
    pub credit_limit_paisa: i64,
    pub terms_days: Option<u32>,
    pub language: Language,
}

fn apply_patch(tx: &WriteTx, r: &mut Retailer, patch: &RetailerPatch) -> Result<(), CreditError> {
    if let Some(phone) = patch.phone.as_ref().filter(|p| **p != r.phone) {
        if retailers::by_phone(tx, phone)?.is_some() {
            return Err(CreditError::Conflict(format!(
                "a retailer with phone {phone} already exists"
            )));
        }
        let mut index = tx.open(tables::RETAILERS_BY_PHONE)?;
        index.remove(r.phone.as_str())?;
        index.put(phone.as_str(), &r.id)?;
        r.phone = phone.clone();
    }
    if let Some(d) = &patch.district {
        crate::catalog::import::validate_text(d, 100, true).map_err(|e| invalid("district", e))?;
        r.district = d.trim().into();
    }
    if let Some(l) = patch.credit_limit_paisa {
        r.credit_limit_paisa = l;
    }
    if let Some(t) = patch.terms_days {
        r.terms_days = t;
    }
    if let Some(b) = patch.blocked {
        r.blocked = b;
    }
    if let Some(l) = patch.language {
        r.language = l;
    }
    if let Some(a) = patch.active {
        r.active = a;
    }
    Ok(())
}

fn describe_change(before: &Retailer, after: &Retailer, reason: &str) -> String {
    let mut parts = Vec::new();
    if before.credit_limit_paisa != after.credit_limit_paisa {
        parts.push(format!(
            "credit limit {} → {}",
            before.credit_limit_paisa, after.credit_limit_paisa
        ));
    }
    if before.terms_days != after.terms_days {
        parts.push(format!(
            "terms {} → {} days",
            before.terms_days, after.terms_days
        ));
    }
    if before.blocked != after.blocked {
        parts.push(format!("blocked {} → {}", before.blocked, after.blocked));
    }
    if before.active != after.active {
        parts.push(format!("active {} → {}", before.active, after.active));
    }
    if before.phone != after.phone
        || before.district != after.district
        || before.language != after.language
    {
        parts.push("contact details".into());
    }
    if !reason.is_empty() {
        parts.push(format!("reason: {reason}"));
    }
    parts.join("; ")
}

/// The door for a new shop, in the caller's transaction: a phone already in use is refused;
/// the creation is audited.
pub fn create(
    tx: &WriteTx,
    input: &RetailerInput,
    actor: &crate::audit::Actor,
    terms_days: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Retailer, CreditError> {
    input.check()?;
    let r = Retailer {
        id: 0,
        name: input.name.trim().into(),
        owner_name: input.owner_name.trim().into(),
        phone: input.phone.clone(),
        district: input.district.trim().into(),
        province: input.province.trim().into(),
        credit_limit_paisa: input.credit_limit_paisa,
        terms_days,
        blocked: false,
        language: input.language,
        created_at: now,
        active: true,
    };
    let r = retailers::insert(tx, r)?.ok_or_else(|| {
        CreditError::Conflict(format!(
            "a retailer with phone {} already exists",
            input.phone
        ))
    })?;
    audit::record(
        tx,
        now,
        actor,
        "retailer.create",
        format!("retailer:{}", r.id),
        r.name.clone(),
    )?;
    Ok(r)
}

impl CreditService {
    pub async fn list_retailers(
        &self,
        who: &Principal,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<Page<Retailer>, CreditError> {
        staff_only(who)?;
        Ok(self
            .store
            .read(move |tx| {
                page::newest_first(&tx.open(tables::RETAILERS)?, cursor, limit, |_| true)
            })
            .await?)
    }

    pub async fn retailer(&self, who: &Principal, id: u64) -> Result<Retailer, CreditError> {
        may_see(who, id)?;
        self.store
            .read(move |tx| retailers::get(tx, id))
            .await?
            .ok_or(CreditError::NotFound(id))
    }

    /// A new shop (staff); a login with the same phone is linked to it.
    pub async fn create_retailer(
        &self,
        who: &Principal,
        input: RetailerInput,
    ) -> Result<Retailer, CreditError> {
        staff_only(who)?;

        let (now, actor, terms) = (
            self.clock.now(),
            who.actor(),
            input.terms_days.unwrap_or(self.default_terms_days),
        );
        self.store
            .write(move |tx| create(tx, &input, &actor, terms, now))
            .await
    }

    /// Changes a retailer. A new credit limit or terms must carry a reason; both are audited.
    pub async fn update_retailer(
        &self,
        who: &Principal,
        id: u64,
        patch: RetailerPatch,
    ) -> Result<Retailer, CreditError> {
        staff_only(who)?;
        let credit_change = patch.credit_limit_paisa.is_some()
            || patch.terms_days.is_some()
            || patch.blocked.is_some()
            || patch.active.is_some();
        let reason = patch
            .reason
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        if credit_change && reason.is_empty() {
            return Err(CreditError::Rule {
                field: "reason",
                reason: "changing credit_limit_paisa, terms_days, blocked or active needs a reason"
                    .into(),
            });
        }
        if let Some(l) = patch.credit_limit_paisa {
            within("credit_limit_paisa", l, 0, MAX_CREDIT_LIMIT_PAISA)?;
        }
        if let Some(t) = patch.terms_days {
            within("terms_days", t, 0, i64::from(MAX_TERMS_DAYS))?;
        }
        let (now, actor, rules) = (self.clock.now(), who.actor(), self.rules.clone());
        self.store
            .write(move |tx| {
                let mut r = retailers::get(tx, id)?.ok_or(CreditError::NotFound(id))?;
                let before = r.clone();
                apply_patch(tx, &mut r, &patch)?;
                retailers::save(tx, &r)?;
                let party = crate::auth::Party::Retailer(id);
                if r.phone != before.phone {
                    crate::auth::store::relink_party(tx, party, &r.phone, now)?;
                }
                crate::auth::store::set_party_active(tx, party, r.active, now)?;
                let details = describe_change(&before, &r, &reason);
                audit::record(
                    tx,
                    now,
                    &actor,
                    "retailer.update",
                    format!("retailer:{id}"),
                    details,
                )?;
                if credit_change {
                    super::refresh(tx, id, &rules, now)?;
                }
                Ok(r)
            })
            .await
    }
}

impl RetailerInput {
    /// Names of 1 to 100 characters, a credit limit and terms within their bounds.
    fn check(&self) -> Result<(), CreditError> {
        for (field, v) in [
            ("name", &self.name),
            ("owner_name", &self.owner_name),
            ("district", &self.district),
            ("province", &self.province),
        ] {
            crate::catalog::import::validate_text(v, 100, true).map_err(|r| invalid(field, r))?;
        }
        within(
            "credit_limit_paisa",
            self.credit_limit_paisa,
            0,
            MAX_CREDIT_LIMIT_PAISA,
        )?;
        if let Some(t) = self.terms_days {
            within("terms_days", t, 0, i64::from(MAX_TERMS_DAYS))?;
        }
        Ok(())
    }
}
