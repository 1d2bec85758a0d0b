//! The conversation's rules. `plan` decides on a snapshot what a message asks for (this is
//! where matching and pricing happen); `apply` carries it out in the write transaction,
//! checking again whatever may have changed since.

use chrono::{DateTime, Duration, Utc};

mod retailer;
mod vendor;

use super::{Conversation, Pending};
use crate::auth::{Acting, Party};
use crate::catalog::{CatalogError, ListingPatch, Vendor, change_listing};
use crate::credit::{self, alerts};
use crate::messaging::texts;
use crate::orders::{
    self, Action, Context, LineRequest, MoveRequest, NewOrder, OrderError, OrderSource, ProductRef,
};
use crate::preview::Reader as Reading;
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, Tx, WriteTx};
use crate::types::Msisdn;

/// Who is writing.
#[derive(Debug, Clone)]
pub enum Who {
    Retailer(Retailer),
    Vendor(Vendor),
    /// A deactivated shop or vendor: told so, and nothing else.
    Inactive,
    Stranger,
}

impl Who {
    /// The shop or vendor writing, as the doors know callers.
    pub fn party(&self) -> Option<Party> {
        match self {
            Who::Retailer(r) => Some(Party::Retailer(r.id)),
            Who::Vendor(v) => Some(Party::Vendor(v.id)),
            Who::Inactive | Who::Stranger => None,
        }
    }
}

/// The rules a conversation runs under.
pub struct Env<'a> {
    pub rules: &'a orders::Rules,
    pub credit_rules: &'a credit::Rules,
    pub reading: Reading<'a>,
    pub ttl_mins: u64,
    pub now: DateTime<Utc>,
}

/// What to do about a message.
#[derive(Debug, Clone)]
pub enum Step {
    Reply(Vec<String>),
    /// Replace the pending preview (None drops it) and say so.
    SetPending(Option<Pending>, Vec<String>),
    /// Place the pending preview.
    Place,
    Act {
        order_id: u64,
        action: Action,
        note: String,
    },
    Issue {
        order_id: u64,
        number: String,
        text: String,
    },
    SetListing {
        listing_id: u64,
        patch: ListingPatch,
        /// The answer once it is done.
        done: String,
    },
    Lead {
        text: String,
    },
}

pub struct Plan {
    /// The conversation version this plan was made on.
    pub version: u64,
    /// Who it was made for: a plan is made again when the sender is no longer the same party.
    pub party: Option<Party>,
    pub lang: Language,
    pub step: Step,
}

pub(super) fn has_devanagari(text: &str) -> bool {
    text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
}

/// The language to answer in: the retailer's own writing when it shows, else their setting.
pub fn language(text: &str, conv: &Conversation, who: &Who) -> Language {
    if has_devanagari(text) {
        return Language::Ne;
    }
    match who {
        Who::Retailer(r) => conv.language.unwrap_or(r.language),
        _ => Language::En,
    }
}

pub fn expired(p: &Pending, env: &Env<'_>) -> bool {
    env.now - p.created_at > Duration::minutes(env.ttl_mins as i64)
}

/// Decides what a message asks for.
pub fn plan(
    tx: &impl Tx,
    text: &str,
    who: &Who,
    conv: &Conversation,
    env: &Env<'_>,
) -> Result<Plan, StoreError> {
    let lang = language(text, conv, who);
    let step = match who {
        Who::Stranger => Step::Lead {
            text: text.chars().take(200).collect(),
        },
        Who::Inactive => Step::Reply(vec![texts::deactivated(lang)]),
        Who::Vendor(v) => vendor::vendor_step(tx, text, v)?,
        Who::Retailer(r) => retailer::retailer_step(tx, text, r, conv, lang, env)?,
    };
    Ok(Plan {
        version: conv.version,
        party: who.party(),
        lang,
        step,
    })
}

/// Counts a shop's new preview (`started`: it had none pending), the funnel's first step.
fn started_preview(
    tx: &WriteTx,
    who: &Who,
    started: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    match who {
        Who::Retailer(shop) if started => crate::analytics::record_preview(tx, shop.id, now),
        _ => Ok(()),
    }
}

/// Carries a plan out in the write transaction; returns the replies and the updated
/// conversation. Every change goes through its domain door (`orders::act`,
/// `orders::report_issue`, `catalog::change_listing`, `orders::place`), which checks the sender
/// again here. A door's refusal is a reply; a door that fails after writing voids the whole
/// message (see [`WriteTx::attempt`]), so nothing half-done is kept.
pub fn apply(
    tx: &WriteTx,
    plan: Plan,
    from: &Msisdn,
    who: &Who,
    conv: &mut Conversation,
    env: &Env<'_>,
) -> Result<Vec<String>, StoreError> {
    let lang = plan.lang;
    let acting = who.party().map(Acting::Party);
    Ok(match (plan.step, acting) {
        (Step::Reply(r), _) => r,
        (Step::SetPending(p, r), _) => {
            started_preview(tx, who, conv.pending.is_none() && p.is_some(), env.now)?;
            conv.pending = p;
            r
        }
        (Step::Place, _) => match who {
            Who::Retailer(r) => place(tx, r, conv, lang, env)?,
            _ => vec![texts::nothing_pending(lang)],
        },
        (
            Step::Act {
                order_id,
                action,
                note,
            },
            Some(acting),
        ) => act(
            tx,
            &acting,
            order_id,
            MoveRequest::new(action, note),
            lang,
            env,
        )?,
        (
            Step::Issue {
                order_id,
                number,
                text,
            },
            Some(acting),
        ) => report_issue(tx, &acting, order_id, &number, &text, lang, env.now)?,
        (
            Step::SetListing {
                listing_id,
                patch,
                done,
            },
            Some(acting),
        ) => set_listing(tx, &acting, listing_id, &patch, done, env.now)?,
        (Step::Lead { text }, _) => lead(tx, from, &text, env.now)?,
        // A change planned for a shop or vendor that is no longer one.
        (Step::Act { .. } | Step::Issue { .. } | Step::SetListing { .. }, None) => {
            vec![texts::deactivated(lang)]
        }
    })
}

