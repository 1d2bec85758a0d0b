//! Reading numbers written with digits: ASCII and Devanagari digits, decimals, thousands
//! separators, fractions (`1/2`, `१/२`, `½`, `1½`), and the shapes that only look like
//! numbers (clock times, dates, phone numbers).
//!
//! Owns the exactness rule: a value is a `Decimal` or nothing. It never rounds and never
//! uses floating point; a fraction without an exact decimal (`1/3`) is reported, not read.

use rust_decimal::Decimal;

/// What a run of digits turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NumLit {
    /// A number, exactly. `fraction` is true for a pure fraction below one (`1/2`, `½`),
    /// which may complete a whole number before it (`1 1/2`).
    Value {
        value: Decimal,
        fraction: bool,
        integer: bool,
    },
    /// A clock time, a date, or a long digit run (phone, order number): never a quantity.
    NotAQuantity,
    /// Looked like a number but has no exact value (`1/3`) or does not fit.
    Unreadable,
}

/// The ASCII digit for an ASCII or Devanagari digit character.
pub(crate) fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{0966}'..='\u{096F}' => {
            let offset = c as u32 - 0x0966;
            char::from_digit(offset, 10)
        }
        _ => None,
    }
}

/// Unicode vulgar fractions with an exact decimal value.
pub(crate) fn vulgar_fraction(c: char) -> Option<Decimal> {
    let (units, scale) = match c {
        '½' => (5, 1),
        '¼' => (25, 2),
        '¾' => (75, 2),
        '⅛' => (125, 3),
        '⅜' => (375, 3),
        '⅝' => (625, 3),
        '⅞' => (875, 3),
        '⅕' => (2, 1),
        _ => return None,
    };
    Some(Decimal::new(units, scale))
}

/// Integers with more digits than this are phone or order numbers, not quantities.
const MAX_QUANTITY_DIGITS: usize = 7;

/// Scans a number starting at `chars[start]` (a digit or a vulgar fraction, or a `.` before a
/// digit). Returns the literal and the index just past it.
pub(crate) fn scan(chars: &[(usize, char)], start: usize) -> (NumLit, usize) {
    let mut i = start;
    let int = take_digits(chars, &mut i);
    if int.is_empty()
        && let Some(value) = at(chars, i).and_then(vulgar_fraction)
    {
        let lit = NumLit::Value {
            value,
            fraction: true,
            integer: false,
        };
        return (lit, i + 1);
    }
    let int = take_thousands(chars, &mut i, int);
    if let Some(end) = keycap_end(chars, i) {
        return (NumLit::NotAQuantity, end);
    }
    if let Some(end) = clock_or_date_end(chars, i) {
        return (NumLit::NotAQuantity, end);
    }
    let lit = if at(chars, i) == Some('.') && digit_at(chars, i + 1) {
        i += 1;
        let frac = take_digits(chars, &mut i);
        decimal_literal(&int, &frac)
    } else if at(chars, i) == Some('/') && digit_at(chars, i + 1) {
        i += 1;
        let den = take_digits(chars, &mut i);
        fraction_literal(&int, &den)
    } else {
        integer_literal(&int)
    };
    with_vulgar_tail(lit, chars, i)
}

/// "1½": a vulgar fraction glued after a whole number adds to it.
fn with_vulgar_tail(lit: NumLit, chars: &[(usize, char)], i: usize) -> (NumLit, usize) {
    let Some(tail) = at(chars, i).and_then(vulgar_fraction) else {
        return (lit, i);
    };
    match lit {
        NumLit::Value {
            value,
            integer: true,
            ..
        } => (
            NumLit::Value {
                value: value + tail,
                fraction: false,
                integer: false,
            },
            i + 1,
        ),
        other => (other, i),
    }
}

/// "1️⃣": a digit drawn as an emoji keycap is a list bullet, never a quantity.
fn keycap_end(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let mut j = i;
    while matches!(at(chars, j), Some('\u{FE0F}' | '\u{FE0E}')) {
        j += 1;
    }
    (at(chars, j) == Some('\u{20E3}')).then_some(j + 1)
}

fn at(chars: &[(usize, char)], i: usize) -> Option<char> {
    chars.get(i).map(|&(_, c)| c)
}

fn digit_at(chars: &[(usize, char)], i: usize) -> bool {
    at(chars, i).and_then(ascii_digit).is_some()
}

fn take_digits(chars: &[(usize, char)], i: &mut usize) -> String {
    let mut out = String::new();
    while let Some(d) = at(chars, *i).and_then(ascii_digit) {
        out.push(d);
        *i += 1;
    }
    out
}

