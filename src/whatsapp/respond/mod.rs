//! The conversation's rules. `plan` decides on a snapshot what a message asks for (this is
//! where matching and pricing happen); `apply` carries it out in the write transaction,
//! checking again whatever may have changed since.

use chrono::{DateTime, Duration, Utc};

mod retailer;
mod vendor;

use super::{Conversation, Pending};
use crate::audit::Actor;
use crate::catalog::{ListingPatch, Vendor, store as catalog};
use crate::credit::{self, alerts};
use crate::orders::{
    self, Action, Context, LineRequest, MoveRequest, Mover, NewOrder, OrderError, OrderSource,
    ProductRef,
};
use crate::preview::Reader as Reading;
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, Tx, WriteTx, tables};
use crate::texts;
use crate::types::Msisdn;

/// Who is writing.
#[derive(Debug, Clone)]
pub enum Who {
    Retailer(Retailer),
    Vendor(Vendor),
    Stranger,
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
        mover: Mover,
    },
    Issue {
        order_id: u64,
        number: String,
        text: String,
    },
    SetListing {
        listing_id: u64,
        patch: ListingPatch,
        what: String,
    },
    Lead {
        text: String,
    },
}

pub struct Plan {
    /// The conversation version this plan was made on.
    pub version: u64,
    pub lang: Language,
    pub step: Step,
}

fn has_devanagari(text: &str) -> bool {
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
        Who::Vendor(v) => vendor::vendor_step(tx, text, v)?,
        Who::Retailer(r) => retailer::retailer_step(tx, text, r, conv, lang, env)?,
    };
    Ok(Plan {
        version: conv.version,
        lang,
        step,
    })
}

/// Carries a plan out in the write transaction; returns the replies and the updated
/// conversation. Refusals (credit, stock, illegal moves) are replies, never errors.
pub fn apply(
    tx: &WriteTx,
    plan: Plan,
    from: &Msisdn,
    who: &Who,
    conv: &mut Conversation,
    env: &Env<'_>,
) -> Result<Vec<String>, StoreError> {
    let lang = plan.lang;
    let label = match who {
        Who::Retailer(r) => Actor::User {
            id: r.id,
            role: crate::types::Role::Retailer,
        }
        .label(),
        Who::Vendor(v) => Actor::User {
            id: v.id,
            role: crate::types::Role::Vendor,
        }
        .label(),
        Who::Stranger => "whatsapp".into(),
    };
    let label = format!("whatsapp {label}");
    Ok(match plan.step {
        Step::Reply(r) => r,
        Step::SetPending(p, r) => {
            conv.pending = p;
            r
        }
        Step::Place => match who {
            Who::Retailer(r) => place(tx, r, conv, lang, env)?,
            _ => vec![texts::nothing_pending(lang)],
        },
        Step::Act {
            order_id,
            action,
            note,
            mover,
        } => {
            let ctx = Context {
                rules: env.rules,
                credit_rules: env.credit_rules,
                now: env.now,
            };
            let req = MoveRequest::new(action, note);
            match orders::apply_action(
                tx,
                order_id,
                &req,
                orders::Who {
                    mover,
                    label: &label,
                },
                &ctx,
            ) {
                Ok(out) if action == Action::Complete => {
                    vec![texts::received(lang, &out.order.number)]
                }
                Ok(out) => vec![format!(
                    "Order {} is now {}.",
                    out.order.number,
                    out.order.state.as_str()
                )],
                Err(OrderError::Store(e)) => return Err(e),
                Err(e) => vec![texts::refused(lang, &e.to_string())],
            }
        }
        Step::Issue {
            order_id,
            number,
            text,
        } => {
            if let Some(mut o) = orders::store::get(tx, order_id)? {
                o.disputed = true;
                tx.open(tables::ORDERS)?.put(o.id, &o)?;
                let msg = format!("order {number}: the retailer reports a problem: {text}");
                alerts::raise(
                    tx,
                    alerts::AlertKind::Delivery,
                    &format!("order:{order_id}"),
                    msg,
                    env.now,
                )?;
                orders::store::log(
                    tx,
                    order_id,
                    env.now,
                    Some(o.state),
                    o.state,
                    &label,
                    &format!("issue reported: {text}"),
                )?;
            }
            vec![texts::issue_noted(lang, &number)]
        }
        Step::SetListing {
            listing_id,
            patch,
            what,
        } => set_listing(tx, listing_id, &patch, &what, env.now)?,
        Step::Lead { text } => {
            let msg = format!("new contact {from} wrote: {text}");
            alerts::raise(
                tx,
                alerts::AlertKind::Lead,
                &format!("lead:{from}"),
                msg,
                env.now,
            )?;
            vec![texts::stranger()]
        }
    })
}

fn set_listing(
    tx: &WriteTx,
    id: u64,
    patch: &ListingPatch,
    what: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let Some(mut l) = catalog::listing(tx, id)? else {
        return Ok(vec!["That listing is gone.".into()]);
    };
    if let Some(p) = patch.price_paisa {
        if p > l.mrp_paisa {
            return Ok(vec![format!(
                "The price must not be above the MRP ({}).",
                crate::money::format_npr(l.mrp_paisa)
            )]);
        }
        l.price_paisa = p;
        l.updated_at = now;
        catalog::save_listing(tx, &l)?;
    }
    if let Some(s) = patch.stock {
        let reason = crate::catalog::StockReason::Adjustment { user_id: None };
        if let Err(e) = catalog::move_stock(tx, id, s - l.stock, reason, now) {
            return Ok(vec![e.to_string()]);
        }
    }
    Ok(vec![format!("Done: {what}.")])
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
    let actor = Actor::User {
        id: r.id,
        role: crate::types::Role::Retailer,
    };
    match orders::place(tx, &req, None, &actor, env.rules, env.now) {
        Ok(placed) => {
            conv.pending = None;
            let numbers: Vec<String> = placed.orders.iter().map(|o| o.number.clone()).collect();
            let total = placed.orders.iter().map(|o| o.total_paisa).sum();
            Ok(vec![texts::placed(lang, &numbers, total)])
        }
        Err(OrderError::Blocked { reason }) => Ok(vec![texts::blocked(lang, &reason)]),
        Err(OrderError::Store(e)) => Err(e),
        Err(e) => Ok(vec![texts::refused(lang, &e.to_string())]),
    }
}