/// A shop's ISSUE about a delivered order, through the one door for issues.
fn report_issue(
    tx: &WriteTx,
    acting: &Acting,
    order_id: u64,
    number: &str,
    text: &str,
    lang: Language,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    match tx.attempt(|tx| orders::report_issue(tx, acting, order_id, text, now)) {
        Ok(_) => Ok(vec![texts::issue_noted(lang, number)]),
        Err(OrderError::Store(e)) => Err(e),
        Err(e) => Ok(vec![texts::not_done(
            lang,
            &texts::refusal(lang, &e.refusal()),
        )]),
    }
}

/// A vendor's STOCK or PRICE, through the one door for listing changes.
fn set_listing(
    tx: &WriteTx,
    acting: &Acting,
    listing_id: u64,
    patch: &ListingPatch,
    done: String,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    match tx.attempt(|tx| change_listing(tx, acting, listing_id, patch, now)) {
        Ok(_) => Ok(vec![done]),
        Err(CatalogError::Store(e)) => Err(e),
        Err(e) => Ok(vec![texts::listing_refused(&listing_refusal(&e))]),
    }
}

/// A stranger wrote: the operators get a lead, the stranger a welcome.
fn lead(
    tx: &WriteTx,
    from: &Msisdn,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let msg = format!("new contact {from} wrote: {text}");
    alerts::raise(
        tx,
        alerts::AlertKind::Lead,
        &format!("lead:{from}"),
        msg,
        now,
    )?;
    Ok(vec![texts::stranger()])
}

/// A move of one of the sender's orders, through the one door for moves.
fn act(
    tx: &WriteTx,
    acting: &Acting,
    order_id: u64,
    req: MoveRequest,
    lang: Language,
    env: &Env<'_>,
) -> Result<Vec<String>, StoreError> {
    let ctx = Context {
        rules: env.rules,
        credit_rules: env.credit_rules,
        now: env.now,
    };
    let action = req.action;
    Ok(
        match tx.attempt(|tx| orders::act(tx, acting, order_id, &req, &ctx)) {
            Ok(out) if action == Action::Complete => {
                vec![texts::received(lang, &out.order.number)]
            }
            Ok(out) => vec![texts::moved(
                lang,
                &out.order.number,
                out.order.state.as_str(),
            )],
            Err(OrderError::Store(e)) => return Err(e),
            Err(e) => vec![texts::not_done(lang, &texts::refusal(lang, &e.refusal()))],
        },
    )
}

fn place(
    tx: &WriteTx,
    r: &Retailer,
    conv: &mut Conversation,
    lang: Language,
    env: &Env<'_>,
) -> Result<Vec<String>, StoreError> {
    let Some(p) = conv.pending.clone() else {
        return Ok(vec![texts::nothing_pending(lang)]);
    };
    if expired(&p, env) {
        conv.pending = None;
        return Ok(vec![texts::expired(lang)]);
    }
    if p.first_question().is_some() {
        return Ok(vec![texts::answer_first(lang)]);
    }
    let lines: Vec<LineRequest> = p
        .ready()
        .map(|(id, packs)| LineRequest {
            product: ProductRef::Id(id),
            quantity: packs,
        })
        .collect();
    if lines.is_empty() {
        return Ok(vec![texts::nothing_to_order(lang)]);
    }
    let req = NewOrder {
        retailer_id: r.id,
        lines,
        idempotency_key: None,
        source: OrderSource::Whatsapp,
    };
    let acting = Acting::Party(Party::Retailer(r.id));
    match tx.attempt(|tx| orders::place(tx, &acting, &req, None, env.rules, env.now)) {
        Ok(placed) => {
            conv.pending = None;
            let numbers: Vec<String> = placed.orders.iter().map(|o| o.number.clone()).collect();
            Ok(vec![texts::placed(lang, &numbers, placed.total)])
        }
        Err(OrderError::Blocked(b)) => Ok(vec![texts::blocked(lang, &texts::block(lang, &b))]),
        Err(OrderError::Store(e)) => Err(e),
        Err(e) => Ok(vec![texts::refused(
            lang,
            &texts::refusal(lang, &e.refusal()),
        )]),
    }
}

/// Why the catalog refused a vendor's listing change, in the words the texts know.
fn listing_refusal(e: &crate::catalog::CatalogError) -> texts::ListingRefusal {
    use crate::catalog::CatalogError;
    match e {
        CatalogError::Rule { field, .. } if field == "mrp_paisa" => texts::ListingRefusal::AboveMrp,
        CatalogError::OutOfRange(r) if r.field == "price_paisa" => {
            texts::ListingRefusal::PriceOutside {
                minimum: r.minimum,
                maximum: r.maximum,
            }
        }
        CatalogError::OutOfRange(r) if r.field == "stock" => texts::ListingRefusal::StockOutside {
            minimum: r.minimum,
            maximum: r.maximum,
        },
        other => texts::ListingRefusal::Other(other.to_string()),
    }
}
