//! Choosing a pack by the size or the amount the message wrote.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::catalog::{PackUnit, Product};
use crate::parsing::{MAX_PACKS, TraditionalUnits, Unit};
use crate::preview::packs::grams_or_ml;
use crate::preview::{AskWhy, Conversion, LineState, Written};

use super::*;

/// A size was written: that size, or the same amount in another pack of the family.
pub(super) fn by_size(
    fitting: &[&Product],
    amount: Decimal,
    unit: Unit,
    w: &Written,
    units: &TraditionalUnits,
) -> Pick {
    let want = base_amount(amount, unit);
    let same: Vec<&Product> = fitting
        .iter()
        .copied()
        .filter(|p| want.is_some() && grams_or_ml(p) == want && same_dimension(p, unit))
        .collect();
    let count_only = Written {
        size: None,
        ..w.clone()
    };
    match same.as_slice() {
        [only] => return Pick::Ready(chosen(only, &count_only, units)),
        [_, _, ..] => return Pick::Ask(same.into_iter().cloned().collect(), AskWhy::Which),
        [] => {}
    }
    let shown = format!("{} {}", amount.normalize(), unit);
    let packs_written = match (w.quantity(), w.unit) {
        (Some(q), None | Some(Unit::Packet | Unit::Bottle | Unit::Bag | Unit::Pcs)) => Some(q),
        (Some(q), Some(Unit::Dozen)) => q.checked_mul(Decimal::from(12)),
        _ => None,
    };
    let total = packs_written.zip(want).and_then(|(n, a)| n.checked_mul(a));
    let converted = total
        .zip(want)
        .and_then(|(t, size)| smaller_packs(fitting, unit, t, size));
    match (converted, packs_written) {
        (Some((packs, p)), Some(n)) => Pick::Ready(LineState::Ready {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            packs,
            conversion: Some(Conversion {
                written: match w.unit {
                    Some(Unit::Dozen) => format!("{} dozen × {shown}", n / Decimal::from(12)),
                    _ => format!("{} × {shown}", n.normalize()),
                },
                packs,
                pack: pack_text(p),
                dozen: false,
            }),
        }),
        _ => Pick::Misfit(AskWhy::NoSuchSize { size: shown }),
    }
}

/// The pack that makes up `total` (of `size` each, as written) in the fewest whole packs: only
/// smaller packs that make up the size written ("1 kg" = 2 × 500 g), and never for drinks,
/// whose bottle size is the product.
fn smaller_packs<'a>(
    fitting: &[&'a Product],
    unit: Unit,
    total: Decimal,
    size: Decimal,
) -> Option<(u32, &'a Product)> {
    let whole = |d: Decimal| d.fract().is_zero() && d >= Decimal::ONE;
    fitting
        .iter()
        .filter(|p| same_dimension(p, unit) && !is_bottled_drink(p))
        .filter_map(|p| {
            let per = grams_or_ml(p)?;
            let n = total.checked_div(per)?;
            let fits_size = size.checked_div(per).is_some_and(whole);
            (fits_size && whole(n) && n <= Decimal::from(MAX_PACKS)).then(|| (n.to_u32(), *p))
        })
        .filter_map(|(n, p)| Some((n?, p)))
        .min_by_key(|(n, p)| (*n, p.id))
}

/// "chini 5 kg": the pack that takes the amount exactly in the fewest packs.
pub(super) fn by_amount(fitting: &[&Product], w: &Written, units: &TraditionalUnits) -> Pick {
    let results: Vec<(&Product, LineState)> =
        fitting.iter().map(|p| (*p, chosen(p, w, units))).collect();
    let best = results
        .iter()
        .filter_map(|(p, s)| match s {
            LineState::Ready { packs, .. } => Some((*packs, p.id, s)),
            _ => None,
        })
        .min_by_key(|(n, id, _)| (*n, *id));
    if let Some((_, _, s)) = best {
        return Pick::Ready(s.clone());
    }
    // None divides: the smallest pack's answer says what is possible.
    let smallest = results
        .iter()
        .min_by_key(|(p, _)| grams_or_ml(p).unwrap_or(Decimal::MAX));
    match smallest {
        Some((_, LineState::Unavailable { problem })) => Pick::Problem(problem.clone()),
        Some((_, asked @ LineState::Ask { .. })) => Pick::Ready(asked.clone()),
        _ => Pick::Misfit(AskWhy::Which),
    }
}

/// A soft drink, juice or water: sold by the bottle size, which is never converted.
pub(super) fn is_bottled_drink(p: &Product) -> bool {
    p.category.as_deref() == Some("Beverages") && matches!(p.unit, Some(PackUnit::Ml | PackUnit::L))
}

pub(super) fn same_dimension(p: &Product, unit: Unit) -> bool {
    matches!(
        (p.unit, unit),
        (Some(PackUnit::G | PackUnit::Kg), Unit::G | Unit::Kg)
            | (Some(PackUnit::Ml | PackUnit::L), Unit::Ml | Unit::L)
            | (Some(PackUnit::Pcs), Unit::Pcs)
    )
}

pub(super) fn base_amount(amount: Decimal, unit: Unit) -> Option<Decimal> {
    let factor = match unit {
        Unit::Kg | Unit::L => Decimal::ONE_THOUSAND,
        Unit::G | Unit::Ml | Unit::Pcs => Decimal::ONE,
        _ => return None,
    };
    amount.checked_mul(factor).map(|d| d.normalize())
}
