//! What a vendor's message asks for: a move of one of its orders, or a stock or price change.

use super::super::intent::{self, Intent};
use super::Step;
use crate::catalog::{ListingPatch, Vendor, store as catalog};
use crate::orders::{self, Action, Mover, OrderState};
use crate::storage::{StoreError, Tx};
use crate::texts;

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
