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
use crate::ledger::{self, AccountKind, TransferCode, TransferState};
use crate::retailers::store as retailers;
use crate::storage::{Store, StoreError, TableRead, Tx, tables};
use crate::support::clock::{Clock, nepal_date};
use crate::support::page::Page;
use crate::support::telemetry::Walked;

#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("no retailer with id {0}")]
    NotFound(u64),
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Well-formed, but a rule refuses it (a credit change without its reason): answered 409.
    #[error("{field}: {reason}")]
    Rule { field: &'static str, reason: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    #[error(transparent)]
    OutOfRange(#[from] crate::types::limits::OutOfRange),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> CreditError {
    CreditError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// Everything an operator needs to judge a retailer's credit.
/// A retailer's account statement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub retailer_id: u64,
    pub rows: Vec<StatementRow>,
    /// Owed now (negative: paid in advance).
    pub balance_paisa: i64,
}

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
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) rules: Rules,
    pub(super) default_terms_days: u32,
}

pub(super) fn staff_only(who: &Principal) -> Result<(), CreditError> {
    if who.is_staff() {
        Ok(())
    } else {
        Err(CreditError::Forbidden(
            "only operators and admins may do this".into(),
        ))
    }
}

pub(super) fn may_see(who: &Principal, retailer_id: u64) -> Result<(), CreditError> {
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
                    blocked_reason: block_reason(tx, &r, today, rules.block_overdue_after_days)?
                        .map(|b| {
                            crate::messaging::texts::block(crate::types::language::Language::En, &b)
                        }),
                    aging: aging::buckets(&open_invoices(tx, id)?, today, &rules.aging_buckets),
                    score: match latest_score(tx, id)? {
                        Some(s) => Some(s),
                        None => Some(super::score_now(tx, &r, &rules, now)?),
                    },
                })
            })
            .await
    }

    /// Every transfer on the retailer's account, oldest first, with the running balance, and
    /// what it owes now (the last row's balance).
    pub async fn statement(&self, who: &Principal, id: u64) -> Result<Statement, CreditError> {
        may_see(who, id)?;
        let rows = self
            .store
            .read(move |tx| {
                retailers::get(tx, id)?.ok_or(CreditError::NotFound(id))?;
                Ok::<_, CreditError>(statement_rows(tx, id)?)
            })
            .await?;
        let balance_paisa = rows.last().map_or(0, |r| r.balance_paisa);
        Ok(Statement {
            retailer_id: id,
            rows,
            balance_paisa,
        })
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
                        crate::types::money::format_npr(p.amount_paisa),
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
    /// Refreshes every shop's credit position and score (the nightly job), a hundred per
    /// write. A chunk that fails is done again shop by shop, and a shop that still fails is
    /// logged and skipped.
    pub async fn refresh_all(&self) -> Result<Walked, CreditError> {
        let ids: Vec<u64> = self
            .store
            .read(|tx| {
                tx.open(tables::RETAILERS)?
                    .iter()?
                    .map(|e| e.map(|(id, _)| id))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        let mut walked = Walked::default();
        for chunk in ids.chunks(100) {
            if self.refresh_some(chunk.to_vec()).await.is_ok() {
                walked.done += chunk.len();
                continue;
            }
            for &id in chunk {
                match self.refresh_some(vec![id]).await {
                    Ok(()) => walked.done += 1,
                    Err(e) => {
                        tracing::error!(retailer = id, error = %e, "credit refresh failed; skipped");
                        walked.skipped += 1;
                    }
                }
            }
        }
        Ok(walked)
    }

    async fn refresh_some(&self, ids: Vec<u64>) -> Result<(), CreditError> {
        let (rules, now) = (self.rules.clone(), self.clock.now());
        Ok(self
            .store
            .write(move |tx| {
                ids.iter()
                    .try_for_each(|&id| super::refresh(tx, id, &rules, now).map(|_| ()))
            })
            .await?)
    }
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
