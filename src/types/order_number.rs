//! Order numbers (`ORD2611260007`): `ORD`, the Nepal date it was placed (YYMMDD) and that
//! day's sequence of at least four digits. People write them in any case inside a message.

use std::fmt;

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderNumber(String);

impl OrderNumber {
    /// The number of the `seq`-th order placed on the Nepal date `day`.
    pub fn new(day: NaiveDate, seq: u64) -> OrderNumber {
        OrderNumber(format!("ORD{}{seq:04}", day.format("%y%m%d")))
    }

    /// Reads a word as an order number: `ord` in any case and at least ten digits.
    pub fn parse(word: &str) -> Option<OrderNumber> {
        let word = word.trim();
        let digits = word.get(3..)?;
        let ord = word.get(..3)?;
        (word.len() >= 13
            && ord.eq_ignore_ascii_case("ord")
            && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| OrderNumber(word.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::OrderNumber;
    use chrono::NaiveDate;

    #[test]
    fn numbers_are_made_and_read_back() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let n = OrderNumber::new(day, 7);
        assert_eq!(n.as_str(), "ORD2611260007");
        assert_eq!(OrderNumber::parse("ord2611260007"), Some(n));
        assert_eq!(OrderNumber::new(day, 12345).as_str(), "ORD26112612345");
        for bad in [
            "ord",
            "ORD26112",
            "ORDX611260007",
            "order2611260007",
            "चामल",
        ] {
            assert_eq!(OrderNumber::parse(bad), None, "{bad}");
        }
    }
}
