//! The one codec for every value stored in redb: a format byte, then serde + bincode 2 —
//! plain (format 1), or compressed when the value is large enough and compression pays:
//! zstd against a dictionary built into the binary (format 3: orders, routing decisions,
//! message bodies). Format 2 (LZ4, no dictionary) was written by schema 5 and 6 and is still
//! read. What is written depends only on the value, so a file holds a mix and needs no
//! rewriting.
//!
//! Records of one kind repeat the same words (a message template's text, a routing reason's
//! phrases, field layouts); a single record is too short for a compressor to find them in
//! itself, so the dictionary supplies them. `codec_dictionary_v1.bin` was trained once with
//! zstd from values of a load test and a simulated month on the demo data
//! (`benches/codec.rs` says how) and **must never change**: every value of format 3 needs
//! exactly these bytes to be read. A better dictionary gets a new format byte.
//!
//! bincode is marked unmaintained (RUSTSEC-2025-0141); it stays behind this file so the
//! encoding can change by bumping the format byte. Stored types must not use serde features
//! that need a self-describing format (`untagged`, `flatten`, `skip_serializing_if`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use serde::Serialize;
use serde::de::DeserializeOwned;
use zstd::dict::{DecoderDictionary, EncoderDictionary};

use super::StoreError;

/// The format byte of a plain value.
const FORMAT_V1: u8 = 1;
/// The format byte of an LZ4-compressed value (its bincode length first, then the block);
/// read, no longer written.
const FORMAT_LZ4: u8 = 2;
/// The format byte of a value compressed with zstd against [`DICTIONARY_V1`]: one zstd frame
/// that records its content size, without magic-free tricks, checksum or dictionary id.
const FORMAT_ZSTD_V1: u8 = 3;
/// Bodies at least this long are tried compressed (shorter ones rarely shrink enough to pay
/// for the frame's few bytes of header)…
const COMPRESS_FROM: usize = 128;
/// …and kept compressed when that saves at least a tenth.
const COMPRESS_KEEP_PERCENT: usize = 90;
/// zstd's level: 1. Level 3 packs these records a few percent tighter, but in the single
/// writer it cost about 13 % of the order path's time (`ZSTD_compressBlock_doubleFast`).
const LEVEL: i32 = 1;
/// The largest body a compressed value may claim (a guard against a corrupt length).
const MAX_BODY: usize = 16 << 20;

/// The dictionary of format 3. Never edit: see the module's documentation.
pub(crate) const DICTIONARY_V1: &[u8] = include_bytes!("codec_dictionary_v1.bin");

static ENCODER_DICT: LazyLock<EncoderDictionary<'static>> =
    LazyLock::new(|| EncoderDictionary::copy(DICTIONARY_V1, LEVEL));
static DECODER_DICT: LazyLock<DecoderDictionary<'static>> =
    LazyLock::new(|| DecoderDictionary::copy(DICTIONARY_V1));

thread_local! {
    /// One compression context per thread that writes (in practice the single writer), so a
    /// value does not pay for setting one up.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

fn codec_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Codec(format!("{what}: {e}"))
}

/// Encodes a value as `[FORMAT_V1, bincode bytes...]`, or `[FORMAT_ZSTD_V1, frame...]` when
/// it is long enough and compression saves at least a tenth.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![FORMAT_V1];
    bincode::serde::encode_into_std_write(value, &mut out, config())
        .map_err(|e| codec_error("encode", e))?;
    // A body over MAX_BODY stays plain: a compressed one would be refused when read.
    if out.len() > COMPRESS_FROM
        && out.len() <= MAX_BODY
        && let Some(small) = pack(&out[1..])?
    {
        return Ok(small);
    }
    Ok(out)
}

/// `[FORMAT_ZSTD_V1, frame...]` for a bincode body, when that saves at least a tenth.
pub fn pack(body: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
    let frame = COMPRESSOR.with_borrow_mut(|slot| {
        let c = match slot {
            Some(c) => c,
            None => slot.insert(new_compressor().map_err(|e| codec_error("compressor", e))?),
        };
        c.compress(body).map_err(|e| codec_error("compress", e))
    })?;
    if (frame.len() + 1) * 100 > body.len() * COMPRESS_KEEP_PERCENT {
        return Ok(None);
    }
    let mut small = Vec::with_capacity(frame.len() + 1);
    small.push(FORMAT_ZSTD_V1);
    small.extend_from_slice(&frame);
    Ok(Some(small))
}

fn new_compressor() -> std::io::Result<zstd::bulk::Compressor<'static>> {
    let mut c = zstd::bulk::Compressor::with_prepared_dictionary(&ENCODER_DICT)?;
    c.include_checksum(false)?;
    c.include_dictid(false)?;
    c.include_contentsize(true)?;
    Ok(c)
}

