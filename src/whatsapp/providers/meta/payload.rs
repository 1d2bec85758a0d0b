//! Reading a Cloud API webhook notification into messages and delivery reports.
//!
//! One POST may carry several entries, changes, messages and statuses; all are read, in order.
//! Only what we use is declared, so fields Meta adds are ignored, never refused; `null` reads
//! as absent. Changes for other fields (template updates, account alerts ...) and statuses we
//! do not track are skipped. A message or status without its id is an error, not a skip: it
//! is the key that makes redeliveries harmless.
//!
//! Since 2026 Meta omits `from` for a person who has adopted a WhatsApp username and withholds
//! their number (they are then known only by a business-scoped user id, `user_id`). Such a
//! message cannot be tied to a shop or answered by number, so it is skipped rather than made
//! to fail the whole batch (which Meta would redeliver for days).

use serde::{Deserialize, Deserializer};

use crate::whatsapp::providers::phone::{display_to_e164, mask_digit_runs, to_e164};
use crate::whatsapp::providers::{
    DeliveryStatus, Inbound, InboundKind, Provider, ProviderError, StatusUpdate,
};

/// Meta batches at most a few hundred updates per POST; 1 MiB is far above any real one.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

/// A list that may be missing or `null`.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default, deserialize_with = "list")]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default, deserialize_with = "list")]
    changes: Vec<Change>,
}

/// `value` is read into [`Value`] only for the `messages` field: other fields have other
/// shapes, which must not make the whole notification fail.
#[derive(Deserialize)]
struct Change {
    field: Option<String>,
    value: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Value {
    metadata: Option<Metadata>,
    #[serde(default, deserialize_with = "list")]
    contacts: Vec<Contact>,
    #[serde(default, deserialize_with = "list")]
    messages: Vec<Message>,
    #[serde(default, deserialize_with = "list")]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Metadata {
    display_phone_number: Option<String>,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    id: Option<String>,
    from: Option<String>,
    /// Unix seconds as a string today; a number is accepted too.
    timestamp: Option<serde_json::Value>,
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<Text>,
    interactive: Option<Interactive>,
    button: Option<Button>,
    image: Option<Media>,
    audio: Option<Media>,
    video: Option<Media>,
    document: Option<Media>,
    sticker: Option<Media>,
}

#[derive(Deserialize)]
struct Text {
    body: Option<String>,
}

#[derive(Deserialize)]
struct Interactive {
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Deserialize)]
struct Reply {
    id: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize)]
struct Button {
    payload: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Media {
    caption: Option<String>,
}

#[derive(Deserialize)]
struct Status {
    id: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "list")]
    errors: Vec<StatusError>,
}

#[derive(Deserialize)]
struct StatusError {
    code: Option<i64>,
    title: Option<String>,
}

/// Reads a notification body (verify its signature first with [`super::verify`]).
///
/// Errors: [`ProviderError::TooLarge`] over [`MAX_PAYLOAD_BYTES`],
/// [`ProviderError::InvalidUtf8`], [`ProviderError::Malformed`] for anything that is not the
/// notification's JSON shape (the message names the position, never the content),
/// [`ProviderError::Missing`] / [`ProviderError::Invalid`] for a message or status without a
/// usable id or sender. A notification for another product (`object` other than
/// `whatsapp_business_account`) reads as empty.
pub fn parse(raw_body: &[u8]) -> Result<(Vec<Inbound>, Vec<StatusUpdate>), ProviderError> {
    let mut inbound = Vec::new();
    let mut statuses = Vec::new();
    let Some(envelope) = read_envelope(raw_body)? else {
        return Ok((inbound, statuses));
    };
    let values = envelope
        .entry
        .into_iter()
        .flat_map(|entry| entry.changes)
        .filter(|change| change.field.as_deref().is_none_or(|f| f == "messages"))
        .filter_map(|change| change.value);
    for value in values {
        let value: Value = from_value(value)?;
        let to = value
            .metadata
            .as_ref()
            .and_then(|m| m.display_phone_number.as_deref())
            .and_then(display_to_e164);
        for message in &value.messages {
            inbound.extend(read_message(message, &value.contacts, to.as_deref())?);
        }
        for status in &value.statuses {
            statuses.extend(read_status(status)?);
        }
    }
    Ok((inbound, statuses))
}

