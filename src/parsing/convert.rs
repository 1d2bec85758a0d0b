//! Turning a quantity into whole packs of the product the matcher picked, visibly.
//!
//! Owns the pack rules: packaging words and no unit mean packs, a dozen is 12 packs, a
//! carton needs its pack count, weight↔weight and volume↔volume convert exactly, weight↔volume
//! never, traditional units go through a configurable table. It never rounds: a quantity
//! that does not divide into packs, or a unit that does not fit, is an error whose text is
//! the question to ask the retailer.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::measure::TraditionalUnits;
use super::units::{Dimension, Unit};

/// More packs than this in one line is a typing mistake until the retailer confirms it.
pub const MAX_PACKS: u32 = 100_000;

/// How the matched product is sold: one pack is `size` `unit` (G, Kg, Ml, L or Pcs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PackSpec {
    pub size: Decimal,
    pub unit: Unit,
    /// Packs in one carton (peti, box), when the vendor sells by the carton.
    pub carton_packs: Option<u32>,
}

/// Whole packs, and the note shown to the retailer ("10 kg = 10 × 1 kg"); `note` is `None`
/// when the quantity was already in packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversion {
    pub packs: u32,
    pub note: Option<String>,
}

/// Why a quantity cannot become packs. The text is the question for the retailer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConversionError {
    #[error("{written} is not a quantity we can send: how many do you need?")]
    NotPositive { written: String },
    #[error("{}", not_whole(.written, .pack, *.lower, *.upper, .lower_total, .upper_total))]
    NotWhole {
        written: String,
        pack: String,
        lower: u32,
        upper: u32,
        lower_total: String,
        upper_total: String,
    },
    #[error("this product is sold {sold}, not {written}: how many {ask}?")]
    UnitMismatch {
        sold: &'static str,
        written: &'static str,
        ask: &'static str,
    },
    #[error(
        "how many packs are in one carton? Please write the quantity in packs instead of {written}"
    )]
    UnknownCartonSize { written: String },
    #[error("{written} comes to more than {MAX_PACKS} packs: please check the number")]
    TooLarge { written: String },
    #[error("this product's pack size is not set up correctly ({pack}): please ask the operator")]
    InvalidPack { pack: String },
}

fn not_whole(
    written: &str,
    pack: &str,
    lower: u32,
    upper: u32,
    lower_total: &str,
    upper_total: &str,
) -> String {
    let plural = |n: u32| if n == 1 { "pack" } else { "packs" };
    if lower == 0 {
        format!(
            "{written} is less than one {pack} pack: {upper} {} ({upper_total})?",
            plural(upper)
        )
    } else {
        format!(
            "{written} does not divide into {pack} packs: {lower} {} ({lower_total}) or {upper} {} ({upper_total})?",
            plural(lower),
            plural(upper)
        )
    }
}

/// Converts `quantity` `unit` (as parsed) into whole packs of `pack`.
pub fn to_packs(
    quantity: Decimal,
    unit: Option<Unit>,
    pack: &PackSpec,
    table: &TraditionalUnits,
) -> Result<Conversion, ConversionError> {
    let written = written(quantity, unit);
    if quantity <= Decimal::ZERO {
        return Err(ConversionError::NotPositive { written });
    }
    check_pack(pack)?;
    match unit {
        None | Some(Unit::Pcs | Unit::Packet | Unit::Bottle | Unit::Bag) => {
            let packs = whole_packs(quantity, &written, pack)?;
            Ok(Conversion { packs, note: None })
        }
        Some(Unit::Dozen) => multiplied(quantity, 12, &written, pack, "dozen"),
        Some(Unit::Carton) => match pack.carton_packs {
            Some(per) if per > 0 => multiplied(quantity, per, &written, pack, "carton"),
            _ => Err(ConversionError::UnknownCartonSize { written }),
        },
        Some(u @ (Unit::G | Unit::Kg | Unit::Ml | Unit::L)) => {
            by_measure(quantity, u, u, &written, pack)
        }
        Some(u) => {
            let Some(m) = table.measure(u) else {
                return Err(ConversionError::InvalidPack {
                    pack: pack_text(pack),
                });
            };
            let metric =
                quantity
                    .checked_mul(m.amount)
                    .ok_or_else(|| ConversionError::TooLarge {
                        written: written.clone(),
                    })?;
            let shown = format!("{written} ({})", written_metric(metric, m.unit));
            by_measure(metric, m.unit, u, &shown, pack)
        }
    }
}

/// Picks the pack that takes the quantity exactly in the fewest packs: "25 kg" with a 1 kg
/// pack and a 25 kg sack → the sack. Returns the index into `packs` and the conversion.
pub fn choose_pack(
    quantity: Decimal,
    unit: Option<Unit>,
    packs: &[PackSpec],
    table: &TraditionalUnits,
) -> Option<(usize, Conversion)> {
    packs
        .iter()
        .enumerate()
        .filter_map(|(i, pack)| to_packs(quantity, unit, pack, table).ok().map(|c| (i, c)))
        .min_by_key(|(i, c)| (c.packs, *i))
}

