//! Money is integer paisa (1 NPR = 100 paisa), never floating point.
//!
//! One rounding rule everywhere: a fraction of a paisa is rounded half away from zero
//! (0.5 paisa → 1 paisa). VAT is computed per order line on the line's subtotal.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::limits::Overflow;

/// An amount of money in paisa. Arithmetic on it is checked: a sum that would leave the range
/// of i64 is an [`Overflow`], never a wrapped number. Stored and sent as the bare integer (the
/// field names say `_paisa`), so the type costs no bytes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_paisa(paisa: i64) -> Self {
        Money(paisa)
    }

    pub const fn paisa(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_add(other.0).map(Money).ok_or(Overflow {
            what: "an amount of money",
        })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, Overflow> {
        self.0.checked_sub(other.0).map(Money).ok_or(Overflow {
            what: "an amount of money",
        })
    }

    /// The price of `count` packs at this price each.
    pub fn times(self, count: u32) -> Result<Money, Overflow> {
        self.0
            .checked_mul(i64::from(count))
            .map(Money)
            .ok_or(Overflow {
                what: "a line total",
            })
    }

    /// This share of the amount in basis points, by the one rounding rule ([`percent_of`]).
    pub fn percent(self, bps: u32) -> Money {
        Money(percent_of(self.0, bps))
    }

    /// The sum of the amounts, checked.
    pub fn total(amounts: impl IntoIterator<Item = Money>) -> Result<Money, Overflow> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, Money::checked_add)
    }

    /// Reads a positive price in rupees as a vendor writes one: `80`, `80.5`, `rs80`, `रु80`;
    /// exact to the paisa (`1.005` is not a price). A number too large for any amount is still a
    /// price (`i64::MAX` paisa), so the door that checks bounds can name the bound.
    pub fn parse_rupees(raw: &str) -> Option<Money> {
        use rust_decimal::Decimal;
        let d: Decimal = raw
            .trim()
            .trim_start_matches("rs")
            .trim_start_matches("रु")
            .parse()
            .ok()?;
        if d <= Decimal::ZERO {
            return None;
        }
        let Some(paisa) = d.checked_mul(Decimal::ONE_HUNDRED) else {
            return Some(Money(i64::MAX));
        };
        if !paisa.fract().is_zero() {
            return None;
        }
        Some(Money(i64::try_from(paisa.trunc()).unwrap_or(i64::MAX)))
    }
}

/// `NPR 1,234.50`: the one way money is shown to people.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_npr(self.0))
    }
}

/// `amount × bps / 10 000`, rounded half away from zero. `bps` is basis points (1300 = 13 %).
pub fn percent_of(amount_paisa: i64, bps: u32) -> i64 {
    let num = i128::from(amount_paisa) * i128::from(bps);
    let (q, r) = (num / 10_000, num % 10_000);
    let rounded = if r.abs() * 2 >= 10_000 {
        q + num.signum()
    } else {
        q
    };
    rounded as i64
}

/// Formats paisa as rupees for people: `NPR 1,234.50`.
pub fn format_npr(paisa: i64) -> String {
    let sign = if paisa < 0 { "-" } else { "" };
    let abs = paisa.unsigned_abs();
    let (rupees, rest) = (abs / 100, abs % 100);
    let digits = rupees.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}NPR {grouped}.{rest:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_percent_vat_rounds_half_away_from_zero() {
        assert_eq!(percent_of(10_000, 1300), 1300);
        assert_eq!(percent_of(50, 1300), 7, "6.5 paisa rounds up to 7");
        assert_eq!(percent_of(49, 1300), 6, "6.37 paisa rounds down to 6");
        assert_eq!(percent_of(-50, 1300), -7);
        assert_eq!(percent_of(0, 1300), 0);
        assert_eq!(
            percent_of(i64::MAX / 2, 1300),
            ((i128::from(i64::MAX / 2) * 13 + 50) / 100) as i64
        );
    }

    #[test]
    fn money_arithmetic_is_checked_and_rupees_are_read_as_written() {
        let m = Money::from_paisa(i64::MAX - 1);
        assert!(m.checked_add(Money::from_paisa(2)).is_err());
        assert!(Money::from_paisa(i64::MAX / 2).times(3).is_err());
        assert_eq!(Money::from_paisa(250).times(4), Ok(Money::from_paisa(1000)));
        assert_eq!(
            Money::total([Money::from_paisa(1), Money::from_paisa(2)]),
            Ok(Money::from_paisa(3))
        );
        assert_eq!(
            Money::from_paisa(10_000).percent(1300),
            Money::from_paisa(1300)
        );
        assert_eq!(Money::from_paisa(123_450).to_string(), "NPR 1,234.50");
        for (raw, paisa) in [
            ("80", 8000),
            ("80.5", 8050),
            ("rs80", 8000),
            ("रु80.50", 8050),
        ] {
            assert_eq!(
                Money::parse_rupees(raw),
                Some(Money::from_paisa(paisa)),
                "{raw}"
            );
        }
        for raw in ["", "0", "-5", "1.005", "abc", "1.2.3"] {
            assert_eq!(Money::parse_rupees(raw), None, "{raw}");
        }
        let huge = Money::parse_rupees("79228162514264337593543950335");
        assert_eq!(
            huge,
            Some(Money::from_paisa(i64::MAX)),
            "still a price, never an overflow"
        );
    }

    #[test]
    fn rupees_are_shown_with_grouping_and_two_decimals() {
        assert_eq!(format_npr(123_450), "NPR 1,234.50");
        assert_eq!(format_npr(5), "NPR 0.05");
        assert_eq!(format_npr(-100_000_000), "-NPR 1,000,000.00");
    }
}
