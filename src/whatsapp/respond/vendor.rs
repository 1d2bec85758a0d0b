//! What a vendor's message asks for: a move of one of its orders, or a stock or price change.

use super::super::intent::{self, Intent};
use super::Step;
use crate::catalog::{ListingPatch, Vendor, store as catalog};
use crate::messaging::texts;
use crate::orders::{self, Action, OrderState};
use crate::storage::{StoreError, Tx};
use crate::types::money::Money;

pub(super) fn vendor_step(tx: &impl Tx, text: &str, v: &Vendor) -> Result<Step, StoreError> {
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
                }),
                None => reply(texts::vendor_no_waiting_order(num.as_deref())),
            }
        }
        Intent::Stock(sku, qty) => listing_step(
            tx,
            v,
            &sku,
            stock_count(&qty),
            |stock| ListingPatch {
                stock: Some(stock),
                ..Default::default()
            },
            texts::vendor_stock_set,
            texts::vendor_stock_usage,
        ),
        Intent::Price(sku, amount) => listing_step(
            tx,
            v,
            &sku,
            rupees_to_paisa(&amount),
            |price| ListingPatch {
                price_paisa: Some(price),
                ..Default::default()
            },
            texts::vendor_price_set,
            texts::vendor_price_usage,
        ),
        _ => reply(texts::vendor_help()),
    }
}

/// A vendor's STOCK or PRICE: the change of its own listing, or why there is none.
fn listing_step(
    tx: &impl Tx,
    v: &Vendor,
    sku: &str,
    value: Option<i64>,
    patch: impl Fn(i64) -> ListingPatch,
    done: fn(&str, i64) -> String,
    usage: fn() -> String,
) -> Result<Step, StoreError> {
    let code = sku.to_uppercase();
    Ok(match (listing_of(tx, v, sku)?, value) {
        (Some(listing_id), Some(n)) => Step::SetListing {
            listing_id,
            patch: patch(n),
            done: done(&code, n),
        },
        (None, _) => Step::Reply(vec![texts::vendor_no_listing(&code)]),
        _ => Step::Reply(vec![usage()]),
    })
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

/// "80.5" or "80" rupees → paisa (see [`Money::parse_rupees`]).
fn rupees_to_paisa(s: &str) -> Option<i64> {
    Money::parse_rupees(s).map(Money::paisa)
}

/// A stock count: digits only; a count too large for any number is still a count (the
/// listing door names the bound).
fn stock_count(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<i64>().unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_too_large_for_any_number_is_still_read_without_overflow() {
        assert_eq!(rupees_to_paisa("80.50"), Some(8050));
        assert_eq!(rupees_to_paisa("rs80"), Some(8000));
        assert_eq!(rupees_to_paisa("0"), None);
        assert_eq!(rupees_to_paisa("1.005"), None);
        assert_eq!(
            rupees_to_paisa("79228162514264337593543950335"),
            Some(i64::MAX)
        );
        assert_eq!(
            rupees_to_paisa("792281625142643375935439503"),
            Some(i64::MAX)
        );
    }

    #[test]
    fn a_stock_count_is_digits_and_never_wraps() {
        assert_eq!(stock_count("200"), Some(200));
        assert_eq!(stock_count("-5"), None);
        assert_eq!(stock_count("99999999999999999999999"), Some(i64::MAX));
    }
}
