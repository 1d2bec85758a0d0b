//! The one codec for every value stored in redb: a format byte, then serde + bincode 2 —
//! plain (format 1), or LZ4-compressed when the value is large and compresses well (format 2:
//! routing decisions, message bodies). Both are always read; what is written depends only on
//! the value, so a file holds a mix and needs no rewriting.
//!
//! bincode is marked unmaintained (RUSTSEC-2025-0141); it stays behind this file so the
//! encoding can change by bumping the format byte. Stored types must not use serde features
//! that need a self-describing format (`untagged`, `flatten`, `skip_serializing_if`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

/// The format byte of a plain value.
const FORMAT_V1: u8 = 1;
/// The format byte of an LZ4-compressed value (its bincode length first, then the block).
const FORMAT_LZ4: u8 = 2;
/// Values with bincode bodies at least this long are tried compressed…
const COMPRESS_FROM: usize = 192;
/// …and kept compressed when that saves at least a quarter.
const COMPRESS_KEEP_PERCENT: usize = 75;
/// The largest body a compressed value may claim (a guard against a corrupt length).
const MAX_BODY: usize = 16 << 20;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes a value as `[FORMAT_V1, bincode bytes...]`, or `[FORMAT_LZ4, compressed...]` when
/// it is large and compression saves at least a quarter.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![FORMAT_V1];
    bincode::serde::encode_into_std_write(value, &mut out, config())
        .map_err(|e| StoreError::Codec(format!("encode: {e}")))?;
    if out.len() > COMPRESS_FROM {
        let packed = lz4_flex::block::compress_prepend_size(&out[1..]);
        if packed.len() * 100 <= (out.len() - 1) * COMPRESS_KEEP_PERCENT {
            let mut small = Vec::with_capacity(packed.len() + 1);
            small.push(FORMAT_LZ4);
            small.extend_from_slice(&packed);
            return Ok(small);
        }
    }
    Ok(out)
}

/// The bincode body of an encoded value: as stored, or decompressed.
fn body(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_V1, body)) => Ok(std::borrow::Cow::Borrowed(body)),
        Some((&FORMAT_LZ4, packed)) => {
            let claimed = packed
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| StoreError::Codec("decode: truncated compressed value".into()))?;
            if claimed > MAX_BODY {
                return Err(StoreError::Codec(format!(
                    "decode: compressed value claims {claimed} bytes"
                )));
            }
            lz4_flex::block::decompress_size_prepended(packed)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| StoreError::Codec(format!("decode: {e}")))
        }
        Some((other, _)) => Err(StoreError::Codec(format!(
            "unknown value format byte {other}"
        ))),
        None => Err(StoreError::Codec("empty value".into())),
    }
}

/// Decodes bytes written by [`encode`]; an unknown format byte or trailing bytes are errors.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    let body = body(bytes)?;
    let (value, used) = bincode::serde::decode_from_slice(&body, config())
        .map_err(|e| StoreError::Codec(format!("decode: {e}")))?;
    if used != body.len() {
        return Err(StoreError::Codec(format!(
            "decode: {} trailing bytes",
            body.len() - used
        )));
    }
    Ok(value)
}

/// Decodes the leading part of bytes written by [`encode`], ignoring what follows: for
/// migrations that read the first fields of an older layout.
pub(crate) fn decode_prefix<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    let body = body(bytes)?;
    bincode::serde::decode_from_slice(&body, config())
        .map(|(value, _)| value)
        .map_err(|e| StoreError::Codec(format!("decode: {e}")))
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

    #[test]
    fn a_large_repetitive_value_is_stored_compressed_and_reads_back() {
        let v = Sample {
            id: 9,
            name: "routing".into(),
            amount: 1,
            tags: (0..12)
                .map(|i| format!("vendor {i}: eligible, score 0.8 from fill rate and price"))
                .collect(),
            note: Some("x".repeat(300)),
        };
        let bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_LZ4);
        let plain = bincode::serde::encode_to_vec(&v, config()).unwrap();
        assert!(
            bytes.len() * 2 < plain.len(),
            "{} of {}",
            bytes.len(),
            plain.len()
        );
        assert_eq!(decode::<Sample>(&bytes).unwrap(), v);
        assert_eq!(decode_prefix::<u64>(&bytes).unwrap(), 9);
        // A value that does not compress stays plain.
        let noise: Vec<u64> = (0..64u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        assert_eq!(encode(&noise).unwrap()[0], FORMAT_V1);
    }

    #[test]
    fn a_corrupt_compressed_value_is_an_error_not_a_panic_or_a_huge_allocation() {
        let v = "y".repeat(1000);
        let mut bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_LZ4);
        let mut huge = bytes.clone();
        huge[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode::<String>(&huge).is_err());
        let last = bytes.len() - 1;
        bytes.truncate(last - 3);
        assert!(decode::<String>(&bytes).is_err());
        assert!(decode::<String>(&[FORMAT_LZ4, 1]).is_err());
    }
}