/// The bincode body of an encoded value: as stored, or decompressed.
pub fn body(bytes: &[u8]) -> Result<Cow<'_, [u8]>, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_V1, body)) => Ok(Cow::Borrowed(body)),
        Some((&FORMAT_ZSTD_V1, frame)) => unpack_zstd(frame).map(Cow::Owned),
        Some((&FORMAT_LZ4, packed)) => unpack_lz4(packed).map(Cow::Owned),
        Some((other, _)) => Err(StoreError::Codec(format!(
            "unknown value format byte {other}"
        ))),
        None => Err(StoreError::Codec("empty value".into())),
    }
}

fn unpack_zstd(frame: &[u8]) -> Result<Vec<u8>, StoreError> {
    let claimed = match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(n)) => n,
        _ => return Err(StoreError::Codec("decode: not a compressed value".into())),
    };
    if claimed > MAX_BODY as u64 {
        return Err(StoreError::Codec(format!(
            "decode: compressed value claims {claimed} bytes"
        )));
    }
    let out = DECOMPRESSOR.with_borrow_mut(|slot| {
        let d = match slot {
            Some(d) => d,
            None => slot.insert(
                zstd::bulk::Decompressor::with_prepared_dictionary(&DECODER_DICT)
                    .map_err(|e| codec_error("decompressor", e))?,
            ),
        };
        d.decompress(frame, claimed as usize)
            .map_err(|e| codec_error("decode", e))
    })?;
    if out.len() as u64 != claimed {
        return Err(StoreError::Codec(format!(
            "decode: compressed value gave {} of {claimed} bytes",
            out.len()
        )));
    }
    Ok(out)
}

fn unpack_lz4(packed: &[u8]) -> Result<Vec<u8>, StoreError> {
    let claimed = packed
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| StoreError::Codec("decode: truncated compressed value".into()))?;
    if claimed > MAX_BODY {
        return Err(StoreError::Codec(format!(
            "decode: compressed value claims {claimed} bytes"
        )));
    }
    lz4_flex::block::decompress_size_prepended(packed).map_err(|e| codec_error("decode", e))
}

/// Decodes bytes written by [`encode`]; an unknown format byte or trailing bytes are errors.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    let body = body(bytes)?;
    let (value, used) =
        bincode::serde::decode_from_slice(&body, config()).map_err(|e| codec_error("decode", e))?;
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
    fn a_message_like_value_is_stored_compressed_against_the_dictionary_and_reads_back() {
        let v = Sample {
            id: 9,
            name: "order_new_vendor".into(),
            amount: 94468,
            tags: vec![
                "New order ORD2612040296 from Sharma Kirana (Pokhara):".into(),
                "- 2 × Sunflower Oil 1 l Pouch @ NPR 252.00".into(),
                "Reply ACCEPT ORD2612040296 or REJECT ORD2612040296 <reason> by 03:37.".into(),
            ],
            note: None,
        };
        let bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_ZSTD_V1);
        let plain = bincode::serde::encode_to_vec(&v, config()).unwrap();
        // Too short to compress on its own; the dictionary's phrases make it pay.
        assert!(
            bytes.len() * 100 < plain.len() * 70,
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
    fn values_written_lz4_compressed_by_schema_5_and_6_still_read() {
        let v = "routing reasons ".repeat(40);
        let body = bincode::serde::encode_to_vec(&v, config()).unwrap();
        let mut bytes = vec![FORMAT_LZ4];
        bytes.extend(lz4_flex::block::compress_prepend_size(&body));
        assert_eq!(decode::<String>(&bytes).unwrap(), v);
        let mut huge = bytes.clone();
        huge[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode::<String>(&huge).is_err());
        assert!(decode::<String>(&bytes[..bytes.len() - 3]).is_err());
        assert!(decode::<String>(&[FORMAT_LZ4, 1]).is_err());
    }

    #[test]
    fn the_dictionary_is_the_one_format_3_was_written_with() {
        // Every format-3 value in every file needs exactly these bytes: a new dictionary must
        // come with a new format byte, never replace this one.
        let fnv1a = DICTIONARY_V1
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        assert_eq!((DICTIONARY_V1.len(), fnv1a), (16384, 0xd2e0_a069_da8f_88e1));
    }

    #[test]
    fn a_corrupt_compressed_value_is_an_error_not_a_panic_or_a_huge_allocation() {
        let v = "y".repeat(1000);
        let bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_ZSTD_V1);
        assert_eq!(decode::<String>(&bytes).unwrap(), v);
        for cut in [1, 2, 3, bytes.len() / 2] {
            assert!(
                decode::<String>(&bytes[..bytes.len() - cut]).is_err(),
                "{cut}"
            );
        }
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0xff;
        let _ = decode::<String>(&flipped);
        // A frame claiming a body far beyond any value is refused before allocating it.
        let mut huge = vec![FORMAT_ZSTD_V1, 0x28, 0xb5, 0x2f, 0xfd, 0xa0];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode::<String>(&huge).is_err());
        assert!(decode::<String>(&[FORMAT_ZSTD_V1]).is_err());
        assert!(decode::<String>(&[FORMAT_ZSTD_V1, 1, 2, 3]).is_err());
    }
}
