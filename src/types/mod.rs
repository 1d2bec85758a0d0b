//! Value types shared by every domain module, validated at construction.
//!
//! A value of these types is always valid: parse at the edge, then pass them around freely.

pub mod language;
pub mod limits;
pub mod money;
pub mod order_number;
pub mod quantity;
pub mod sku;

use std::fmt;

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form (`+9779812345678`), the identity of a person on WhatsApp.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Msisdn(String);

impl Msisdn {
    /// Reads a phone number written the way people write them: `+977 981-234 5678`,
    /// `009779812345678`, `whatsapp:+9779812345678`, or a 10-digit Nepal mobile `9812345678`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        let trimmed = trimmed.strip_prefix("whatsapp:").unwrap_or(trimmed);
        let mut digits = String::with_capacity(16);
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return Err(format!("'{raw}' is not a phone number (unexpected '{c}')")),
            }
        }
        let explicit_plus = trimmed.starts_with('+');
        let e164 = if explicit_plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if digits.len() == 10 && digits.starts_with('9') {
            format!("977{digits}")
        } else {
            return Err(format!("'{raw}' needs a country code, e.g. +9779812345678"));
        };
        if !(8..=15).contains(&e164.len()) || e164.starts_with('0') {
            return Err(format!(
                "'{raw}' is not an E.164 number (expected + country code and 8-15 digits, e.g. +9779812345678)"
            ));
        }
        Ok(Msisdn(format!("+{e164}")))
    }

    /// A number exactly as the API takes it: `+`, country code and number, 8 to 15 digits in
    /// all, nothing else (the pattern the OpenAPI document gives).
    pub fn parse_e164(raw: &str) -> Result<Self, String> {
        let digits = raw.strip_prefix('+').unwrap_or("");
        let ok = (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Msisdn(raw.to_string()))
        } else {
            Err(format!(
                "'{raw}' is not an E.164 number: + country code and 8 to 15 digits in all, e.g. +9779812345678"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as an integer (its digits; at most 15, never a leading 0, so two numbers
    /// never share one): the key of the per-phone message index.
    pub fn as_u64(&self) -> u64 {
        self.0[1..]
            .bytes()
            .fold(0, |n, d| n * 10 + u64::from(d - b'0'))
    }

    /// The number with all but the last three digits hidden, for logs.
    pub fn masked(&self) -> String {
        let keep = self.0.len().saturating_sub(3);
        format!("+…{}", &self.0[keep..])
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Msisdn {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Msisdn::parse(&value)
    }
}

impl From<Msisdn> for String {
    fn from(value: Msisdn) -> Self {
        value.0
    }
}

/// What a user may do; see `auth` for the rules of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Operator,
    Vendor,
    Retailer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Vendor => "vendor",
            Role::Retailer => "retailer",
        }
    }

    /// Admins and operators run the business; vendors and retailers see their own records.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Operator)
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "operator" => Ok(Role::Operator),
            "vendor" => Ok(Role::Vendor),
            "retailer" => Ok(Role::Retailer),
            other => Err(format!(
                "unknown role '{other}' (expected admin, operator, vendor or retailer)"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Debug` for a type that holds secrets (passwords, tokens): its secret fields print as
/// `[redacted]`, so a `{:?}` in a log line or a panic message never shows them.
#[macro_export]
macro_rules! debug_redacted {
    ($ty:ident { $($field:ident),* $(,)? } secret { $($secret:ident),+ $(,)? }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &self.$field))*
                    $(.field(stringify!($secret), &"[redacted]"))+
                    .finish()
            }
        }
    };
}

/// A secret from configuration: never printed, never logged.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// What a set secret serialises as.
    pub const HIDDEN: &str = "[hidden]";

    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"[redacted]\""
        })
    }
}

/// A secret serialises as [`Secret::HIDDEN`] when set and as null when not: whatever shows
/// a configuration (the admin's settings screen) shows that a secret is set, never its value.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_empty() {
            s.serialize_none()
        } else {
            s.serialize_str(Secret::HIDDEN)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_number_as_an_integer_is_its_digits() {
        let n = |s: &str| Msisdn::parse_e164(s).unwrap().as_u64();
        assert_eq!(n("+9779812345678"), 9_779_812_345_678);
        assert_eq!(n("+999999999999999"), 999_999_999_999_999);
        assert_ne!(
            n("+97798123456"),
            n("+977981234560"),
            "lengths differ, numbers differ"
        );
    }

    #[test]
    fn phone_numbers_are_read_the_way_people_write_them() {
        for raw in [
            "+9779812345678",
            "+977 981-234 5678",
            "009779812345678",
            "9812345678",
            "whatsapp:+9779812345678",
        ] {
            assert_eq!(
                Msisdn::parse(raw).unwrap().as_str(),
                "+9779812345678",
                "{raw}"
            );
        }
    }

    #[test]
    fn a_number_without_country_code_or_with_letters_is_refused() {
        assert!(Msisdn::parse("12345").is_err());
        assert!(Msisdn::parse("+97798abc").is_err());
        assert!(Msisdn::parse("").is_err());
        assert!(Msisdn::parse("+0123456789").is_err());
    }

    #[test]
    fn a_masked_number_shows_only_its_last_digits() {
        assert_eq!(Msisdn::parse("+9779812345678").unwrap().masked(), "+…678");
    }

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let s = Secret::new("hunter2-very-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&s).unwrap().contains("hunter2"));
    }
}
