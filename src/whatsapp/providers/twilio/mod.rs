//! Twilio's WhatsApp channel: verify `X-Twilio-Signature`, read webhook forms, send through
//! the Messages API, and write TwiML replies.
//!
//! Webhooks (inbound messages and status callbacks) are form posts to one URL, signed as
//! Twilio's "Webhooks security" guide describes. Sending is
//! `POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with basic auth and a form
//! body; Twilio answers with JSON holding the message `sid`.

mod form;
mod webhook;

use std::fmt;

use serde::Deserialize;

pub use super::twiml::twiml;
pub use form::{MAX_FORM_BYTES, parse_form};
pub use webhook::{inbound, status};

use super::phone::to_e164;
use super::send::{Answer, execute, refused, retryable_status, unreadable_success};
use super::signature::{ct_eq, twilio_signature, twilio_url_variants};
use super::split::units;
use super::{SendError, TWILIO_MAX_CHARS};

/// What the Twilio adapter needs to know. `Debug` never shows the auth token.
#[derive(Clone)]
pub struct TwilioConfig {
    /// `AC...`: the account the Messages API calls go to.
    pub account_sid: String,
    /// Signs webhooks and authenticates API calls. Secret.
    pub auth_token: String,
    /// Our WhatsApp sender: `whatsapp:+14155238886`, or the bare E.164 `+14155238886`.
    pub from: String,
    /// [`TwilioConfig::DEFAULT_API_BASE`] in production; a stub server's URL in tests.
    pub api_base: String,
    /// The public base URL Twilio calls us at, e.g. `https://khaacho.example.com`, including
    /// any path prefix a reverse proxy strips. Webhook signatures are checked against it.
    pub public_url: String,
    /// Where Twilio should post delivery reports for what we send (sent as `StatusCallback`);
    /// `None` leaves it to the sender's setting in the Twilio console.
    pub status_callback: Option<String>,
}

impl TwilioConfig {
    pub const DEFAULT_API_BASE: &'static str = "https://api.twilio.com";
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("from", &self.from)
            .field("api_base", &self.api_base)
            .field("public_url", &self.public_url)
            .field("status_callback", &self.status_callback)
            .finish()
    }
}

/// Whether `signature` (the `X-Twilio-Signature` header) is Twilio's signature of this request.
///
/// `path_and_query` is the request's path and query as our server received it
/// (`/webhooks/twilio?x=1`); it is appended to `cfg.public_url` to rebuild the URL Twilio
/// signed. That URL is tried as it is and with the default port toggled (`:443` for https,
/// `:80` for http), as Twilio's SDKs do. A missing or empty header, or an empty configured
/// auth token, is never valid. The comparison is constant-time.
pub fn verify(
    cfg: &TwilioConfig,
    path_and_query: &str,
    params: &[(String, String)],
    signature: Option<&str>,
) -> bool {
    let Some(signature) = signature.map(str::trim).filter(|s| !s.is_empty()) else {
        return false;
    };
    if cfg.auth_token.is_empty() {
        return false;
    }
    let url = signed_url(&cfg.public_url, path_and_query);
    twilio_url_variants(&url).iter().any(|candidate| {
        let expected = twilio_signature(&cfg.auth_token, candidate, params);
        ct_eq(expected.as_bytes(), signature.as_bytes())
    })
}

/// `https://host/prefix` + `/webhooks/twilio?x=1`, with exactly one slash between them.
fn signed_url(public_url: &str, path_and_query: &str) -> String {
    let base = public_url.trim_end_matches('/');
    match path_and_query {
        "" => base.to_owned(),
        p if p.starts_with('/') => format!("{base}{p}"),
        p => format!("{base}/{p}"),
    }
}

/// Sends `body` as a WhatsApp text to `to` (E.164, `whatsapp:` prefix optional) and returns
/// the message `sid` Twilio assigned. The body must fit [`TWILIO_MAX_CHARS`]: split long texts
/// with [`super::split_text`] first and send each part.
pub async fn send(
    http: &reqwest::Client,
    cfg: &TwilioConfig,
    to: &str,
    body: &str,
) -> Result<String, SendError> {
    if body.trim().is_empty() {
        return Err(SendError::local("empty message body"));
    }
    if units(body) > TWILIO_MAX_CHARS {
        return Err(SendError::local(
            "body over Twilio's 1600 characters; split it first",
        ));
    }
    post_message(http, cfg, to, vec![("Body", body.to_owned())]).await
}

/// Sends an approved template (Twilio Content API): `content_sid` is the `HX...` id and
/// `variables` fill `{{1}}`, `{{2}}` ... in order. Returns the message `sid`.
pub async fn send_template(
    http: &reqwest::Client,
    cfg: &TwilioConfig,
    to: &str,
    content_sid: &str,
    variables: &[String],
) -> Result<String, SendError> {
    if content_sid.trim().is_empty() {
        return Err(SendError::local("empty ContentSid"));
    }
    let mut fields = vec![("ContentSid", content_sid.to_owned())];
    if !variables.is_empty() {
        fields.push(("ContentVariables", content_variables(variables)));
    }
    post_message(http, cfg, to, fields).await
}

/// `{"1":"first","2":"second"}`: the JSON object Twilio reads `ContentVariables` as.
fn content_variables(variables: &[String]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = variables
        .iter()
        .enumerate()
        .map(|(i, v)| ((i + 1).to_string(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Posts one message with `From`, `To`, an optional `StatusCallback` and the given fields.
async fn post_message(
    http: &reqwest::Client,
    cfg: &TwilioConfig,
    to: &str,
    fields: Vec<(&'static str, String)>,
) -> Result<String, SendError> {
    let to = to_e164(to).ok_or_else(|| SendError::local("recipient is not a phone number"))?;
    let from = to_e164(&cfg.from)
        .ok_or_else(|| SendError::local("configured Twilio sender is not a phone number"))?;
    if cfg.account_sid.is_empty() || !cfg.account_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(SendError::local(
            "configured Twilio account SID is not valid",
        ));
    }
    let mut form = vec![
        ("To", format!("whatsapp:{to}")),
        ("From", format!("whatsapp:{from}")),
    ];
    form.extend(fields);
    if let Some(callback) = cfg.status_callback.as_ref().filter(|c| !c.is_empty()) {
        form.push(("StatusCallback", callback.clone()));
    }
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        cfg.api_base.trim_end_matches('/'),
        cfg.account_sid
    );
    let request = http
        .post(url)
        .basic_auth(&cfg.account_sid, Some(&cfg.auth_token))
        .form(&form);
    read_answer(execute(request).await?)
}

#[derive(Deserialize)]
struct Created {
    sid: Option<String>,
}

/// Twilio's error body: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
#[derive(Deserialize, Default)]
struct Refusal {
    code: Option<i64>,
    message: Option<String>,
}

fn read_answer(answer: Answer) -> Result<String, SendError> {
    if answer.is_success() {
        let created: Option<Created> = serde_json::from_slice(&answer.body).ok();
        return created
            .and_then(|c| c.sid)
            .filter(|sid| !sid.is_empty())
            .ok_or_else(|| unreadable_success(answer.status));
    }
    let refusal: Refusal = serde_json::from_slice(&answer.body).unwrap_or_default();
    Err(refused(
        answer.status,
        refusal.code,
        refusal.message.as_deref().unwrap_or_default(),
        retryable_status(answer.status),
    ))
}

#[cfg(test)]
mod tests;
