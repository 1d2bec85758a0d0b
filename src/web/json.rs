//! JSON helpers shared by the handlers: decimals as JSON numbers, and "field present but null"
//! told apart from "field absent" in PATCH bodies.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serializer};

/// Serializes a pack size (a small decimal such as 0.5 or 2.25) as a JSON number.
pub fn decimal_number<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value.and_then(|d| d.to_f64()) {
        Some(f) => s.serialize_f64(f),
        None => s.serialize_none(),
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(serde_json::Number),
    String(String),
}

fn parse_decimal<E: serde::de::Error>(raw: NumberOrString) -> Result<Decimal, E> {
    let (text, float) = match raw {
        NumberOrString::Number(n) => (n.to_string(), n.as_f64()),
        NumberOrString::String(s) => (s, None),
    };
    Decimal::from_str(text.trim())
        .or_else(|_| Decimal::from_scientific(text.trim()))
        .ok()
        // A JSON number past a decimal's 28 places (5e-324) is read as the nearest one.
        .or_else(|| float.and_then(<Decimal as rust_decimal::prelude::FromPrimitive>::from_f64))
        .map(|d| d.normalize())
        .ok_or_else(|| E::custom(format!("'{text}' is not a number")))
}

/// Reads an optional decimal given as a JSON number or string.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Option::<NumberOrString>::deserialize(d)?
        .map(parse_decimal)
        .transpose()
}

/// For PATCH: absent → None, null → Some(None), a value → Some(Some(v)).
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// For PATCH of a decimal: absent → None, null → Some(None), a number → Some(Some(d)).
pub fn present_decimal<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Decimal>>, D::Error> {
    Option::<NumberOrString>::deserialize(d)?
        .map(parse_decimal)
        .transpose()
        .map(Some)
}
