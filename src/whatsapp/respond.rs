//! The conversation's rules. `plan` decides on a snapshot what a message asks for (this is
//! where matching and pricing happen); `apply` carries it out in the write transaction,
//! checking again whatever may have changed since.

use chrono::{DateTime, Duration, Utc};

use super::intent::{self, Intent};
use super::preview::{self, Reading};
use super::{Conversation, LineState, Pending, PendingLine, texts};
use crate::audit::Actor;
use crate::catalog::{ListingPatch, Vendor, store as catalog};
use crate::credit::{self, alerts};
use crate::orders::{
    self, Action, Context, LineRequest, MoveRequest, Mover, NewOrder, OrderError, OrderSource,
    OrderState, ProductRef,
};
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, Tx, WriteTx, tables};
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
        Who::Vendor(v) => vendor_step(tx, text, v)?,
        Who::Retailer(r) => retailer_step(tx, text, r, conv, lang, env)?,
    };
    Ok(Plan {
        version: conv.version,
        lang,
        step,
    })
}

fn live_pending<'c>(conv: &'c Conversation, env: &Env<'_>) -> Option<&'c Pending> {
    conv.pending.as_ref().filter(|p| !expired(p, env))
}

fn retailer_step(
    tx: &impl Tx,
    text: &str,
    r: &Retailer,
    conv: &Conversation,
    lang: Language,
    env: &Env<'_>,
) -> Result<Step, StoreError> {
    let reply = |s: String| Ok(Step::Reply(vec![s]));
    match intent::read(text, false) {
        Intent::Confirm => Ok(Step::Place),
        Intent::Cancel if conv.pending.is_some() => {
            Ok(Step::SetPending(None, vec![texts::cancelled_preview(lang)]))
        }
        Intent::Cancel => reply(texts::nothing_pending(lang)),
        Intent::Help => reply(texts::help(lang)),
        Intent::Balance => reply(balance_text(tx, r, lang)?),
        Intent::Status(num) => reply(status_text(tx, r, num.as_deref(), lang)?),
        Intent::CancelOrder(num) => {
            retailer_move(tx, r, Some(&num), Action::Cancel, String::new(), lang)
        }
        Intent::Received(num) => {
            retailer_move(tx, r, num.as_deref(), Action::Complete, String::new(), lang)
        }
        Intent::Issue(num, what) => match find_order(
            tx,
            r.id,
            num.as_deref(),
            &[OrderState::Delivered, OrderState::Completed],
        )? {
            Some(o) => Ok(Step::Issue {
                order_id: o.id,
                number: o.number,
                text: what,
            }),
            None => reply(texts::unknown_order(lang, num.as_deref().unwrap_or(""))),
        },
        Intent::Choose(n) => choose(tx, r, conv, n, lang, env),
        Intent::Remove(what) => match live_pending(conv, env) {
            Some(p) => {
                let mut p = p.clone();
                if !preview::remove(&mut p, &what, env.reading.matcher) {
                    return reply(texts::not_in_preview(lang, &what));
                }
                let shown = preview::render(tx, &p, r, lang, env.rules, env.ttl_mins)?;
                Ok(Step::SetPending(
                    Some(p),
                    vec![texts::removed(lang, &what), shown],
                ))
            }
            None => reply(texts::nothing_pending(lang)),
        },
        Intent::Reorder => reorder(tx, r, lang, env),
        Intent::Text | Intent::Move(..) | Intent::Stock(..) | Intent::Price(..) => {
            order_text(tx, text, r, conv, lang, env)
        }
    }
}

fn order_text(
    tx: &impl Tx,
    text: &str,
    r: &Retailer,
    conv: &Conversation,
    lang: Language,
    env: &Env<'_>,
) -> Result<Step, StoreError> {
    let parsed = crate::parsing::parse_message(text);
    if parsed.kind == crate::parsing::MessageKind::NoOrder || parsed.items.is_empty() {
        return Ok(Step::Reply(vec![texts::question(lang)]));
    }
    let lines = preview::lines(tx, &parsed, &env.reading)?;
    let mut pending = live_pending(conv, env).cloned().unwrap_or(Pending {
        lines: Vec::new(),
        created_at: env.now,
    });
    preview::merge(&mut pending, lines);
    pending.created_at = env.now;
    let shown = preview::render(tx, &pending, r, lang, env.rules, env.ttl_mins)?;
    Ok(Step::SetPending(Some(pending), vec![shown]))
}

