//! What a retailer's message asks for: a preview, a change to it, CONFIRM, an answer to
//! "did you mean", or one of the commands.

use super::super::intent::{self, Intent};
use super::super::preview;
use super::super::{Conversation, LineState, Pending, PendingLine};
use super::{Env, Step, expired};
use crate::catalog::store as catalog;
use crate::credit;
use crate::messaging::texts;
use crate::orders::{self, Action, OrderState};
use crate::preview as reading;
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, Tx};

fn live_pending<'c>(conv: &'c Conversation, env: &Env<'_>) -> Option<&'c Pending> {
    conv.pending.as_ref().filter(|p| !expired(p, env))
}

pub(super) fn retailer_step(
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
                if !reading::remove(&mut p, &what, env.reading.matcher) {
                    return reply(texts::not_in_preview(lang, &what));
                }
                let shown = preview::render(tx, &p, r, lang, env)?;
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
    let lines = reading::read_lines(tx, text, &env.reading)?;
    if lines.is_empty() {
        return Ok(Step::Reply(vec![texts::question(lang)]));
    }
    let mut pending = live_pending(conv, env).cloned().unwrap_or(Pending {
        lines: Vec::new(),
        created_at: env.now,
    });
    reading::merge(&mut pending, lines);
    pending.created_at = env.now;
    let shown = preview::render(tx, &pending, r, lang, env)?;
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
    match reading::answer(tx, &p.lines[i], n, &env.reading)? {
        Some(state) => p.lines[i].state = state,
        None => {
            // Not one of the options: ask the same question again.
            let again = reading::price(tx, &p.lines[i..=i], r, env.rules, env.reading.units, lang)?;
            let text = again
                .questions
                .first()
                .map(|q| q.text.clone())
                .unwrap_or_else(|| texts::question(lang));
            return Ok(Step::Reply(vec![text]));
        }
    }
    let shown = preview::render(tx, &p, r, lang, env)?;
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
                conversion: None,
            },
        })
        .collect();
    let pending = Pending {
        lines,
        created_at: env.now,
    };
    let shown = preview::render(tx, &pending, r, lang, env)?;
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
    Ok(
        match find_order(tx, r.id, num, &orders::state::ALL_STATES)? {
            Some(o) => {
                let vendor = catalog::vendor(tx, o.vendor_id)?.map_or_else(String::new, |v| v.name);
                texts::status(lang, &o.number, o.state.as_str(), &vendor, o.total_paisa)
            }
            None if num.is_some() => texts::unknown_order(lang, num.unwrap_or("")),
            None => texts::no_orders(lang),
        },
    )
}
