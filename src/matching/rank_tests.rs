use super::*;
use crate::matching::size::Size;
use rust_decimal::Decimal;
use std::collections::HashMap;

fn size(n: i64, unit: &str) -> Size {
    Size::new(Decimal::from(n), unit).unwrap()
}

#[test]
fn the_size_asked_for_fits_only_that_size() {
    let kg = [size(1, "kg")];
    assert_eq!(size_fit(&[size(1000, "g")], &kg), SizeFit::Match);
    assert_eq!(size_fit(&[size(5, "kg")], &kg), SizeFit::Mismatch);
    assert_eq!(size_fit(&[size(1, "l")], &kg), SizeFit::Unknown);
    assert_eq!(size_fit(&[], &kg), SizeFit::NotAsked);
}

#[test]
fn history_lifts_more_with_more_orders_up_to_a_cap() {
    let history = HashMap::from([(1u64, 1u32), (2, 4), (3, 500)]);
    let ctx = MatchContext {
        history: Some(&history),
        size_hint: None,
    };
    let (once, few, many) = (
        history_lift(&ctx, 1, 1.0),
        history_lift(&ctx, 2, 1.0),
        history_lift(&ctx, 3, 1.0),
    );
    assert!(0.0 < once && once < few && few < many);
    assert!((many - HISTORY_LIFT).abs() < 1e-6);
    assert_eq!(history_lift(&ctx, 4, 1.0), 0.0);
}

#[test]
fn history_does_not_lift_a_product_the_phrase_hardly_names() {
    let history = HashMap::from([(1u64, 50u32)]);
    let ctx = MatchContext {
        history: Some(&history),
        size_hint: None,
    };
    assert_eq!(history_lift(&ctx, 1, 0.3), 0.0);
}
