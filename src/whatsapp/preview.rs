//! The preview as a WhatsApp text: the priced preview of `crate::preview`, line by line in the
//! order written, with totals, the credit left and how to answer.

use super::respond::Env;
use crate::messaging::texts;
use crate::preview::{Entry, Pending, price};
use crate::retailers::{Language, Retailer};
use crate::storage::{StoreError, Tx};

/// The preview text: lines priced where routing would send them, questions, what was not
/// added, totals and what is left of the credit.
pub fn render(
    tx: &impl Tx,
    pending: &Pending,
    retailer: &Retailer,
    lang: Language,
    env: &Env<'_>,
) -> Result<String, StoreError> {
    let p = price(
        tx,
        &pending.lines,
        retailer,
        env.rules,
        env.reading.units,
        lang,
    )?;
    let mut out = vec![texts::preview_header(lang).to_string()];
    for (i, e) in p.order.iter().enumerate() {
        let text = match *e {
            Entry::Line(k) => {
                let l = &p.lines[k];
                texts::preview_line(
                    &l.name,
                    l.quantity,
                    l.unit_price_paisa,
                    l.total_paisa - l.vat_paisa,
                    l.conversion.as_deref(),
                )
            }
            Entry::Question(k) => p.questions[k].text.clone(),
            Entry::NotAdded(k) => {
                let n = &p.not_added[k];
                texts::not_understood(lang, &n.phrase, &n.reason)
            }
        };
        out.push(texts::preview_numbered(i + 1, &text));
    }
    if !p.lines.is_empty() {
        out.push(texts::totals(
            lang,
            p.subtotal_paisa,
            p.vat_paisa,
            p.total_paisa,
            p.available_after_paisa,
        ));
    }
    let today = crate::support::clock::nepal_date(env.now);
    match crate::preview::blocked(tx, retailer, today, env.rules, lang)? {
        // CONFIRM would be refused: say why now, not after the shop answers.
        Some(why) => out.push(why),
        None => out.push(texts::preview_footer(lang, env.ttl_mins)),
    }
    Ok(out.join("\n"))
}