/// The notification's outer shape; `None` when it is another product's.
fn read_envelope(raw_body: &[u8]) -> Result<Option<Envelope>, ProviderError> {
    if raw_body.len() > MAX_PAYLOAD_BYTES {
        return Err(ProviderError::TooLarge {
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    let text = std::str::from_utf8(raw_body).map_err(|_| ProviderError::InvalidUtf8)?;
    // serde's own message can quote the offending value, which may be personal data: errors
    // name only the kind and the position.
    let document: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let (kind, line, column) = (e.classify(), e.line(), e.column());
        ProviderError::Malformed(format!("{kind:?} error at line {line} column {column}"))
    })?;
    if !document.is_object() {
        return Err(ProviderError::Malformed("not a JSON object".into()));
    }
    // Another product's notification has another shape: look at `object` before the rest.
    let object = document.get("object").and_then(|o| o.as_str());
    if object.is_some_and(|o| o != "whatsapp_business_account") {
        return Ok(None);
    }
    from_value(document).map(Some)
}

fn from_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, ProviderError> {
    serde_json::from_value(value).map_err(|e| {
        ProviderError::Malformed(format!(
            "{:?} error: not a notification's shape",
            e.classify()
        ))
    })
}

fn read_message(
    m: &Message,
    contacts: &[Contact],
    to: Option<&str>,
) -> Result<Option<Inbound>, ProviderError> {
    let id = non_empty(&m.id).ok_or(ProviderError::Missing("messages.id"))?;
    // No number: a username-only sender (see the module doc).
    let Some(raw_from) = non_empty(&m.from) else {
        return Ok(None);
    };
    let from = to_e164(raw_from).ok_or(ProviderError::Invalid("messages.from"))?;
    let (kind, body) = kind_and_body(m);
    Ok(Some(Inbound {
        provider: Provider::Meta,
        provider_message_id: id.to_owned(),
        from,
        to: to.map(str::to_owned),
        body,
        profile_name: profile_name(contacts, raw_from),
        kind,
        at: m.timestamp.as_ref().and_then(unix_seconds),
    }))
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// The name of the contact whose `wa_id` is the sender. Matched by number only: a batch can
/// hold contacts of several people, some without a number.
fn profile_name(contacts: &[Contact], from: &str) -> Option<String> {
    let contact = contacts.iter().find(|c| c.wa_id.as_deref() == Some(from))?;
    non_empty(&contact.profile.as_ref()?.name).map(str::to_owned)
}

fn unix_seconds(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The message's kind, and the text the conversation reads: typed text, a button's payload
/// (its title when it has none), or a media caption.
fn kind_and_body(m: &Message) -> (InboundKind, String) {
    let kind = m.kind.as_deref().unwrap_or("unknown");
    match kind {
        "text" => {
            let body = m.text.as_ref().and_then(|t| non_empty(&t.body));
            (InboundKind::Text, body.unwrap_or_default().to_owned())
        }
        "interactive" => {
            let reply = m
                .interactive
                .as_ref()
                .and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref()));
            match reply {
                Some(r) => button(non_empty(&r.id), non_empty(&r.title)),
                None => (InboundKind::Other(kind.to_owned()), String::new()),
            }
        }
        "button" => {
            let b = m.button.as_ref();
            button(
                b.and_then(|b| non_empty(&b.payload)),
                b.and_then(|b| non_empty(&b.text)),
            )
        }
        "image" | "audio" | "video" | "document" | "sticker" => {
            let media = [&m.image, &m.audio, &m.video, &m.document, &m.sticker];
            let caption = media
                .into_iter()
                .flatten()
                .find_map(|x| non_empty(&x.caption));
            (InboundKind::Media, caption.unwrap_or_default().to_owned())
        }
        other => (InboundKind::Other(other.to_owned()), String::new()),
    }
}

fn button(payload: Option<&str>, title: Option<&str>) -> (InboundKind, String) {
    let title = title.unwrap_or_default().to_owned();
    let payload = payload.map_or_else(|| title.clone(), str::to_owned);
    let kind = InboundKind::Button {
        payload: payload.clone(),
        title,
    };
    (kind, payload)
}

/// A delivery report, or `None` for a state we do not track (`deleted`, `warning` ...).
fn read_status(s: &Status) -> Result<Option<StatusUpdate>, ProviderError> {
    let id = non_empty(&s.id).ok_or(ProviderError::Missing("statuses.id"))?;
    let status = match s.status.as_deref() {
        Some("sent") => DeliveryStatus::Sent,
        Some("delivered") => DeliveryStatus::Delivered,
        Some("read") => DeliveryStatus::Read,
        Some("failed") => DeliveryStatus::Failed,
        _ => return Ok(None),
    };
    let error = s
        .errors
        .first()
        .map(|e| match (e.code, non_empty(&e.title)) {
            (Some(code), Some(title)) => format!("{code}: {}", mask_digit_runs(title)),
            (Some(code), None) => code.to_string(),
            (None, title) => mask_digit_runs(title.unwrap_or("unknown error")),
        });
    Ok(Some(StatusUpdate {
        provider: Provider::Meta,
        provider_message_id: id.to_owned(),
        status,
        error,
    }))
}

#[cfg(test)]
mod tests;
