//! Signature checks against Twilio's published figures, and the request-building helpers.

use super::*;

fn cfg(public_url: &str) -> TwilioConfig {
    TwilioConfig {
        account_sid: "AC00000000000000000000000000000000".into(),
        auth_token: "12345".into(),
        from: "whatsapp:+14155238886".into(),
        api_base: TwilioConfig::DEFAULT_API_BASE.into(),
        public_url: public_url.into(),
        status_callback: None,
    }
}

fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const PATH: &str = "/myapp.php?foo=1&bar=2";

/// The parameters of the worked example on Twilio's "Webhooks security" page
/// (https://www.twilio.com/docs/usage/webhooks/webhooks-security), in the order a form
/// might carry them (the signature sorts them).
fn published_params() -> Vec<(String, String)> {
    params(&[
        ("To", "+18005551212"),
        ("From", "+12349013030"),
        ("Digits", "1234"),
        ("Caller", "+12349013030"),
        ("CallSid", "CA1234567890ABCDE"),
    ])
}

/// The figure that page gives for auth token `12345` and
/// `https://mycompany.com/myapp.php?foo=1&bar=2`.
const PUBLISHED_SIGNATURE: &str = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

/// The SDK suites' variant (twilio-csharp `RequestValidatorTest`): caller +14158675309.
fn sdk_params() -> Vec<(String, String)> {
    params(&[
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ])
}

#[test]
fn twilios_published_example_verifies() {
    let c = cfg("https://mycompany.com");
    assert!(verify(
        &c,
        PATH,
        &published_params(),
        Some(PUBLISHED_SIGNATURE)
    ));
}

#[test]
fn a_signature_without_the_port_verifies_when_the_url_is_configured_with_443() {
    let c = cfg("https://mycompany.com:443/");
    assert!(verify(
        &c,
        PATH,
        &published_params(),
        Some(PUBLISHED_SIGNATURE)
    ));
}

#[test]
fn a_signature_with_443_verifies_when_the_url_is_configured_without() {
    // twilio-csharp TestValidateAddsPortHttps: the same request signed over
    // https://mycompany.com:443/myapp.php?foo=1&bar=2.
    let c = cfg("https://mycompany.com");
    assert!(verify(
        &c,
        PATH,
        &sdk_params(),
        Some("kvajT1Ptam85bY51eRf/AJRuM3w=")
    ));
    assert!(verify(
        &c,
        PATH,
        &sdk_params(),
        Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    ));
}

#[test]
fn plain_http_toggles_port_80_both_ways() {
    // twilio-csharp TestValidateAddsPortHttp: signed over http://mycompany.com:80/...
    let without = cfg("http://mycompany.com");
    assert!(verify(
        &without,
        PATH,
        &sdk_params(),
        Some("0ZXoZLH/DfblKGATFgpif+LLRf4=")
    ));
    let with = cfg("http://mycompany.com:80");
    assert!(verify(
        &with,
        PATH,
        &sdk_params(),
        Some("0ZXoZLH/DfblKGATFgpif+LLRf4=")
    ));
    // A signature over https does not verify a request configured as http.
    assert!(!verify(
        &without,
        PATH,
        &sdk_params(),
        Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    ));
}

#[test]
fn a_tampered_parameter_fails() {
    let c = cfg("https://mycompany.com");
    let mut tampered = published_params();
    tampered[2].1 = "9999".into();
    assert!(!verify(&c, PATH, &tampered, Some(PUBLISHED_SIGNATURE)));
    let mut added = published_params();
    added.push(("Body".into(), "extra".into()));
    assert!(!verify(&c, PATH, &added, Some(PUBLISHED_SIGNATURE)));
    let mut dropped = published_params();
    dropped.pop();
    assert!(!verify(&c, PATH, &dropped, Some(PUBLISHED_SIGNATURE)));
}

#[test]
fn another_url_or_another_token_fails() {
    let c = cfg("https://mycompany.com");
    assert!(!verify(
        &c,
        "/myapp.php?foo=1&bar=3",
        &published_params(),
        Some(PUBLISHED_SIGNATURE)
    ));
    assert!(!verify(
        &cfg("https://evil.example"),
        PATH,
        &published_params(),
        Some(PUBLISHED_SIGNATURE)
    ));
    let other = TwilioConfig {
        auth_token: "54321".into(),
        ..cfg("https://mycompany.com")
    };
    assert!(!verify(
        &other,
        PATH,
        &published_params(),
        Some(PUBLISHED_SIGNATURE)
    ));
}

#[test]
fn a_missing_empty_or_mangled_header_fails() {
    let c = cfg("https://mycompany.com");
    let p = published_params();
    assert!(!verify(&c, PATH, &p, None));
    assert!(!verify(&c, PATH, &p, Some("")));
    assert!(!verify(&c, PATH, &p, Some("   ")));
    // One character changed at the end, one dropped, one appended.
    assert!(!verify(&c, PATH, &p, Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ!")));
    assert!(!verify(&c, PATH, &p, Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ")));
    assert!(!verify(&c, PATH, &p, Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ==")));
    assert!(!verify(&c, PATH, &p, Some("चिनी")));
}

#[test]
fn surrounding_whitespace_in_the_header_is_tolerated() {
    let c = cfg("https://mycompany.com");
    let padded = format!(" {PUBLISHED_SIGNATURE} ");
    assert!(verify(&c, PATH, &published_params(), Some(&padded)));
}

#[test]
fn an_unconfigured_auth_token_accepts_nothing() {
    let c = TwilioConfig {
        auth_token: String::new(),
        ..cfg("https://mycompany.com")
    };
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    let signed_with_empty_key = twilio_signature("", url, &published_params());
    assert!(!verify(
        &c,
        PATH,
        &published_params(),
        Some(&signed_with_empty_key)
    ));
}

#[test]
fn a_real_form_body_verifies_end_to_end() {
    let body = b"To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234\
&From=%2B12349013030&Caller=%2B12349013030";
    let p = parse_form(body).unwrap();
    assert!(verify(
        &cfg("https://mycompany.com"),
        PATH,
        &p,
        Some(PUBLISHED_SIGNATURE)
    ));
}

#[test]
fn the_public_url_and_request_path_join_with_one_slash() {
    assert_eq!(
        signed_url("https://a.example/", "/webhooks/twilio"),
        "https://a.example/webhooks/twilio"
    );
    assert_eq!(
        signed_url("https://a.example/k", "webhooks/twilio"),
        "https://a.example/k/webhooks/twilio"
    );
    assert_eq!(signed_url("https://a.example", ""), "https://a.example");
}

#[test]
fn the_debug_form_never_shows_the_auth_token() {
    let c = TwilioConfig {
        auth_token: "tok-SECRET-123".into(),
        ..cfg("https://mycompany.com")
    };
    let shown = format!("{c:?}");
    assert!(!shown.contains("tok-SECRET-123"), "{shown}");
    assert!(shown.contains("AC00000000000000000000000000000000"));
}

#[test]
fn template_variables_are_a_json_object_keyed_from_one() {
    let vars = content_variables(&["ORD2611250007".into(), "रु 1,250".into()]);
    let parsed: serde_json::Value = serde_json::from_str(&vars).unwrap();
    assert_eq!(
        parsed,
        serde_json::json!({"1": "ORD2611250007", "2": "रु 1,250"})
    );
}
