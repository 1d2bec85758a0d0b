//! Reading Twilio's `application/x-www-form-urlencoded` webhook body, strictly.
//!
//! Written by hand rather than with a lenient decoder because the signature is computed over
//! the decoded values: a decoder that silently replaced bad bytes with U+FFFD would verify
//! something other than what was sent. Every malformed input is an error, never a guess.

use crate::whatsapp::providers::ProviderError;

/// Twilio's largest webhook (a 1,600-character body, every character percent-encoded as four
/// UTF-8 bytes, plus a few dozen short fields) is under 20 KB; 64 KiB leaves ample room.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Decodes a form body into name/value pairs in the order sent, repeats kept.
///
/// Errors: [`ProviderError::TooLarge`] over [`MAX_FORM_BYTES`], [`ProviderError::InvalidUtf8`]
/// when the body or a decoded name or value is not UTF-8, [`ProviderError::Malformed`] for a
/// broken `%` escape.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, ProviderError> {
    if body.len() > MAX_FORM_BYTES {
        return Err(ProviderError::TooLarge {
            limit: MAX_FORM_BYTES,
        });
    }
    let text = std::str::from_utf8(body).map_err(|_| ProviderError::InvalidUtf8)?;
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// `+` is a space and `%XX` a byte; the bytes must then be UTF-8.
fn decode(encoded: &str) -> Result<String, ProviderError> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let (hex, tail) = rest
                    .split_first_chunk::<2>()
                    .ok_or_else(|| ProviderError::Malformed("truncated % escape".into()))?;
                bytes.push(hex_pair(*hex)?);
                rest = tail;
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| ProviderError::InvalidUtf8)
}

fn hex_pair([hi, lo]: [u8; 2]) -> Result<u8, ProviderError> {
    let digit = |c: u8| (c as char).to_digit(16);
    match (digit(hi), digit(lo)) {
        // Two hex digits are at most 0xFF, so the cast cannot truncate.
        (Some(h), Some(l)) => Ok((h * 16 + l) as u8),
        _ => Err(ProviderError::Malformed("bad % escape".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn a_twilio_form_decodes_plus_and_percent_escapes() {
        let body = b"From=whatsapp%3A%2B9779812345678&Body=chamal+25+kg+%E0%A4%9A%E0%A4%BF%E0%A4%A8%E0%A5%80";
        assert_eq!(
            parse_form(body).unwrap(),
            vec![
                pair("From", "whatsapp:+9779812345678"),
                pair("Body", "chamal 25 kg चिनी"),
            ]
        );
    }

    #[test]
    fn empty_values_names_without_values_and_repeats_are_kept() {
        let body = b"Body=&NumMedia=0&Flag&&A=1&A=2";
        assert_eq!(
            parse_form(body).unwrap(),
            vec![
                pair("Body", ""),
                pair("NumMedia", "0"),
                pair("Flag", ""),
                pair("A", "1"),
                pair("A", "2"),
            ]
        );
    }

    #[test]
    fn an_empty_body_is_no_fields() {
        assert_eq!(parse_form(b"").unwrap(), vec![]);
    }

    #[test]
    fn invalid_utf8_raw_or_escaped_is_an_error() {
        assert_eq!(
            parse_form(b"Body=\xff\xfe"),
            Err(ProviderError::InvalidUtf8)
        );
        assert_eq!(parse_form(b"Body=%FF%FE"), Err(ProviderError::InvalidUtf8));
        // Half of a Devanagari letter.
        assert_eq!(parse_form(b"Body=%E0%A4"), Err(ProviderError::InvalidUtf8));
    }

    #[test]
    fn a_broken_percent_escape_is_an_error() {
        for body in [&b"Body=%"[..], b"Body=%4", b"Body=%zz", b"Body=%%41"] {
            assert!(matches!(parse_form(body), Err(ProviderError::Malformed(_))));
        }
    }

    #[test]
    fn a_body_over_64_kib_is_refused_and_64_kib_of_garbage_is_an_error() {
        let big = vec![b'a'; MAX_FORM_BYTES + 1];
        assert_eq!(
            parse_form(&big),
            Err(ProviderError::TooLarge {
                limit: MAX_FORM_BYTES
            })
        );
        let garbage: Vec<u8> = (0..MAX_FORM_BYTES).map(|i| (i * 7 % 256) as u8).collect();
        assert!(parse_form(&garbage).is_err());
        let percent_garbage = "%".repeat(MAX_FORM_BYTES);
        assert!(parse_form(percent_garbage.as_bytes()).is_err());
    }
}
