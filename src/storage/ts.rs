//! Stored times as integers: `DateTime<Utc>` as microseconds since 1970 and `NaiveDate` as
//! days since 0001-01-01, instead of RFC 3339 text, so reading a record parses no strings.
//! Used with `#[serde(with = "...")]` on stored fields; JSON views keep RFC 3339.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::de::Error;
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(t.timestamp_micros())
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let micros = i64::deserialize(d)?;
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| D::Error::custom("stored time out of range"))
}

pub mod opt {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&t.timestamp_micros()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<i64>::deserialize(d)? {
            Some(m) => DateTime::from_timestamp_micros(m)
                .map(Some)
                .ok_or_else(|| D::Error::custom("stored time out of range")),
            None => Ok(None),
        }
    }
}

pub mod date {
    use super::*;

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(d.num_days_from_ce())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let days = i32::deserialize(d)?;
        NaiveDate::from_num_days_from_ce_opt(days)
            .ok_or_else(|| D::Error::custom("stored date out of range"))
    }
}

pub mod date_opt {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.num_days_from_ce()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<i32>::deserialize(d)? {
            Some(days) => NaiveDate::from_num_days_from_ce_opt(days)
                .map(Some)
                .ok_or_else(|| D::Error::custom("stored date out of range")),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Stamped {
        #[serde(with = "super")]
        at: DateTime<Utc>,
        #[serde(with = "super::opt")]
        maybe: Option<DateTime<Utc>>,
        #[serde(with = "super::date_opt")]
        due: Option<NaiveDate>,
    }

    #[test]
    fn times_and_dates_round_trip_through_the_codec_exactly() {
        let v = Stamped {
            at: Utc.with_ymd_and_hms(2026, 11, 26, 6, 0, 0).unwrap()
                + chrono::Duration::microseconds(123),
            maybe: None,
            due: NaiveDate::from_ymd_opt(2026, 12, 26),
        };
        let bytes = crate::storage::codec::encode(&v).unwrap();
        assert_eq!(crate::storage::codec::decode::<Stamped>(&bytes).unwrap(), v);
    }
}
