//! The preview as staff and shops ask for it outside WhatsApp (the API, the console, the CLI):
//! who may ask, how long a text may be, and the shop's own history shaping what its words mean.

use crate::auth::Principal;
use crate::catalog::CatalogError;
use crate::matching::MatchEngine;
use crate::parsing::TraditionalUnits;
use crate::storage::Tx;

/// The longest order text a preview reads (a WhatsApp message is at most 4,096 characters).
pub const PREVIEW_MAX_CHARS: usize = 4096;

/// Staff may preview for any retailer, a retailer for itself, a vendor never; the text is 1 to
/// [`PREVIEW_MAX_CHARS`] characters.
pub fn may_preview(who: &Principal, retailer_id: u64, text: &str) -> Result<(), CatalogError> {
    if !who.may_act_for_retailer(retailer_id) {
        return Err(CatalogError::Forbidden(
            "only staff or the retailer itself may preview its orders".into(),
        ));
    }
    if text.trim().is_empty() || text.chars().count() > PREVIEW_MAX_CHARS {
        return Err(CatalogError::invalid(
            "text",
            format!("must be 1 to {PREVIEW_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Whose order history lifts a phrase's match: staff name any retailer (or none); a retailer
/// only its own; a vendor none.
pub fn history_for(who: &Principal, asked: Option<u64>) -> Result<Option<u64>, CatalogError> {
    match (who.is_staff(), who.retailer_id()) {
        (true, _) => Ok(asked),
        (false, Some(own)) if asked.is_none_or(|r| r == own) => Ok(Some(own)),
        (false, None) if asked.is_none() => Ok(None),
        _ => Err(CatalogError::Forbidden(
            "you may only match with your own order history".into(),
        )),
    }
}

/// The retailer's preview of `text`, read in its language and lifted by what it ordered before.
pub fn preview_for(
    tx: &impl Tx,
    retailer_id: u64,
    text: &str,
    matcher: &MatchEngine,
    rules: &crate::orders::Rules,
    units: &TraditionalUnits,
    today: chrono::NaiveDate,
) -> Result<super::Preview, CatalogError> {
    let retailer =
        crate::retailers::store::get(tx, retailer_id)?.ok_or(CatalogError::NotFound {
            kind: "retailer",
            id: retailer_id,
        })?;
    let history = crate::orders::history::product_counts(tx, retailer_id)?;
    let reader = super::Reader {
        matcher,
        history: Some(&history),
        units,
    };
    let mut preview = super::preview(tx, text, &retailer, &reader, rules, retailer.language)?;
    preview.blocked = super::blocked(tx, &retailer, today, rules, retailer.language)?;
    Ok(preview)
}