fn written(quantity: Decimal, unit: Option<Unit>) -> String {
    match unit {
        Some(u) => format!("{} {u}", quantity.normalize()),
        None => format!("{} packs", quantity.normalize()),
    }
}

fn written_metric(amount: Decimal, unit: Unit) -> String {
    format!("{} {unit}", amount.normalize())
}

fn pack_text(pack: &PackSpec) -> String {
    format!("{} {}", pack.size.normalize(), pack.unit)
}

fn check_pack(pack: &PackSpec) -> Result<(), ConversionError> {
    let metric_or_pieces = matches!(
        pack.unit,
        Unit::G | Unit::Kg | Unit::Ml | Unit::L | Unit::Pcs
    );
    if pack.size <= Decimal::ZERO || !metric_or_pieces {
        return Err(ConversionError::InvalidPack {
            pack: pack_text(pack),
        });
    }
    Ok(())
}

/// A count of packs must be whole and not absurd.
fn whole_packs(count: Decimal, written: &str, pack: &PackSpec) -> Result<u32, ConversionError> {
    let too_large = || ConversionError::TooLarge {
        written: written.to_string(),
    };
    if count > Decimal::from(MAX_PACKS) {
        return Err(too_large());
    }
    if !count.fract().is_zero() {
        let lower = count.floor().to_u32().unwrap_or(0);
        let upper = lower + 1;
        return Err(ConversionError::NotWhole {
            written: written.to_string(),
            pack: pack_text(pack),
            lower,
            upper,
            lower_total: format!("{lower} × {}", pack_text(pack)),
            upper_total: format!("{upper} × {}", pack_text(pack)),
        });
    }
    count.to_u32().ok_or_else(too_large)
}

/// "2 dozen" = 24 packs, "3 cartons" of 24 = 72 packs.
fn multiplied(
    quantity: Decimal,
    per: u32,
    written: &str,
    pack: &PackSpec,
    name: &str,
) -> Result<Conversion, ConversionError> {
    let count =
        quantity
            .checked_mul(Decimal::from(per))
            .ok_or_else(|| ConversionError::TooLarge {
                written: written.to_string(),
            })?;
    let packs = whole_packs(count, written, pack)?;
    let note = if name == "dozen" {
        format!("{written} = {packs} packs")
    } else {
        format!("{written} = {packs} packs ({per} per {name})")
    };
    Ok(Conversion {
        packs,
        note: Some(note),
    })
}

/// Weight into weight packs, volume into volume packs, exactly.
fn by_measure(
    quantity: Decimal,
    unit: Unit,
    as_written: Unit,
    written: &str,
    pack: &PackSpec,
) -> Result<Conversion, ConversionError> {
    let mismatch = || mismatch(as_written, pack.unit);
    let (dim, factor) = unit.metric_base().ok_or_else(mismatch)?;
    let (pack_dim, pack_factor) = pack.unit.metric_base().ok_or_else(mismatch)?;
    if dim != pack_dim {
        return Err(mismatch());
    }
    let too_large = || ConversionError::TooLarge {
        written: written.to_string(),
    };
    let total = quantity.checked_mul(factor).ok_or_else(too_large)?;
    let per_pack = pack.size.checked_mul(pack_factor).ok_or_else(too_large)?;
    let count = total.checked_div(per_pack).ok_or_else(too_large)?;
    let packs = whole_packs(count, written, pack).map_err(|e| with_totals(e, pack))?;
    Ok(Conversion {
        packs,
        note: Some(format!("{written} = {packs} × {}", pack_text(pack))),
    })
}

/// For weight and volume, show what each choice weighs: "2 packs (20 kg)".
fn with_totals(error: ConversionError, pack: &PackSpec) -> ConversionError {
    match error {
        ConversionError::NotWhole {
            written,
            pack: p,
            lower,
            upper,
            ..
        } => {
            let total = |n: u32| written_metric(pack.size * Decimal::from(n), pack.unit);
            ConversionError::NotWhole {
                written,
                pack: p,
                lower,
                upper,
                lower_total: total(lower),
                upper_total: total(upper),
            }
        }
        other => other,
    }
}

fn mismatch(written: Unit, sold: Unit) -> ConversionError {
    let sold_by = match sold.dimension() {
        Dimension::Weight => ("by weight", "kg"),
        Dimension::Volume => ("by volume", "litres"),
        _ => ("by the piece", "pieces"),
    };
    let written_name = match written {
        Unit::G => "grams",
        Unit::Kg => "kilograms",
        Unit::Ml => "millilitres",
        Unit::L => "litres",
        other => other.as_str(),
    };
    ConversionError::UnitMismatch {
        sold: sold_by.0,
        written: written_name,
        ask: sold_by.1,
    }
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
