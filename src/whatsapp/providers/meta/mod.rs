//! Meta's WhatsApp Cloud API: the webhook subscription handshake, `X-Hub-Signature-256`,
//! reading notification payloads, and sending through the Graph API.
//!
//! Sending is `POST {api_base}/{api_version}/{phone_number_id}/messages` with a bearer access
//! token and a JSON body; Meta answers `{"messages":[{"id":"wamid..."}]}`.

mod payload;

use std::fmt;

use serde::Deserialize;
use serde_json::json;

pub use payload::{MAX_PAYLOAD_BYTES, parse};

use super::phone::to_e164;
use super::send::{Answer, execute, refused, retryable_status, unreadable_success};
use super::signature::{ct_eq, meta_signature, parse_meta_header};
use super::split::units;
use super::{META_MAX_CHARS, ProviderError, SendError};

/// What the Meta adapter needs to know. `Debug` never shows the access token, app secret or
/// verify token.
#[derive(Clone)]
pub struct MetaConfig {
    /// The business phone number's id in the Graph API (digits), not the number itself.
    pub phone_number_id: String,
    /// A system-user access token with `whatsapp_business_messaging`. Secret.
    pub access_token: String,
    /// The app secret that signs webhook payloads. Secret.
    pub app_secret: String,
    /// The string entered as "Verify token" in the app dashboard. Secret.
    pub verify_token: String,
    /// [`MetaConfig::DEFAULT_API_BASE`] in production; a stub server's URL in tests.
    pub api_base: String,
    /// The Graph API version in the path, e.g. [`MetaConfig::DEFAULT_API_VERSION`].
    pub api_version: String,
}

impl MetaConfig {
    pub const DEFAULT_API_BASE: &'static str = "https://graph.facebook.com";
    pub const DEFAULT_API_VERSION: &'static str = "v21.0";
}

impl fmt::Debug for MetaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaConfig")
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &"<redacted>")
            .field("app_secret", &"<redacted>")
            .field("verify_token", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("api_version", &self.api_version)
            .finish()
    }
}

/// The longest `hub.challenge` echoed back; Meta sends a short integer.
const MAX_CHALLENGE: usize = 256;