fn choose(
    tx: &impl Tx,
    r: &Retailer,
    conv: &Conversation,
    n: usize,
    lang: Language,
    env: &Env<'_>,
) -> Result<Step, StoreError> {
    let Some(mut p) = live_pending(conv, env).cloned() else {
        return Ok(Step::Reply(vec![texts::nothing_pending(lang)]));
    };
    let Some(i) = p.first_question() else {
        return Ok(Step::Reply(vec![texts::question(lang)]));
    };
    let LineState::Ask {
        options,
        quantity,
        unit,
    } = p.lines[i].state.clone()
    else {
        return Ok(Step::Reply(vec![texts::question(lang)]));
    };
    let Some(choice) = options.get(n - 1) else {
        let names: Vec<String> = options.iter().map(|o| o.name.clone()).collect();
        return Ok(Step::Reply(vec![texts::did_you_mean(
            lang,
            &p.lines[i].phrase,
            &names,
        )]));
    };
    let quantity = quantity.and_then(|q| q.parse().ok());
    p.lines[i].state = match catalog::product(tx, choice.product_id)? {
        Some(prod) => {
            preview::convert(&prod, quantity, unit, env.reading.units, &p.lines[i].phrase)
        }
        None => LineState::Problem {
            reason: texts::not_found(&choice.name),
        },
    };
    let shown = preview::render(tx, &p, r, lang, env.rules, env.ttl_mins)?;
    Ok(Step::SetPending(Some(p), vec![shown]))
}

fn reorder(tx: &impl Tx, r: &Retailer, lang: Language, env: &Env<'_>) -> Result<Step, StoreError> {
    let last = orders::store::ids_by(tx, Some(r.id), None)?
        .unwrap_or_default()
        .into_iter()
        .map(|id| orders::store::get(tx, id))
        .find(|o| !matches!(o, Ok(Some(o)) if o.state == OrderState::Cancelled));
    let Some(order) = last.transpose()?.flatten() else {
        return Ok(Step::Reply(vec![texts::no_orders(lang)]));
    };
    let lines = order
        .lines
        .iter()
        .map(|l| PendingLine {
            phrase: l.sku.clone(),
            state: LineState::Ready {
                product_id: l.product_id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                packs: l.quantity,
                note: None,
            },
        })
        .collect();
    let pending = Pending {
        lines,
        created_at: env.now,
    };
    let shown = preview::render(tx, &pending, r, lang, env.rules, env.ttl_mins)?;
    Ok(Step::SetPending(Some(pending), vec![shown]))
}

