//! Writing the phrase of an item: the product words as the retailer wrote them, with the
//! pack size kept ("chamal 25 kg") and filler, quantity, price and edge connectors removed.
//!
//! Owns the spacing rule (glued text stays glued: "Coke500ml") and reading a pack size out
//! of a product code ("RICE-1KG" → 1 kg). It never drops a product word.

use rust_decimal::Decimal;

use super::super::elements::{Elem, ElemKind};
use super::super::tokens::TokKind;
use super::super::{Size, Unit};
use super::Source;

/// The product words as written: content words, the pack size, and connectors inside the
/// phrase ("Fair & Lovely"). Connectors next to a removed quantity or at an edge go
/// ("10 bags of rice" → "rice", "chamal ko 2 bora" → "chamal").
pub(super) fn phrase(src: &Source<'_>, elems: &[Elem], size: Option<usize>) -> String {
    // `None` marks a gap left by a removed quantity or price.
    let mut parts: Vec<Option<usize>> = Vec::new();
    for (k, elem) in elems.iter().enumerate() {
        match elem.kind {
            ElemKind::Content | ElemKind::Connector => parts.push(Some(k)),
            ElemKind::Amount(_) if Some(k) == size => parts.push(Some(k)),
            ElemKind::Amount(_) | ElemKind::Price(_) => parts.push(None),
            _ => {}
        }
    }
    let is_connector = |p: Option<usize>| p.is_some_and(|k| elems[k].kind == ElemKind::Connector);
    let is_edge = |p: Option<usize>| p.is_none() || (size.is_some() && p == size);
    let kept: Vec<usize> = (0..parts.len())
        .filter(|&i| {
            let part = parts[i];
            if !is_connector(part) {
                return part.is_some();
            }
            let before = i.checked_sub(1).map(|j| parts[j]);
            let after = parts.get(i + 1).copied();
            let inner =
                |side: Option<Option<usize>>| side.is_some_and(|p| !is_edge(p) && !is_connector(p));
            inner(before) && inner(after)
        })
        .filter_map(|i| parts[i])
        .collect();
    join_parts(src, elems, &kept)
}

fn join_parts(src: &Source<'_>, elems: &[Elem], kept: &[usize]) -> String {
    let mut out = String::new();
    let mut prev_end = None;
    for &k in kept {
        let elem = &elems[k];
        let first = &src.tokens[elem.first];
        if let Some(end) = prev_end
            && !(first.glued && first.start == end)
        {
            out.push(' ');
        }
        out.push_str(src.elem_text(elem));
        prev_end = Some(src.tokens[elem.last].end);
    }
    out.trim().to_string()
}

/// "RICE-1KG": a pack size inside a product code, for the matcher.
pub(super) fn code_size(src: &Source<'_>, elems: &[Elem]) -> Option<Size> {
    let code = elems
        .iter()
        .find(|e| e.kind == ElemKind::Content && src.tokens[e.first].kind == TokKind::Code)?;
    code_pack_size(src.elem_text(code))
}

/// The pack size inside a product code: "RICE-1KG" → 1 kg, "OIL_500ML" → 500 ml.
pub(crate) fn code_pack_size(code: &str) -> Option<Size> {
    code.split(['-', '_']).find_map(|part| {
        let digits_end = part
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|&n| n > 0)?;
        let (number, unit) = part.split_at(digits_end);
        let unit = match unit.to_ascii_lowercase().as_str() {
            "g" | "gm" | "gms" => Unit::G,
            "kg" | "kgs" => Unit::Kg,
            "ml" => Unit::Ml,
            "l" | "ltr" | "lt" => Unit::L,
            _ => return None,
        };
        let amount = number.parse::<Decimal>().ok()?;
        Some(Size {
            amount: amount.normalize(),
            unit,
        })
    })
}