/// Meta's `GET` subscription check: returns the challenge to answer as `text/plain` with 200.
///
/// Arguments are the `hub.mode`, `hub.verify_token` and `hub.challenge` query values.
/// Errors: [`ProviderError::Forbidden`] (403) unless the mode is `subscribe` and the token
/// matches a non-empty configured one (compared in constant time);
/// [`ProviderError::Missing`] / [`ProviderError::Invalid`] for an absent or odd challenge,
/// which is echoed only when it is at most 256 letters, digits, `-`, `_` or `.`, so the
/// answer can never carry markup.
pub fn verify_subscription(
    cfg: &MetaConfig,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, ProviderError> {
    let token_ok = !cfg.verify_token.is_empty()
        && token.is_some_and(|t| ct_eq(t.as_bytes(), cfg.verify_token.as_bytes()));
    if mode != Some("subscribe") || !token_ok {
        return Err(ProviderError::Forbidden);
    }
    let challenge = challenge
        .filter(|c| !c.is_empty())
        .ok_or(ProviderError::Missing("hub.challenge"))?;
    let safe = challenge.len() <= MAX_CHALLENGE
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !safe {
        return Err(ProviderError::Invalid("hub.challenge"));
    }
    Ok(challenge.to_owned())
}

/// Whether `signature` (the `X-Hub-Signature-256` header, `sha256=<hex>`) is the HMAC-SHA256
/// of exactly these body bytes under the app secret. Verify the raw bytes as received, before
/// any JSON parsing. A missing or malformed header, or an empty app secret, is never valid.
pub fn verify(cfg: &MetaConfig, raw_body: &[u8], signature: Option<&str>) -> bool {
    if cfg.app_secret.is_empty() {
        return false;
    }
    let Some(received) = signature.and_then(parse_meta_header) else {
        return false;
    };
    ct_eq(&meta_signature(&cfg.app_secret, raw_body), &received)
}

/// Sends `body` as a WhatsApp text to `to` (E.164, `+` optional) and returns the `wamid`.
/// The body must fit [`META_MAX_CHARS`]: split long texts with [`super::split_text`] first.
pub async fn send(
    http: &reqwest::Client,
    cfg: &MetaConfig,
    to: &str,
    body: &str,
) -> Result<String, SendError> {
    if body.trim().is_empty() {
        return Err(SendError::local("empty message body"));
    }
    if units(body) > META_MAX_CHARS {
        return Err(SendError::local(
            "body over Meta's 4096 characters; split it first",
        ));
    }
    let to = recipient(to)?;
    let message = json!({
        "messaging_product": "whatsapp",
        "to": to,
        "type": "text",
        "text": { "body": body },
    });
    post_message(http, cfg, &message).await
}

/// Sends an approved template by `name` in `language` (e.g. `en`, `ne`); `params` fill the
/// body's `{{1}}`, `{{2}}` ... in order. Returns the `wamid`.
pub async fn send_template(
    http: &reqwest::Client,
    cfg: &MetaConfig,
    to: &str,
    name: &str,
    language: &str,
    params: &[String],
) -> Result<String, SendError> {
    if name.trim().is_empty() || language.trim().is_empty() {
        return Err(SendError::local("template name and language are required"));
    }
    let to = recipient(to)?;
    let mut template = json!({ "name": name, "language": { "code": language } });
    if !params.is_empty() {
        let parameters: Vec<_> = params
            .iter()
            .map(|p| json!({ "type": "text", "text": p }))
            .collect();
        template["components"] = json!([{ "type": "body", "parameters": parameters }]);
    }
    let message = json!({
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": template,
    });
    post_message(http, cfg, &message).await
}

/// Meta's examples address recipients as digits without `+`.
fn recipient(to: &str) -> Result<String, SendError> {
    to_e164(to)
        .map(|e164| e164.trim_start_matches('+').to_owned())
        .ok_or_else(|| SendError::local("recipient is not a phone number"))
}

async fn post_message(
    http: &reqwest::Client,
    cfg: &MetaConfig,
    message: &serde_json::Value,
) -> Result<String, SendError> {
    // Both go into the URL path: refuse anything that could change the path's shape.
    let path_safe =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if !path_safe(&cfg.phone_number_id) || !path_safe(&cfg.api_version) {
        return Err(SendError::local(
            "configured Meta phone number id or API version is not valid",
        ));
    }
    let url = format!(
        "{}/{}/{}/messages",
        cfg.api_base.trim_end_matches('/'),
        cfg.api_version,
        cfg.phone_number_id
    );
    let request = http.post(url).bearer_auth(&cfg.access_token).json(message);
    read_answer(execute(request).await?)
}

#[derive(Deserialize)]
struct Sent {
    #[serde(default)]
    messages: Option<Vec<SentMessage>>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: Option<String>,
}

/// Graph API errors: `{"error": {"message", "type", "code", "error_subcode", "error_data"}}`.
#[derive(Deserialize, Default)]
struct ErrorBody {
    error: Option<GraphError>,
}

#[derive(Deserialize)]
struct GraphError {
    code: Option<i64>,
    message: Option<String>,
}

/// Graph and Cloud API codes that mean "try again later", whatever the HTTP status
/// (Meta's "Error codes" page for the WhatsApp Cloud API): 1 unknown/temporary, 2 service
/// temporarily unavailable, 4 and 80007 app/account rate limits, 130429 throughput limit,
/// 131000 something went wrong, 131016 service unavailable, 131056 per-recipient pair rate
/// limit.
const RETRYABLE_CODES: [i64; 8] = [1, 2, 4, 80007, 130429, 131000, 131016, 131056];

fn read_answer(answer: Answer) -> Result<String, SendError> {
    if answer.is_success() {
        let sent: Option<Sent> = serde_json::from_slice(&answer.body).ok();
        return sent
            .and_then(|s| s.messages)
            .and_then(|m| m.into_iter().next())
            .and_then(|m| m.id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| unreadable_success(answer.status));
    }
    let body: ErrorBody = serde_json::from_slice(&answer.body).unwrap_or_default();
    let (code, text) = body
        .error
        .map(|e| (e.code, e.message.unwrap_or_default()))
        .unwrap_or_default();
    let retryable =
        retryable_status(answer.status) || code.is_some_and(|c| RETRYABLE_CODES.contains(&c));
    Err(refused(answer.status, code, &text, retryable))
}

#[cfg(test)]
mod tests;
