//! Credit use cases: retailers and their terms, the credit view, statements, payments and
//! alerts, with their access rules. Limits and terms change only by staff, with a reason.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::payments::{self, Payment, PaymentError, PaymentInput};
use super::{
    Position, Rules, aging, alerts, block_reason, days_overdue, latest_score, open_invoices,
    position, score,
};
use crate::audit;
use crate::auth::Principal;
use crate::clock::{Clock, nepal_date};
use crate::ledger::{self, AccountKind, TransferCode, TransferState};
use crate::page::{self, Page};
use crate::retailers::{Language, Retailer, store as retailers};
use crate::storage::{Store, StoreError, TableRead, Tx, WriteTx, tables};
use crate::types::Msisdn;

#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("no retailer with id {0}")]
    NotFound(u64),
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> CreditError {
    CreditError::Invalid {
        field,
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, Default)]
pub struct RetailerPatch {
    pub phone: Option<Msisdn>,
    pub district: Option<String>,
    pub credit_limit_paisa: Option<i64>,
    pub terms_days: Option<u32>,
    pub blocked: Option<bool>,
    pub language: Option<Language>,
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

/// Everything an operator needs to judge a retailer's credit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditView {
    #[serde(flatten)]
    pub position: Position,
    pub terms_days: u32,
    pub days_overdue: i64,
    /// Why the retailer cannot order now (manual block or overdue), if it cannot.
    pub blocked_reason: Option<String>,
    pub aging: Vec<aging::Bucket>,
    pub score: Option<score::Score>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementRow {
    pub at: DateTime<Utc>,
    pub transfer_id: u64,
    pub code: TransferCode,
    pub order_id: Option<u64>,
    pub payment_id: Option<u64>,
    /// What the retailer was charged (increases what is owed).
    pub debit_paisa: i64,
    /// What the retailer was credited (payments, reversals).
    pub credit_paisa: i64,
    /// Owed after this row (negative: paid in advance).
    pub balance_paisa: i64,
    /// A hold for an undelivered order, shown for information; it does not change the balance.
    pub hold: bool,
    pub description: String,
}

pub struct CreditService {
    store: Store,
    clock: Arc<dyn Clock>,
    rules: Rules,
    default_terms_days: u32,
}

fn staff_only(who: &Principal) -> Result<(), CreditError> {
    if who.is_staff() {
        Ok(())
    } else {
        Err(CreditError::Forbidden(
            "only operators and admins may do this".into(),
        ))
    }
}

fn may_see(who: &Principal, retailer_id: u64) -> Result<(), CreditError> {
    if who.may_act_for_retailer(retailer_id) {
        Ok(())
    } else {
        Err(CreditError::Forbidden(
            "you may only see your own account".into(),
        ))
    }
}

impl CreditService {
    pub fn new(store: Store, clock: Arc<dyn Clock>, rules: Rules, default_terms_days: u32) -> Self {
        Self {
            store,
            clock,
            rules,
            default_terms_days,
        }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

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

    pub async fn create_retailer(
        &self,
        who: &Principal,
        input: RetailerInput,
    ) -> Result<Retailer, CreditError> {
        staff_only(who)?;
        for (field, v) in [
            ("name", &input.name),
            ("owner_name", &input.owner_name),
            ("district", &input.district),
            ("province", &input.province),
        ] {
            crate::catalog::import::validate_text(v, 100, true).map_err(|r| invalid(field, r))?;
        }
        if input.credit_limit_paisa < 0 {
            return Err(invalid("credit_limit_paisa", "must not be negative"));
        }
        let (now, actor, terms) = (
            self.clock.now(),
            who.actor(),
            input.terms_days.unwrap_or(self.default_terms_days),
        );
        self.store
            .write(move |tx| {
                let r = Retailer {
                    id: 0,
                    name: input.name.trim().into(),
                    owner_name: input.owner_name.trim().into(),
                    phone: input.phone.clone(),
                    district: input.district.trim().into(),
                    province: input.province.trim().into(),
                    credit_limit_paisa: input.credit_limit_paisa,
                    terms_days: terms,
                    blocked: false,
                    language: input.language,
                    created_at: now,
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
                    &actor,
                    "retailer.create",
                    format!("retailer:{}", r.id),
                    r.name.clone(),
                )?;
                Ok(r)
            })
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
            || patch.blocked.is_some();
        let reason = patch
            .reason
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        if credit_change && reason.is_empty() {
            return Err(invalid(
                "reason",
                "changing credit_limit_paisa, terms_days or blocked needs a reason",
            ));
        }
        if patch.credit_limit_paisa.is_some_and(|l| l < 0) {
            return Err(invalid("credit_limit_paisa", "must not be negative"));
        }
        if patch.terms_days.is_some_and(|t| t > 365) {
            return Err(invalid("terms_days", "must be at most 365"));
        }
        let (now, actor, rules) = (self.clock.now(), who.actor(), self.rules.clone());
        self.store
            .write(move |tx| {
                let mut r = retailers::get(tx, id)?.ok_or(CreditError::NotFound(id))?;
                let before = r.clone();
                apply_patch(tx, &mut r, &patch)?;
                retailers::save(tx, &r)?;
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

    pub async fn credit_view(&self, who: &Principal, id: u64) -> Result<CreditView, CreditError> {
        may_see(who, id)?;
        let now = self.clock.now();
        let (rules, today) = (self.rules.clone(), nepal_date(now));
        self.store
            .read(move |tx| {
                let r = retailers::get(tx, id)?.ok_or(CreditError::NotFound(id))?;
                Ok(CreditView {
                    position: position(tx, &r)?,
                    terms_days: r.terms_days,
                    days_overdue: days_overdue(tx, id, today)?,
                    blocked_reason: block_reason(tx, &r, today, rules.block_overdue_after_days)?,
                    aging: aging::buckets(&open_invoices(tx, id)?, today, &rules.aging_buckets),
                    score: match latest_score(tx, id)? {
                        Some(s) => Some(s),
                        None => Some(super::score_now(tx, &r, &rules, now)?),
                    },
                })
            })
            .await
    }

    /// Every transfer on the retailer's account, oldest first, with the running balance.
    pub async fn statement(
        &self,
        who: &Principal,
        id: u64,
    ) -> Result<Vec<StatementRow>, CreditError> {
        may_see(who, id)?;
        self.store
            .read(move |tx| {
                retailers::get(tx, id)?.ok_or(CreditError::NotFound(id))?;
                Ok(statement_rows(tx, id)?)
            })
            .await
    }

    pub async fn record_payment(
        &self,
        who: &Principal,
        input: PaymentInput,
    ) -> Result<(Payment, bool), CreditError> {
        staff_only(who)?;
        let (now, actor, rules) = (self.clock.now(), who.actor(), self.rules.clone());
        self.store
            .write(move |tx| {
                let (p, replayed) = payments::record(tx, &input, &actor.label(), now)?;
                if !replayed {
                    let details = format!(
                        "{} {} ref {}",
                        crate::money::format_npr(p.amount_paisa),
                        p.method.as_str(),
                        p.reference
                    );
                    audit::record(
                        tx,
                        now,
                        &actor,
                        "payment.record",
                        format!("payment:{}", p.id),
                        details,
                    )?;
                    super::refresh(tx, p.retailer_id, &rules, now)?;
                }
                Ok((p, replayed))
            })
            .await
    }

    pub async fn payments(
        &self,
        who: &Principal,
        retailer_id: Option<u64>,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<Page<Payment>, CreditError> {
        let retailer_id = match (who.is_staff(), who.retailer_id()) {
            (true, _) => retailer_id,
            (false, Some(own)) if retailer_id.is_none_or(|r| r == own) => Some(own),
            _ => {
                return Err(CreditError::Forbidden(
                    "you may only see your own payments".into(),
                ));
            }
        };
        Ok(self
            .store
            .read(move |tx| payments::list(tx, retailer_id, cursor, limit))
            .await?)
    }

    pub async fn alerts(
        &self,
        who: &Principal,
        open_only: bool,
        kind: Option<alerts::AlertKind>,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<Page<alerts::Alert>, CreditError> {
        staff_only(who)?;
        Ok(self
            .store
            .read(move |tx| alerts::list(tx, open_only, kind, cursor, limit))
            .await?)
    }

    /// Recomputes every retailer's score and alerts (the nightly job). Returns how many.
    pub async fn refresh_all(&self) -> Result<usize, CreditError> {
        let ids: Vec<u64> = self
            .store
            .read(|tx| {
                tx.open(tables::RETAILERS)?
                    .iter()?
                    .map(|e| e.map(|(id, _)| id))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        for chunk in ids.chunks(100) {
            let (chunk, rules, now) = (chunk.to_vec(), self.rules.clone(), self.clock.now());
            self.store
                .write(move |tx| {
                    chunk
                        .iter()
                        .try_for_each(|&id| super::refresh(tx, id, &rules, now).map(|_| ()))
                })
                .await?;
        }
        Ok(ids.len())
    }
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

fn statement_rows(tx: &impl Tx, retailer_id: u64) -> Result<Vec<StatementRow>, StoreError> {
    let Some(account) = ledger::account_by_key(tx, AccountKind::RetailerReceivable, retailer_id)?
    else {
        return Ok(Vec::new());
    };
    let mut balance = 0;
    let mut rows = Vec::new();
    for t in ledger::account_transfers(tx, account.id)? {
        let hold = !matches!(
            t.state,
            TransferState::Posted | TransferState::PostPending(_)
        );
        let charged = t.debit_account == account.id;
        let (debit, credit) = match (hold, charged) {
            (true, _) => (0, 0),
            (false, true) => (t.amount, 0),
            (false, false) => (0, t.amount),
        };
        balance += debit - credit;
        let description = match (t.code, t.state) {
            (TransferCode::OrderHold, TransferState::Pending) => {
                format!("credit held for order {}", t.order_id.unwrap_or(0))
            }
            (TransferCode::OrderHold, TransferState::VoidPending(_)) => {
                format!("hold released for order {}", t.order_id.unwrap_or(0))
            }
            (TransferCode::OrderHold, _) => format!("order {} delivered", t.order_id.unwrap_or(0)),
            (TransferCode::Payment, _) => format!("payment {}", t.payment_id.unwrap_or(0)),
            (TransferCode::Reversal, _) => format!("order {} reversed", t.order_id.unwrap_or(0)),
            (code, _) => format!("{code:?}"),
        };
        rows.push(StatementRow {
            at: t.at,
            transfer_id: t.id,
            code: t.code,
            order_id: t.order_id,
            payment_id: t.payment_id,
            debit_paisa: debit,
            credit_paisa: credit,
            balance_paisa: balance,
            hold,
            description,
        });
    }
    Ok(rows)
}
