//! The WhatsApp provider adapters: read and verify Twilio and Meta Cloud API webhooks, build
//! and send outgoing requests, read delivery-status callbacks, split long texts.
//!
//! Everything here is provider plumbing turned into the provider-neutral types below. It owns
//! no storage and no business rules, never logs, and never panics on what a provider (or an
//! attacker posing as one) sends: every bad input is an `Err`, never a crash.

pub mod meta;
mod phone;
mod send;
mod signature;
mod split;
pub mod twilio;
mod twiml;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use meta::MetaConfig;
pub use phone::mask_phone;
pub use split::split_text;
pub use twilio::TwilioConfig;

/// Twilio refuses a WhatsApp body longer than this many characters.
pub const TWILIO_MAX_CHARS: usize = 1600;
/// Meta refuses a text body longer than this many characters.
pub const META_MAX_CHARS: usize = 4096;

/// Which provider a message came through or goes out by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Twilio,
    Meta,
}

impl Provider {
    /// The stable snake_case name, the same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Meta => "meta",
        }
    }

    /// The longest text body this provider accepts, counted as [`split_text`] counts.
    pub fn max_chars(self) -> usize {
        match self {
            Provider::Twilio => TWILIO_MAX_CHARS,
            Provider::Meta => META_MAX_CHARS,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an inbound message is, beyond its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundKind {
    /// Typed text.
    Text,
    /// A tap on a reply button (or list row): `payload` is the id we gave it when sending,
    /// `title` the label the person saw.
    Button { payload: String, title: String },
    /// An image, audio, video, document or sticker; `body` holds the caption, if any.
    Media,
    /// Anything else (location, contacts, reaction, unsupported ...), named by the provider.
    Other(String),
}

/// One message a person sent us, provider-neutral.
///
/// `Debug` masks the phone numbers and hides the body and profile name: they are personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    pub provider: Provider,
    /// Twilio's `MessageSid` or Meta's `wamid...`: the key that makes redeliveries harmless.
    pub provider_message_id: String,
    /// The sender in E.164 with a leading `+`, e.g. `+9779812345678`.
    pub from: String,
    /// Our business number in E.164, when the provider says it.
    pub to: Option<String>,
    /// The text; for a button, its payload (or its title when it has no payload).
    pub body: String,
    pub profile_name: Option<String>,
    pub kind: InboundKind,
    /// When the person sent it, Unix seconds, when the provider says it (Meta does, Twilio not).
    pub at: Option<i64>,
}

impl fmt::Debug for Inbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbound")
            .field("provider", &self.provider)
            .field("provider_message_id", &self.provider_message_id)
            .field("from", &mask_phone(&self.from))
            .field("to", &self.to.as_deref().map(mask_phone))
            .field(
                "body",
                &format_args!("<{} chars>", self.body.chars().count()),
            )
            .field(
                "profile_name",
                &self.profile_name.as_ref().map(|_| "<redacted>"),
            )
            .field("kind", &self.kind.name())
            .field("at", &self.at)
            .finish()
    }
}

impl InboundKind {
    /// A name for logs that carries no personal data.
    pub fn name(&self) -> &str {
        match self {
            InboundKind::Text => "text",
            InboundKind::Button { .. } => "button",
            InboundKind::Media => "media",
            InboundKind::Other(kind) => kind,
        }
    }
}

/// How far one of our outgoing messages has got.
///
/// Providers report these out of order (a `delivered` can arrive after its `read`), so the
/// integrator should only ever move a message forward: see [`DeliveryStatus::rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Order of progress: a stored status should only be replaced by one of a higher rank.
    /// `Failed` ranks above `Sent` (a failure report after `sent` is news) but below
    /// `Delivered`, which it cannot follow.
    pub fn rank(self) -> u8 {
        match self {
            DeliveryStatus::Queued => 0,
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Failed => 2,
            DeliveryStatus::Delivered => 3,
            DeliveryStatus::Read => 4,
        }
    }
}

/// A provider telling us what became of a message we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub provider: Provider,
    /// The id the provider gave our message when we sent it (`sid` or `wamid`).
    pub provider_message_id: String,
    pub status: DeliveryStatus,
    /// The provider's error code and title, e.g. `63016` or `131047: Re-engagement message`;
    /// digit runs that could be phone numbers are masked.
    pub error: Option<String>,
}

