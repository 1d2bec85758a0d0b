//! Choosing the vendor for an order.
//!
//! For now the rule is the simple one: the cheapest vendor that holds every line in stock
//! (within its minimum, maximum and pack-multiple rules); an order no single vendor can fill
//! is refused with the reason for each line.

use crate::catalog::{Listing, store as catalog};
use crate::storage::{StoreError, Tx};

/// One product and quantity (in packs) the retailer wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    pub product_id: u64,
    pub quantity: u32,
}

/// The vendor chosen and its listing for each wanted line, in order.
#[derive(Debug, Clone)]
pub struct Choice {
    pub vendor_id: u64,
    pub listings: Vec<Listing>,
}

/// Why a listing cannot serve a quantity, if it cannot.
pub fn unfit(l: &Listing, quantity: u32) -> Option<String> {
    if !l.active {
        return Some("not offered now".into());
    }
    if l.stock < i64::from(quantity) {
        return Some(format!("only {} in stock", l.stock));
    }
    if quantity < l.min_qty {
        return Some(format!("minimum order is {}", l.min_qty));
    }
    if l.max_qty.is_some_and(|m| quantity > m) {
        return Some(format!("maximum order is {}", l.max_qty.unwrap_or(0)));
    }
    if !quantity.is_multiple_of(l.pack_multiple) {
        return Some(format!("sold in multiples of {}", l.pack_multiple));
    }
    None
}

/// The cheapest active vendor (not in `exclude`) that can fill every line.
pub fn cheapest(
    tx: &impl Tx,
    wants: &[Want],
    exclude: &[u64],
) -> Result<Result<Choice, String>, StoreError> {
    let Some(first) = wants.first() else {
        return Ok(Err("the order has no lines".into()));
    };
    let mut best: Option<(i64, Choice)> = None;
    for candidate in catalog::listings_of_product(tx, first.product_id)? {
        let vendor_id = candidate.vendor_id;
        if exclude.contains(&vendor_id)
            || !catalog::vendor(tx, vendor_id)?.is_some_and(|v| v.active)
        {
            continue;
        }
        let Some(listings) = vendor_fills(tx, vendor_id, wants)? else {
            continue;
        };
        let total: i64 = listings
            .iter()
            .zip(wants)
            .map(|(l, w)| l.price_paisa * i64::from(w.quantity))
            .sum();
        if best
            .as_ref()
            .is_none_or(|(t, c)| total < *t || (total == *t && vendor_id < c.vendor_id))
        {
            best = Some((
                total,
                Choice {
                    vendor_id,
                    listings,
                },
            ));
        }
    }
    match best {
        Some((_, choice)) => Ok(Ok(choice)),
        None => Ok(Err(explain(tx, wants, exclude)?)),
    }
}

/// The vendor's listing for each line, when it can fill all of them.
fn vendor_fills(
    tx: &impl Tx,
    vendor_id: u64,
    wants: &[Want],
) -> Result<Option<Vec<Listing>>, StoreError> {
    let mut out = Vec::with_capacity(wants.len());
    for w in wants {
        match catalog::listing_for(tx, vendor_id, w.product_id)? {
            Some(l) if unfit(&l, w.quantity).is_none() => out.push(l),
            _ => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// Says, line by line, why no single vendor can take the order.
fn explain(tx: &impl Tx, wants: &[Want], exclude: &[u64]) -> Result<String, StoreError> {
    let mut short = Vec::new();
    for w in wants {
        let p = catalog::product(tx, w.product_id)?;
        let name = p.map_or_else(|| format!("product {}", w.product_id), |p| p.name);
        let able = catalog::listings_of_product(tx, w.product_id)?
            .iter()
            .filter(|l| !exclude.contains(&l.vendor_id) && unfit(l, w.quantity).is_none())
            .count();
        if able == 0 {
            short.push(format!("no vendor can supply {} × {name} now", w.quantity));
        }
    }
    if short.is_empty() {
        Ok("no single vendor holds every line of this order in stock; split it into smaller orders".into())
    } else {
        Ok(short.join("; "))
    }
}
