//! The two webhook signature schemes, as pure functions over bytes and strings.
//!
//! Twilio: base64(HMAC-SHA1(auth token, URL + each POST parameter name and value, sorted)),
//! per Twilio's "Webhooks security" guide (twilio.com/docs/usage/webhooks/webhooks-security)
//! and its SDKs' request validators. Meta: `sha256=` + hex(HMAC-SHA256(app secret, raw body)),
//! per Meta's Graph API "Webhooks: Getting Started" (Event Notifications, validating payloads).
//! Comparisons of a computed signature with a received one are constant-time.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The string Twilio signs: the full URL, then every parameter as name followed by value,
/// no separators. Parameters are sorted by name, then by value, and an identical name/value
/// pair counts once — the twilio-python and twilio-php validators do exactly this, and their
/// test suites pin it (the "duplicate" vector in the tests below).
fn twilio_signed_string(url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut data = String::with_capacity(url.len() + params.len() * 32);
    data.push_str(url);
    for (name, value) in sorted {
        data.push_str(name);
        data.push_str(value);
    }
    data
}

/// Twilio's signature for a request to `url` carrying `params`.
pub(crate) fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    // HMAC accepts a key of any length, so `new_from_slice` cannot fail here; the fallback
    // keeps this total anyway (an empty signature never matches a received one).
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(twilio_signed_string(url, params).as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The URL as configured and, as Twilio's SDKs do, the same URL with the scheme's default
/// port toggled: `https://h/p` also as `https://h:443/p`, and `http://h:80/p` also as
/// `http://h/p`. Twilio may sign either form, depending on how the webhook was configured.
/// A non-default port is kept as it is: Twilio signs the port it was given.
pub(crate) fn twilio_url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    if let Some(other) = toggle_default_port(url) {
        variants.push(other);
    }
    variants
}

fn toggle_default_port(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // The port follows the last ':' after any userinfo and outside IPv6 brackets.
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host_port = &authority[host_start..];
    let port_colon = host_port
        .rfind(':')
        .filter(|&colon| !host_port[colon..].contains(']'));
    let new_host_port = match port_colon {
        Some(colon) if &host_port[colon + 1..] == default => host_port[..colon].to_owned(),
        Some(_) => return None,
        None => format!("{host_port}:{default}"),
    };
    let userinfo = &authority[..host_start];
    Some(format!("{scheme}://{userinfo}{new_host_port}{tail}"))
}

/// HMAC-SHA256 of the raw body with the app secret: what Meta hex-encodes after `sha256=`.
pub(crate) fn meta_signature(app_secret: &str, raw_body: &[u8]) -> [u8; 32] {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return [0; 32];
    };
    mac.update(raw_body);
    mac.finalize().into_bytes().into()
}

/// Reads `sha256=<64 hex digits>` (either case) into the 32 digest bytes.
pub(crate) fn parse_meta_header(header: &str) -> Option<[u8; 32]> {
    let header = header.trim();
    let prefix = header.get(..7)?;
    if !prefix.eq_ignore_ascii_case("sha256=") {
        return None;
    }
    let mut digest = [0u8; 32];
    hex::decode_to_slice(&header[7..], &mut digest).ok()?;
    Some(digest)
}

/// Constant-time equality: the time taken does not depend on where two equal-length inputs
/// first differ, so a forger cannot learn a signature byte by byte from response times.
/// (A length mismatch returns at once; lengths are public: 28 base64 chars, 32 bytes.)
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    /// The worked example on Twilio's "Webhooks security" page
    /// (twilio.com/docs/usage/webhooks/webhooks-security): auth token `12345`, this URL and
    /// these five parameters sign to `0/KCTR6DLpKmkAf8muzZqo1nDgQ=`.
    #[test]
    fn twilios_published_example_signs_to_the_published_figure() {
        let params = pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(
            twilio_signature("12345", URL, &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    /// The same example with the numbers the older page and the SDK test suites use
    /// (twilio-php `RequestValidatorTest`, twilio-csharp `RequestValidatorTest`):
    /// `RSOYDt4T1cUTdK1PDd93/VVr8B8=`, and with `:443` added: `kvajT1Ptam85bY51eRf/AJRuM3w=`.
    #[test]
    fn the_sdk_test_vectors_sign_to_their_figures_with_and_without_the_port() {
        let params = pairs(&[
            ("To", "+18005551212"),
            ("CallSid", "CA1234567890ABCDE"),
            ("From", "+14158675309"),
            ("Digits", "1234"),
            ("Caller", "+14158675309"),
        ]);
        assert_eq!(
            twilio_signature("12345", URL, &params),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert_eq!(
            twilio_signature("12345", with_port, &params),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        );
        let http_port = "http://mycompany.com:80/myapp.php?foo=1&bar=2";
        assert_eq!(
            twilio_signature("12345", http_port, &params),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        );
    }

    /// twilio-python and twilio-php: a repeated name is signed with its values sorted and
    /// each identical pair once.
    #[test]
    fn a_repeated_parameter_is_signed_sorted_and_once() {
        let params = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            twilio_signature("12345", URL, &params),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
    }

    #[test]
    fn the_default_port_is_added_or_removed_and_other_ports_are_kept() {
        let cases = [
            (
                "https://h.example/p?q=1",
                Some("https://h.example:443/p?q=1"),
            ),
            ("https://h.example:443/p", Some("https://h.example/p")),
            ("http://h.example/p", Some("http://h.example:80/p")),
            ("http://h.example:80", Some("http://h.example")),
            (
                "https://u:pw@h.example/p",
                Some("https://u:pw@h.example:443/p"),
            ),
            ("https://[::1]/p", Some("https://[::1]:443/p")),
            ("https://[::1]:443/p", Some("https://[::1]/p")),
            ("https://h.example:8443/p", None),
            ("ftp://h.example/p", None),
            ("not a url", None),
        ];
        for (url, toggled) in cases {
            assert_eq!(toggle_default_port(url).as_deref(), toggled, "{url}");
        }
    }

    #[test]
    fn a_meta_header_reads_in_either_case_and_nothing_else_does() {
        let digest = meta_signature("secret", b"{}");
        let lower = format!("sha256={}", hex::encode(digest));
        assert_eq!(parse_meta_header(&lower), Some(digest));
        assert_eq!(parse_meta_header(&lower.to_uppercase()), Some(digest));
        for bad in [
            "",
            "sha256=",
            "sha1=abcd",
            "sha256=zz",
            &lower[..lower.len() - 2],
            "é",
        ] {
            assert_eq!(parse_meta_header(bad), None, "{bad}");
        }
    }

    #[test]
    fn constant_time_equality_tells_equal_from_unequal_and_short() {
        assert!(ct_eq(
            b"0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
            b"0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!ct_eq(
            b"0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
            b"0/KCTR6DLpKmkAf8muzZqo1nDgQ!"
        ));
        assert!(!ct_eq(
            b"0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
            b"0/KCTR6DLpKmkAf8muzZqo1nDgQ"
        ));
        assert!(!ct_eq(b"", b"x"));
    }
}