/// Why an inbound webhook was not accepted. Stable snake_case codes via [`ProviderError::code`];
/// the suggested HTTP status for each is in the variant's doc.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// 403: a bad verify token, or a subscription request that is not `subscribe`.
    #[error("verification refused")]
    Forbidden,
    /// 413: the body is longer than this adapter reads.
    #[error("body longer than {limit} bytes")]
    TooLarge { limit: usize },
    /// 400: the body is not UTF-8 (or percent-decodes to something that is not).
    #[error("body is not valid UTF-8")]
    InvalidUtf8,
    /// 400: the body is not the provider's format (bad form encoding, bad JSON, wrong shape).
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// 422: a field the provider always sends is missing or empty.
    #[error("missing field {0}")]
    Missing(&'static str),
    /// 422: a field is present but unusable (e.g. a sender that is not a phone number).
    #[error("invalid field {0}")]
    Invalid(&'static str),
}

/// A provider's delivery report, as the message log records it.
impl From<DeliveryStatus> for crate::messaging::outbox::Status {
    fn from(s: DeliveryStatus) -> Self {
        use crate::messaging::outbox::Status;
        match s {
            DeliveryStatus::Queued => Status::Pending,
            DeliveryStatus::Sent => Status::Sent,
            DeliveryStatus::Delivered => Status::Delivered,
            DeliveryStatus::Read => Status::Read,
            DeliveryStatus::Failed => Status::Failed,
        }
    }
}

impl ProviderError {
    /// A stable snake_case code for the web layer's error table.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::Forbidden => "webhook_forbidden",
            ProviderError::TooLarge { .. } => "webhook_too_large",
            ProviderError::InvalidUtf8 => "webhook_invalid_utf8",
            ProviderError::Malformed(_) => "webhook_malformed",
            ProviderError::Missing(_) => "webhook_missing_field",
            ProviderError::Invalid(_) => "webhook_invalid_field",
        }
    }
}

/// Why sending failed, and whether trying again later may help.
///
/// `retryable` is true for network errors, timeouts, 429, 5xx and the provider error codes that
/// mean "slow down"; false for everything a retry cannot fix (invalid number, bad credentials,
/// a body over the limit). `message` never holds a full phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub retryable: bool,
    /// The HTTP status of the provider's answer; `None` when there was no answer.
    pub status: Option<u16>,
    /// The provider's own error code (Twilio `21211`, Meta `131026` ...), when it sent one.
    pub code: Option<i64>,
    pub message: String,
}

impl SendError {
    /// A refusal made here, before anything was sent.
    pub(crate) fn local(message: impl Into<String>) -> Self {
        SendError {
            retryable: false,
            status: None,
            code: None,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbound() -> Inbound {
        Inbound {
            provider: Provider::Meta,
            provider_message_id: "wamid.X".into(),
            from: "+9779812345678".into(),
            to: Some("+15550001111".into()),
            body: "चिनी १० किलो".into(),
            profile_name: Some("Ram Kirana".into()),
            kind: InboundKind::Text,
            at: Some(1),
        }
    }

    #[test]
    fn the_debug_form_of_an_inbound_message_shows_no_number_body_or_name() {
        let shown = format!("{:?}", inbound());
        assert!(!shown.contains("9812345678"), "{shown}");
        assert!(!shown.contains("चिनी"), "{shown}");
        assert!(!shown.contains("Ram"), "{shown}");
        assert!(shown.contains("wamid.X"), "{shown}");
        assert!(shown.contains("<12 chars>"), "{shown}");
    }

    #[test]
    fn providers_and_statuses_serialize_as_their_snake_case_names() {
        assert_eq!(
            serde_json::to_string(&Provider::Twilio).unwrap(),
            "\"twilio\""
        );
        assert_eq!(Provider::Meta.as_str(), "meta");
        for s in [
            DeliveryStatus::Queued,
            DeliveryStatus::Read,
            DeliveryStatus::Failed,
        ] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }

    #[test]
    fn a_late_delivered_report_never_outranks_read() {
        assert!(DeliveryStatus::Read.rank() > DeliveryStatus::Delivered.rank());
        assert!(DeliveryStatus::Failed.rank() > DeliveryStatus::Sent.rank());
        assert!(DeliveryStatus::Delivered.rank() > DeliveryStatus::Failed.rank());
    }

    #[test]
    fn each_provider_names_its_own_length_limit() {
        assert_eq!(Provider::Twilio.max_chars(), 1600);
        assert_eq!(Provider::Meta.max_chars(), 4096);
    }
}
