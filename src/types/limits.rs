//! The documented bounds of every number a caller can set: prices, stock, credit limits,
//! payments, commission, terms. Doors check them before writing, and the error names the bound,
//! so no stored value can make later arithmetic wrap. Order quantities and lines are bounded
//! by configuration (`orders.max_quantity`, `orders.max_lines`).
//!
//! With these bounds the largest order (1,000 lines × 1,000,000 packs × NPR 1 crore) is under
//! 2^63 paisa; sums over many records use checked arithmetic all the same.

/// The highest price (and MRP) of one pack: NPR 1 crore.
pub const MAX_PRICE_PAISA: i64 = 1_000_000_000;
/// The most packs a listing can hold.
pub const MAX_STOCK: i64 = 1_000_000_000;
/// The highest credit limit of a shop: NPR 1 arba.
pub const MAX_CREDIT_LIMIT_PAISA: i64 = 10_000_000_000_000;
/// The largest single payment: NPR 1 arba.
pub const MAX_PAYMENT_PAISA: i64 = 10_000_000_000_000;
/// The highest commission a vendor pays: 50 %.
pub const MAX_COMMISSION_BPS: u32 = 5_000;
/// The longest credit terms.
pub const MAX_TERMS_DAYS: u32 = 365;

/// A number outside its documented bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be between {minimum} and {maximum}, not {value}")]
pub struct OutOfRange {
    pub field: &'static str,
    pub value: i128,
    pub minimum: i64,
    pub maximum: i64,
}

/// `value` when it lies in `minimum..=maximum`.
pub fn within<T>(field: &'static str, value: T, minimum: i64, maximum: i64) -> Result<T, OutOfRange>
where
    T: Copy + Into<i128>,
{
    let v: i128 = value.into();
    if v < i128::from(minimum) || v > i128::from(maximum) {
        return Err(OutOfRange {
            field,
            value: v,
            minimum,
            maximum,
        });
    }
    Ok(value)
}

/// A sum or product that left the range of i64: reported, never wrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is too large to compute")]
pub struct Overflow {
    pub what: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_outside_its_bounds_names_them() {
        assert_eq!(within("stock", 5i64, 0, MAX_STOCK), Ok(5));
        let e = within("stock", i64::MAX, 0, MAX_STOCK).unwrap_err();
        assert_eq!((e.minimum, e.maximum), (0, MAX_STOCK));
        assert!(e.to_string().contains("between 0 and 1000000000"));
        assert!(within("price_paisa", 0i64, 1, MAX_PRICE_PAISA).is_err());
    }

    #[test]
    fn the_largest_order_fits_in_paisa() {
        let line = i128::from(MAX_PRICE_PAISA) * 1_000_000 * 113 / 100;
        assert!(line * 1_000 < i128::from(i64::MAX));
    }
}
