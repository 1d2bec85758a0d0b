//! The subscription handshake and `X-Hub-Signature-256` checks.

use super::*;

fn cfg() -> MetaConfig {
    MetaConfig {
        phone_number_id: "106540352242922".into(),
        access_token: "EAAG-access-SECRET".into(),
        app_secret: "app-SECRET-0f1e".into(),
        verify_token: "meatyhamhock".into(),
        api_base: MetaConfig::DEFAULT_API_BASE.into(),
        api_version: MetaConfig::DEFAULT_API_VERSION.into(),
    }
}

fn header_for(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(meta_signature(secret, body)))
}

const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;

#[test]
fn the_right_verify_token_answers_the_challenge() {
    let answer = verify_subscription(
        &cfg(),
        Some("subscribe"),
        Some("meatyhamhock"),
        Some("1158201444"),
    );
    assert_eq!(answer, Ok("1158201444".to_owned()));
}

#[test]
fn a_wrong_or_missing_token_or_mode_is_forbidden() {
    let c = cfg();
    let cases = [
        (Some("subscribe"), Some("meatyhamhoc"), Some("1")),
        (Some("subscribe"), Some("meatyhamhock "), Some("1")),
        (Some("subscribe"), None, Some("1")),
        (Some("unsubscribe"), Some("meatyhamhock"), Some("1")),
        (None, Some("meatyhamhock"), Some("1")),
    ];
    for (mode, token, challenge) in cases {
        assert_eq!(
            verify_subscription(&c, mode, token, challenge),
            Err(ProviderError::Forbidden),
            "{mode:?} {token:?}"
        );
    }
}

#[test]
fn an_unconfigured_verify_token_accepts_nobody() {
    let c = MetaConfig {
        verify_token: String::new(),
        ..cfg()
    };
    assert_eq!(
        verify_subscription(&c, Some("subscribe"), Some(""), Some("1")),
        Err(ProviderError::Forbidden)
    );
}

#[test]
fn a_challenge_that_is_missing_or_could_carry_markup_is_refused() {
    let c = cfg();
    let ask =
        |challenge| verify_subscription(&c, Some("subscribe"), Some("meatyhamhock"), challenge);
    assert_eq!(ask(None), Err(ProviderError::Missing("hub.challenge")));
    assert_eq!(ask(Some("")), Err(ProviderError::Missing("hub.challenge")));
    assert_eq!(
        ask(Some("<script>")),
        Err(ProviderError::Invalid("hub.challenge"))
    );
    let long = "9".repeat(257);
    assert_eq!(
        ask(Some(&long)),
        Err(ProviderError::Invalid("hub.challenge"))
    );
    assert_eq!(ask(Some("abc-DEF_1.2")), Ok("abc-DEF_1.2".to_owned()));
}

#[test]
fn a_body_signed_with_the_app_secret_verifies() {
    let c = cfg();
    assert!(verify(&c, BODY, Some(&header_for("app-SECRET-0f1e", BODY))));
}

/// An independent figure: HMAC-SHA256 with key `secret` over `test`, as published in the
/// Elixir whatsapp_sdk docs (`WhatsApp.Webhook.compute_signature("test", "secret")`) and
/// reproducible with `printf test | openssl dgst -sha256 -hmac secret`.
#[test]
fn the_signature_matches_an_independently_computed_figure() {
    let c = MetaConfig {
        app_secret: "secret".into(),
        ..cfg()
    };
    let header = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914";
    assert!(verify(&c, b"test", Some(header)));
}

#[test]
fn a_bad_or_missing_signature_fails() {
    let c = cfg();
    let good = header_for("app-SECRET-0f1e", BODY);
    assert!(!verify(&c, BODY, None));
    assert!(!verify(&c, BODY, Some("")));
    assert!(!verify(&c, BODY, Some(&header_for("another-secret", BODY))));
    assert!(!verify(&c, BODY, Some(good.trim_start_matches("sha256="))));
    assert!(!verify(&c, BODY, Some(&good.replace("sha256=", "sha1="))));
    let mut flipped = good.clone();
    let last = if flipped.ends_with('0') { '1' } else { '0' };
    flipped.pop();
    flipped.push(last);
    assert!(!verify(&c, BODY, Some(&flipped)));
}

#[test]
fn a_changed_body_fails_even_by_one_byte_or_whitespace() {
    let c = cfg();
    let good = header_for("app-SECRET-0f1e", BODY);
    let mut changed = BODY.to_vec();
    changed.push(b' ');
    assert!(!verify(&c, &changed, Some(&good)));
    assert!(!verify(&c, b"", Some(&good)));
}

#[test]
fn an_unconfigured_app_secret_accepts_nothing() {
    let c = MetaConfig {
        app_secret: String::new(),
        ..cfg()
    };
    assert!(!verify(&c, BODY, Some(&header_for("", BODY))));
}

#[test]
fn the_debug_form_never_shows_a_secret() {
    let shown = format!("{:?}", cfg());
    for secret in ["EAAG-access-SECRET", "app-SECRET-0f1e", "meatyhamhock"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("106540352242922"));
}

#[test]
fn a_recipient_is_sent_as_digits_without_plus() {
    assert_eq!(recipient("+9779812345678").unwrap(), "9779812345678");
    assert_eq!(
        recipient("whatsapp:+9779812345678").unwrap(),
        "9779812345678"
    );
    assert!(recipient("98123").is_err());
}