/// "1,000" and "10,000": a comma followed by exactly three digits is a thousands separator.
fn take_thousands(chars: &[(usize, char)], i: &mut usize, mut int: String) -> String {
    while !int.is_empty()
        && at(chars, *i) == Some(',')
        && (1..=3).all(|k| digit_at(chars, *i + k))
        && !digit_at(chars, *i + 4)
    {
        for k in 1..=3 {
            if let Some(d) = at(chars, *i + k).and_then(ascii_digit) {
                int.push(d);
            }
        }
        *i += 4;
    }
    int
}

/// "10:30" (a time) and "2082/8/15" or "15/08/2082" (dates): returns where they end.
fn clock_or_date_end(chars: &[(usize, char)], i: usize) -> Option<usize> {
    if at(chars, i) == Some(':')
        && digit_at(chars, i + 1)
        && digit_at(chars, i + 2)
        && !digit_at(chars, i + 3)
    {
        return Some(i + 3);
    }
    let mut j = i;
    let mut groups = 0;
    while matches!(at(chars, j), Some('/') | Some('-')) && digit_at(chars, j + 1) {
        j += 1;
        while digit_at(chars, j) {
            j += 1;
        }
        groups += 1;
    }
    (groups >= 2).then_some(j)
}

fn integer_literal(int: &str) -> NumLit {
    if int.is_empty() {
        return NumLit::Unreadable;
    }
    if int.len() > MAX_QUANTITY_DIGITS {
        return NumLit::NotAQuantity;
    }
    match int.parse::<i64>() {
        Ok(n) => NumLit::Value {
            value: Decimal::from(n),
            fraction: false,
            integer: true,
        },
        Err(_) => NumLit::Unreadable,
    }
}

fn decimal_literal(int: &str, frac: &str) -> NumLit {
    if int.len() > MAX_QUANTITY_DIGITS || frac.len() > 6 {
        return NumLit::Unreadable;
    }
    let text = format!("{}.{frac}", if int.is_empty() { "0" } else { int });
    match text.parse::<Decimal>() {
        Ok(value) => NumLit::Value {
            value: value.normalize(),
            fraction: false,
            integer: false,
        },
        Err(_) => NumLit::Unreadable,
    }
}

/// `a/b` read exactly: only denominators whose decimal expansion ends (2, 4, 5, 8, 10 …).
fn fraction_literal(num: &str, den: &str) -> NumLit {
    let (Ok(n), Ok(d)) = (num.parse::<u32>(), den.parse::<u32>()) else {
        return NumLit::Unreadable;
    };
    if d == 0 || !terminates(d) {
        return NumLit::Unreadable;
    }
    let value = (Decimal::from(n) / Decimal::from(d)).normalize();
    NumLit::Value {
        value,
        fraction: n < d,
        integer: false,
    }
}

/// True when 1/d has a finite decimal expansion (d has no prime factor but 2 and 5).
fn terminates(mut d: u32) -> bool {
    for p in [2, 5] {
        while d.is_multiple_of(p) {
            d /= p;
        }
    }
    d == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (NumLit, usize) {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        scan(&chars, 0)
    }

    fn value(text: &str) -> Decimal {
        match read(text).0 {
            NumLit::Value { value, .. } => value,
            other => panic!("{text} read as {other:?}"),
        }
    }

    #[test]
    fn a_quantity_written_in_devanagari_digits_is_read() {
        assert_eq!(value("१०"), Decimal::from(10));
        assert_eq!(value("२.५"), Decimal::new(25, 1));
    }

    #[test]
    fn fractions_are_read_exactly() {
        assert_eq!(value("1/2"), Decimal::new(5, 1));
        assert_eq!(value("१/४"), Decimal::new(25, 2));
        assert_eq!(value("1½"), Decimal::new(15, 1));
        assert_eq!(value("3/8"), Decimal::new(375, 3));
    }

    #[test]
    fn a_fraction_without_an_exact_decimal_is_unreadable_not_rounded() {
        assert_eq!(read("1/3").0, NumLit::Unreadable);
        assert_eq!(read("5/0").0, NumLit::Unreadable);
    }

    #[test]
    fn a_thousands_separator_joins_the_number() {
        assert_eq!(value("1,000"), Decimal::from(1000));
        assert_eq!(
            read("10,5").1,
            2,
            "a comma before two digits separates items"
        );
    }

    #[test]
    fn clock_times_dates_and_phone_numbers_are_not_quantities() {
        assert_eq!(read("10:30").0, NumLit::NotAQuantity);
        assert_eq!(read("2082/08/15").0, NumLit::NotAQuantity);
        assert_eq!(read("9841234567").0, NumLit::NotAQuantity);
    }

    #[test]
    fn an_emoji_keycap_digit_is_a_bullet_not_a_quantity() {
        assert_eq!(read("1\u{FE0F}\u{20E3}").0, NumLit::NotAQuantity);
        assert_eq!(read("1\u{FE0F}\u{20E3}").1, 3);
    }

    #[test]
    fn a_decimal_keeps_no_trailing_zeros() {
        assert_eq!(value("2.50").to_string(), "2.5");
    }
}
