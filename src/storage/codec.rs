//! The one codec for every value stored in redb: a format byte, then serde + bincode 2.
//!
//! bincode is marked unmaintained (RUSTSEC-2025-0141); it stays behind this file so the
//! encoding can change by bumping the format byte. Stored types must not use serde features
//! that need a self-describing format (`untagged`, `flatten`, `skip_serializing_if`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

/// The format byte written before every value.
const FORMAT_V1: u8 = 1;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes a value as `[FORMAT_V1, bincode bytes...]`.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![FORMAT_V1];
    bincode::serde::encode_into_std_write(value, &mut out, config())
        .map_err(|e| StoreError::Codec(format!("encode: {e}")))?;
    Ok(out)
}

/// Decodes bytes written by [`encode`]; an unknown format byte or trailing bytes are errors.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_V1, body)) => {
            let (value, used) = bincode::serde::decode_from_slice(body, config())
                .map_err(|e| StoreError::Codec(format!("decode: {e}")))?;
            if used != body.len() {
                return Err(StoreError::Codec(format!(
                    "decode: {} trailing bytes",
                    body.len() - used
                )));
            }
            Ok(value)
        }
        Some((other, _)) => Err(StoreError::Codec(format!(
            "unknown value format byte {other}"
        ))),
        None => Err(StoreError::Codec("empty value".into())),
    }
}

/// Decodes the leading part of bytes written by [`encode`], ignoring what follows: for
/// migrations that read the first fields of an older layout.
pub(crate) fn decode_prefix<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_V1, body)) => bincode::serde::decode_from_slice(body, config())
            .map(|(value, _)| value)
            .map_err(|e| StoreError::Codec(format!("decode: {e}"))),
        Some((other, _)) => Err(StoreError::Codec(format!(
            "unknown value format byte {other}"
        ))),
        None => Err(StoreError::Codec("empty value".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        id: u64,
        name: String,
        amount: i64,
        tags: Vec<String>,
        note: Option<String>,
    }

    #[test]
    fn a_value_round_trips_through_the_codec() {
        let v = Sample {
            id: 7,
            name: "चामल".into(),
            amount: -1250,
            tags: vec!["a".into()],
            note: None,
        };
        let bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_V1);
        assert_eq!(decode::<Sample>(&bytes).unwrap(), v);
    }

    #[test]
    fn an_unknown_format_byte_is_refused() {
        let mut bytes = encode(&5u64).unwrap();
        bytes[0] = 9;
        let err = decode::<u64>(&bytes).unwrap_err();
        assert!(err.to_string().contains("format byte 9"), "{err}");
    }

    #[test]
    fn truncated_or_empty_bytes_are_errors_not_panics() {
        let bytes = encode(&"hello".to_string()).unwrap();
        assert!(decode::<String>(&bytes[..3]).is_err());
        assert!(decode::<String>(&[]).is_err());
    }
}
