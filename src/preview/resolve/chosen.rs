//! A product chosen: the written amount converted to its packs, or why it cannot be.

use rust_decimal::Decimal;

use crate::catalog::{PackUnit, Product};
use crate::parsing::{ConversionError, Pack, PackSpec, TraditionalUnits, Unit, to_packs};
use crate::preview::packs::names_own_pack;
use crate::preview::{AskWhy, Choice, Conversion, LineProblem, LineState, SoldBy, Written};

use super::*;

pub(super) fn spec(p: &Product) -> PackSpec {
    let unit = match p.unit {
        Some(PackUnit::G) => Unit::G,
        Some(PackUnit::Kg) => Unit::Kg,
        Some(PackUnit::Ml) => Unit::Ml,
        Some(PackUnit::L) => Unit::L,
        Some(PackUnit::Pcs) | None => Unit::Pcs,
    };
    PackSpec {
        size: p.pack_size.unwrap_or(Decimal::ONE),
        unit,
        carton_packs: None,
    }
}

pub(super) fn pack_text(p: &Product) -> String {
    let s = spec(p);
    format!("{} {}", s.size.normalize(), s.unit)
}

/// The written amount as packs of one product (its size already settled).
pub(in crate::preview) fn chosen(p: &Product, w: &Written, units: &TraditionalUnits) -> LineState {
    let Some(q) = w.quantity() else {
        return unavailable(LineProblem::Parse(crate::parsing::ProblemKind::NoQuantity));
    };
    // "2 carton" of a carton product, "2 bora" of a sack: the count is of its own packs.
    let unit = match (w.pack, w.unit) {
        (Some(pack), Some(u)) if !u.is_measure() && names_own_pack(pack, p) => None,
        (_, u) => u,
    };
    match to_packs(q, unit, &spec(p), units) {
        Ok(c) => LineState::Ready {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            packs: c.packs,
            conversion: c.note.map(|_| Conversion {
                written: match unit {
                    Some(u) => format!("{} {u}", q.normalize()),
                    None => format!("{}", q.normalize()),
                },
                packs: c.packs,
                pack: pack_text(p),
                dozen: unit == Some(Unit::Dozen),
            }),
        },
        Err(e) => match problem_of(e, p) {
            // "1 kg" of a 400 g pack: fewer or more packs is a question the shop answers with
            // a number, each option the line it would make.
            LineProblem::NotWhole {
                written,
                lower,
                upper,
                lower_total,
                upper_total,
            } => {
                let (counts, totals) = if lower == 0 {
                    (vec![upper], vec![upper_total])
                } else {
                    (vec![lower, upper], vec![lower_total, upper_total])
                };
                let one = Choice {
                    product_id: p.id,
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                };
                LineState::Ask {
                    options: vec![one; counts.len()],
                    why: AskWhy::HowMany {
                        written,
                        counts,
                        totals,
                    },
                    written: w.clone(),
                }
            }
            other => unavailable(other),
        },
    }
}

pub(super) fn problem_of(e: ConversionError, p: &Product) -> LineProblem {
    match e {
        ConversionError::NotPositive { .. } => {
            LineProblem::Parse(crate::parsing::ProblemKind::Zero)
        }
        ConversionError::NotWhole {
            written,
            lower,
            upper,
            lower_total,
            upper_total,
            ..
        } => LineProblem::NotWhole {
            written,
            lower,
            upper,
            lower_total,
            upper_total,
        },
        ConversionError::UnitMismatch { sold, .. } => LineProblem::UnitMismatch {
            product: p.name.clone(),
            sold_by: match sold {
                "by weight" => SoldBy::Weight,
                "by volume" => SoldBy::Volume,
                _ => SoldBy::Piece,
            },
        },
        ConversionError::UnknownCartonSize { .. } => LineProblem::UnknownCarton {
            product: p.name.clone(),
        },
        ConversionError::TooLarge { written } => LineProblem::TooLarge { written },
        ConversionError::InvalidPack { .. } => LineProblem::BadPack {
            product: p.name.clone(),
        },
    }
}

/// The line for a chosen pack count of a product, shown as a conversion of the amount written.
pub(in crate::preview) fn counted(p: &Product, written: &str, packs: Option<u32>) -> LineState {
    match packs {
        Some(packs) if packs > 0 => LineState::Ready {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            packs,
            conversion: Some(Conversion {
                written: written.to_string(),
                packs,
                pack: pack_text(p),
                dozen: false,
            }),
        },
        _ => unavailable(LineProblem::Parse(crate::parsing::ProblemKind::Zero)),
    }
}

/// A pack word that names one container of the product, not several of its packs together.
pub(super) fn is_container(pack: Pack) -> bool {
    matches!(
        pack,
        Pack::Sack | Pack::Packet | Pack::Jar | Pack::Tin | Pack::Can | Pack::Bottle | Pack::Pouch
    )
}
