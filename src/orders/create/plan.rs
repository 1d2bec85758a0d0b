//! the vendors a cart goes to: its lines resolved, split into parts when no single vendor has them all, and priced

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::catalog::{Listing, Product, store as catalog};
use crate::orders::Money;
use crate::orders::route::{self, EncodedDecision, lines_of};
use crate::orders::{OrderError, OrderLine, Rules};
use crate::routing::{self, Place};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, tables};
use crate::types::limits::Overflow;
use crate::types::quantity::Quantity;

use super::*;

/// Works out the order on `tx`: its products, its parts (vendors and listings), their prices,
/// and each part's routing decision encoded for keeping at `now`.
pub(crate) fn prepare(
    tx: &impl Tx,
    req: &NewOrder,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Prepared, OrderError> {
    let wants = resolve_lines(tx, req, rules)?;
    let retailer = crate::retailers::store::get(tx, req.retailer_id)?
        .ok_or(OrderError::UnknownRetailer(req.retailer_id))?;
    let mut parts = plan_parts(tx, &wants, &route::place_of(&retailer), &[], rules)?;
    for part in &mut parts {
        part.encoded = Some(EncodedDecision::of(&part.decision, now)?);
    }
    let (priced, total) = price_parts(&wants, &parts, rules)?;
    Ok(Prepared {
        wants,
        parts,
        priced,
        total,
    })
}

/// Routes the whole cart to the best vendor, or splits it across as few vendors as possible.
pub(crate) fn plan_parts(
    tx: &impl Tx,
    wants: &[(Product, u32)],
    place: &Place,
    exclude: &[u64],
    rules: &Rules,
) -> Result<Vec<Part>, OrderError> {
    let lines = lines_of(wants);
    let vendors = route::vendors_for(tx, &lines)?;
    let decision = routing::decide(&lines, &vendors, place, exclude, &rules.routing);
    let vendor = |id| vendors.iter().find(|v| v.vendor_id == id);
    if let Some(v) = decision.chosen_vendor_id.and_then(vendor)
        && let Some(listings) = route::listings_for(tx, v, &lines)?
    {
        let all = (0..lines.len()).collect();
        return Ok(vec![Part {
            vendor_id: v.vendor_id,
            lines: all,
            listings,
            decision,
            encoded: None,
        }]);
    }
    split_parts(tx, &lines, &vendors, place, exclude, rules)
}

/// Splits the lines across as few vendors as possible (placement, and a re-route that no
/// single vendor can take); NoVendor when some line has no vendor at all.
pub(crate) fn split_parts(
    tx: &impl Tx,
    lines: &[routing::Line],
    vendors: &[routing::Vendor],
    place: &Place,
    exclude: &[u64],
    rules: &Rules,
) -> Result<Vec<Part>, OrderError> {
    let vendor = |id| vendors.iter().find(|v| v.vendor_id == id);
    let split = routing::split(lines, vendors, place, exclude, &rules.routing).map_err(|u| {
        let why: Vec<String> = u.lines.iter().map(|l| l.reason.clone()).collect();
        OrderError::NoVendor(if why.is_empty() {
            u.reason
        } else {
            format!("{}: {}", u.reason, why.join("; "))
        })
    })?;
    let mut parts = Vec::with_capacity(split.parts.len());
    for p in split.parts {
        let sub: Vec<_> = p.lines.iter().map(|&i| lines[i].clone()).collect();
        let listings = vendor(p.vendor_id)
            .map(|v| route::listings_for(tx, v, &sub))
            .transpose()?
            .flatten()
            .ok_or_else(|| OrderError::NoVendor("the split could not be filled".into()))?;
        parts.push(Part {
            vendor_id: p.vendor_id,
            lines: p.lines,
            listings,
            decision: p.decision,
            encoded: None,
        });
    }
    Ok(parts)
}

/// Whether the listings chosen on the snapshot still serve the order at the same prices.
pub(crate) fn still_holds(tx: &WriteTx, p: &Prepared) -> Result<bool, StoreError> {
    let listings = tx.open(tables::LISTINGS)?;
    for part in &p.parts {
        for (planned, &i) in part.listings.iter().zip(&part.lines) {
            let qty = p.wants[i].1;
            match listings.get(planned.id)? {
                Some(now)
                    if now.price_paisa == planned.price_paisa
                        && now.stock >= i64::from(qty)
                        && route::orderable(&now, qty) => {}
                _ => return Ok(false),
            }
        }
    }
    Ok(true)
}

/// Resolves each line to an active product; repeated products are added together.
pub(crate) fn resolve_lines(
    tx: &impl Tx,
    req: &NewOrder,
    rules: &Rules,
) -> Result<Vec<(Product, u32)>, OrderError> {
    if req.lines.is_empty() {
        return Err(OrderError::Invalid(
            "an order needs at least one line".into(),
        ));
    }
    if req.lines.len() > rules.max_lines {
        return Err(OrderError::Invalid(format!(
            "an order may have at most {} lines",
            rules.max_lines
        )));
    }
    let mut out: Vec<(Product, Quantity)> = Vec::new();
    let mut at: HashMap<u64, usize> = HashMap::new();
    for line in &req.lines {
        let quantity = Quantity::new(line.quantity, rules.max_quantity).ok_or_else(|| {
            OrderError::Invalid(format!(
                "quantity must be between 1 and {} packs",
                rules.max_quantity
            ))
        })?;
        let p = match &line.product {
            ProductRef::Sku(sku) => catalog::product_by_sku(tx, sku)?
                .ok_or_else(|| OrderError::UnknownRecord(format!("no product with sku {sku}")))?,
            ProductRef::Id(id) => catalog::product(tx, *id)?
                .ok_or_else(|| OrderError::UnknownRecord(format!("no product with id {id}")))?,
        };
        if !p.active {
            return Err(OrderError::Rule(format!(
                "{} ({}) is no longer sold",
                p.name, p.sku
            )));
        }
        match at.get(&p.id) {
            Some(&i) => {
                out[i].1 = out[i].1.plus(quantity, rules.max_quantity).ok_or_else(|| {
                    OrderError::Rule(format!(
                        "the lines for one product add up to more than {} packs",
                        rules.max_quantity
                    ))
                })?;
            }
            None => {
                at.insert(p.id, out.len());
                out.push((p, quantity));
            }
        }
    }
    Ok(out.into_iter().map(|(p, q)| (p, q.get())).collect())
}

/// Prices every part of a cart at its vendor's listings; the parts' lines and the cart's total.
pub(crate) fn price_parts(
    wants: &[(Product, u32)],
    parts: &[Part],
    rules: &Rules,
) -> Result<(Vec<Vec<OrderLine>>, Money), Overflow> {
    let priced = parts
        .iter()
        .map(|part| {
            let sub: Vec<(Product, u32)> = part.lines.iter().map(|&i| wants[i].clone()).collect();
            price_lines(&sub, &part.listings, rules)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let total = Money::total(priced.iter().flatten().map(|l| l.total_paisa))?;
    Ok((priced, total))
}

/// Prices each line at the vendor's listing; VAT per line on the line subtotal, rounded half up.
pub(crate) fn price_lines(
    wants: &[(Product, u32)],
    listings: &[Listing],
    rules: &Rules,
) -> Result<Vec<OrderLine>, Overflow> {
    wants
        .iter()
        .zip(listings)
        .map(|((p, quantity), l)| {
            let price = Money::from_paisa(l.price_paisa);
            let subtotal = price.times(*quantity)?;
            let exempt = p.category.as_ref().is_some_and(|c| {
                rules
                    .vat_exempt_categories
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(c))
            });
            let vat = if exempt {
                Money::ZERO
            } else {
                subtotal.percent(rules.vat_bps)
            };
            Ok(OrderLine {
                product_id: p.id,
                listing_id: l.id,
                sku: p.sku.clone(),
                name: p.name.clone(),
                quantity: *quantity,
                unit_price_paisa: price,
                vat_paisa: vat,
                total_paisa: subtotal.checked_add(vat)?,
            })
        })
        .collect()
}
