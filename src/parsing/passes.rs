//! Second looks at a segment, once every element is read: what neighbours say about each.
//!
//! Owns the rules that need context: which amount an `x` or `:` points at, a bare number
//! before "wala" that is a price, a name before "dai"/"ji", and "pani" meaning "also". It
//! only relabels elements; it never creates an amount.

use super::elements::{Amount, Elem, ElemKind};
use super::lexicon::role;
use super::tokens::Token;

/// Sets `marked` on amounts the writer pointed at: "x 10", "10 x", ": 10", "qty 10". Between
/// two amounts, `x` marks the count ("2 x 5kg": 2 packs of 5 kg).
pub(crate) fn mark_quantities(elems: &mut [Elem]) {
    for m in 0..elems.len() {
        let ElemKind::Marker { times } = elems[m].kind else {
            continue;
        };
        let before = neighbour(elems, m, false);
        let after = neighbour(elems, m, true);
        let target = match (times, before, after) {
            (true, Some(b), Some(a)) => Some(if is_count(&elems[b]) && !is_count(&elems[a]) {
                b
            } else {
                a
            }),
            (true, None, Some(a)) | (false, _, Some(a)) => Some(a),
            (true, Some(b), None) => Some(b),
            _ => None,
        };
        if let Some(ElemKind::Amount(amount)) = target.map(|t| &mut elems[t].kind) {
            amount.marked = true;
        }
    }
}

/// The nearest amount beside `m` (skipping noise), if the nearest element is an amount.
fn neighbour(elems: &[Elem], m: usize, forward: bool) -> Option<usize> {
    let mut k = m;
    loop {
        k = if forward { k + 1 } else { k.checked_sub(1)? };
        let elem = elems.get(k)?;
        match elem.kind {
            ElemKind::Noise => continue,
            ElemKind::Amount(_) => return Some(k),
            _ => return None,
        }
    }
}

fn is_count(elem: &Elem) -> bool {
    matches!(&elem.kind, ElemKind::Amount(a) if a.unit.is_none_or(|u| !u.is_measure()))
}

/// "10 wala chips 5", "५० को चाउचाउ ३": a bare number before "wala"/"ko" is a price when
/// the segment has another amount to be the quantity; alone it stays the quantity.
pub(crate) fn prices_before_wala(text: &str, tokens: &[Token], elems: &mut [Elem]) {
    let amounts = elems
        .iter()
        .filter(|e| matches!(e.kind, ElemKind::Amount(_)))
        .count();
    if amounts < 2 {
        return;
    }
    for k in 0..elems.len().saturating_sub(1) {
        let next = &elems[k + 1];
        let next_text = &text[tokens[next.first].start..tokens[next.last].end];
        let is_wala = next.kind == ElemKind::Connector
            && !next_text.eq_ignore_ascii_case("of")
            && tokens[next.first]
                .info
                .is_some_and(|i| i.has(role::CONNECTOR));
        if let ElemKind::Amount(Amount {
            value, unit: None, ..
        }) = elems[k].kind
            && is_wala
        {
            elems[k].kind = ElemKind::Price(value);
        }
    }
}

/// "dal 5 kg pani chahiyo", "bill pani pathaidinu": "pani" right after a quantity of
/// another product, or after filler in a line without quantity, means "also". Alone
/// ("2 botal pani") or after a word ("chiso pani") it is water.
pub(crate) fn also_after_quantity(tokens: &[Token], elems: &mut [Elem]) {
    let is_also = |e: &Elem| {
        e.kind == ElemKind::Content && tokens[e.first].info.is_some_and(|i| i.has(role::ALSO))
    };
    let other_content = elems
        .iter()
        .any(|e| e.kind == ElemKind::Content && !is_also(e));
    let any_amount = elems.iter().any(|e| matches!(e.kind, ElemKind::Amount(_)));
    for k in 1..elems.len() {
        let after_amount = matches!(elems[k - 1].kind, ElemKind::Amount(_)) && other_content;
        let after_filler = elems[k - 1].kind == ElemKind::Filler && !any_amount;
        if is_also(&elems[k]) && (after_amount || after_filler) {
            elems[k].kind = ElemKind::Filler;
        }
    }
}

/// "Ram dai", "Hari ji", "Shyam sahuji": one or two unknown words right before a title are
/// a name. They are dropped like the title, so a name never becomes a product.
pub(crate) fn names_before_honorifics(tokens: &[Token], elems: &mut [Elem]) {
    for k in 1..elems.len() {
        let elem = &elems[k];
        let honorific = elem.kind == ElemKind::Filler
            && tokens[elem.first]
                .info
                .is_some_and(|i| i.has(role::HONORIFIC));
        if !honorific {
            continue;
        }
        let run = elems[..k]
            .iter()
            .rev()
            .take_while(|e| e.kind == ElemKind::Content)
            .count();
        let starts_line = run == k
            || !matches!(
                elems[k - run - 1].kind,
                ElemKind::Amount(_) | ElemKind::Connector
            );
        if (1..=2).contains(&run) && starts_line {
            for e in &mut elems[k - run..k] {
                e.kind = ElemKind::Filler;
            }
        }
    }
}
