//! Money is integer paisa (1 NPR = 100 paisa), never floating point.
//!
//! One rounding rule everywhere: a fraction of a paisa is rounded half away from zero
//! (0.5 paisa → 1 paisa). VAT is computed per order line on the line's subtotal.

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
    fn rupees_are_shown_with_grouping_and_two_decimals() {
        assert_eq!(format_npr(123_450), "NPR 1,234.50");
        assert_eq!(format_npr(5), "NPR 0.05");
        assert_eq!(format_npr(-100_000_000), "-NPR 1,000,000.00");
    }
}