fn find_order(
    tx: &impl Tx,
    retailer: u64,
    number: Option<&str>,
    states: &[OrderState],
) -> Result<Option<orders::Order>, StoreError> {
    if let Some(num) = number {
        return Ok(orders::store::by_number(tx, num)?.filter(|o| o.retailer_id == retailer));
    }
    for id in orders::store::ids_by(tx, Some(retailer), None)?.unwrap_or_default() {
        if let Some(o) = orders::store::get(tx, id)?.filter(|o| states.contains(&o.state)) {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

fn retailer_move(
    tx: &impl Tx,
    r: &Retailer,
    num: Option<&str>,
    action: Action,
    note: String,
    lang: Language,
) -> Result<Step, StoreError> {
    let states: &[OrderState] = match action {
        Action::Complete => &[OrderState::Delivered],
        _ => &[OrderState::Placed],
    };
    Ok(match find_order(tx, r.id, num, states)? {
        Some(o) => Step::Act {
            order_id: o.id,
            action,
            note,
            mover: Mover::Retailer,
        },
        None => Step::Reply(vec![texts::unknown_order(lang, num.unwrap_or(""))]),
    })
}

fn balance_text(tx: &impl Tx, r: &Retailer, lang: Language) -> Result<String, StoreError> {
    let pos = credit::position(tx, r)?;
    let next = credit::open_invoices(tx, r.id)?
        .first()
        .map(|i| (i.due_date, i.open_paisa()));
    Ok(texts::balance(
        lang,
        pos.posted_paisa,
        pos.available_paisa,
        next,
    ))
}

fn status_text(
    tx: &impl Tx,
    r: &Retailer,
    num: Option<&str>,
    lang: Language,
) -> Result<String, StoreError> {
    let all = [
        OrderState::Placed,
        OrderState::Accepted,
        OrderState::Packing,
        OrderState::Dispatched,
        OrderState::Delivered,
        OrderState::Completed,
        OrderState::Cancelled,
    ];
    Ok(match find_order(tx, r.id, num, &all)? {
        Some(o) => {
            let vendor = catalog::vendor(tx, o.vendor_id)?.map_or_else(String::new, |v| v.name);
            texts::status(lang, &o.number, o.state.as_str(), &vendor, o.total_paisa)
        }
        None if num.is_some() => texts::unknown_order(lang, num.unwrap_or("")),
        None => texts::no_orders(lang),
    })
}

fn vendor_step(tx: &impl Tx, text: &str, v: &Vendor) -> Result<Step, StoreError> {
    let reply = |s: String| Ok(Step::Reply(vec![s]));
    match intent::read(text, true) {
        Intent::Move(action, num, note) => {
            let wanted: &[OrderState] = match action {
                Action::Accept | Action::Reject => &[OrderState::Placed],
                Action::Pack => &[OrderState::Accepted],
                Action::Dispatch => &[OrderState::Packing, OrderState::Accepted],
                _ => &[OrderState::Dispatched],
            };
            let order = match num.as_deref() {
                Some(n) => orders::store::by_number(tx, n)?.filter(|o| o.vendor_id == v.id),
                None => latest_for_vendor(tx, v.id, wanted)?,
            };
            match order {
                Some(o) => Ok(Step::Act {
                    order_id: o.id,
                    action,
                    note,
                    mover: Mover::Vendor,
                }),
                None => reply(match num {
                    Some(n) => format!("No order {n} of yours is waiting for that."),
                    None => "None of your orders is waiting for that.".into(),
                }),
            }
        }
        Intent::Stock(sku, qty) => match (listing_of(tx, v, &sku)?, qty.parse::<i64>()) {
            (Some(id), Ok(q)) if q >= 0 => Ok(Step::SetListing {
                listing_id: id,
                patch: ListingPatch {
                    stock: Some(q),
                    ..Default::default()
                },
                what: format!("stock of {} is now {q}", sku.to_uppercase()),
            }),
            (None, _) => reply(format!("You have no listing for {}.", sku.to_uppercase())),
            _ => reply("Write STOCK <sku> <packs>, e.g. STOCK RICE-1KG 200.".into()),
        },
        Intent::Price(sku, amount) => match (listing_of(tx, v, &sku)?, rupees_to_paisa(&amount)) {
            (Some(id), Some(p)) => Ok(Step::SetListing {
                listing_id: id,
                patch: ListingPatch {
                    price_paisa: Some(p),
                    ..Default::default()
                },
                what: format!(
                    "price of {} is now {}",
                    sku.to_uppercase(),
                    crate::money::format_npr(p)
                ),
            }),
            (None, _) => reply(format!("You have no listing for {}.", sku.to_uppercase())),
            _ => reply("Write PRICE <sku> <rupees>, e.g. PRICE RICE-1KG 80.50.".into()),
        },
        _ => reply(texts::vendor_help()),
    }
}

fn listing_of(tx: &impl Tx, v: &Vendor, sku: &str) -> Result<Option<u64>, StoreError> {
    let Some(p) = catalog::product_by_sku(tx, sku)? else {
        return Ok(None);
    };
    Ok(catalog::listing_for(tx, v.id, p.id)?.map(|l| l.id))
}

fn latest_for_vendor(
    tx: &impl Tx,
    vendor: u64,
    states: &[OrderState],
) -> Result<Option<orders::Order>, StoreError> {
    for id in orders::store::ids_by(tx, None, Some(vendor))?.unwrap_or_default() {
        if let Some(o) = orders::store::get(tx, id)?.filter(|o| states.contains(&o.state)) {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

/// "80.5" or "80" rupees → paisa, exactly.
fn rupees_to_paisa(s: &str) -> Option<i64> {
    let d: rust_decimal::Decimal = s
        .trim()
        .trim_start_matches("rs")
        .trim_start_matches("रु")
        .parse()
        .ok()?;
    let paisa = d * rust_decimal::Decimal::from(100);
    (paisa.fract().is_zero() && paisa > rust_decimal::Decimal::ZERO)
        .then(|| paisa.trunc().try_into().ok())
        .flatten()
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
