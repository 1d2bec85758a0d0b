//! Reading Twilio's webhook fields: an inbound message, or a status callback about one of ours.
//!
//! Both arrive at the same URL as form fields. A status callback carries `MessageStatus`
//! (queued, sent, delivered, read, failed, undelivered ...); an inbound message carries none,
//! or `received`. Fields we do not use are ignored, as Twilio adds fields without notice.

use crate::whatsapp::providers::phone::{mask_digit_runs, to_e164};
use crate::whatsapp::providers::{
    DeliveryStatus, Inbound, InboundKind, Provider, ProviderError, StatusUpdate,
};

/// The first value of a field, if present and not empty.
fn field<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Whether these fields are a status callback rather than a message someone sent us.
fn is_status_callback(params: &[(String, String)]) -> bool {
    field(params, "MessageStatus").is_some_and(|s| !matches!(s, "received" | "receiving"))
}

/// The message in an inbound webhook, or `None` when the fields are a status callback (read
/// those with [`status`]).
///
/// Errors: [`ProviderError::Missing`] without `MessageSid` or `From`,
/// [`ProviderError::Invalid`] when `From` is not a phone number.
pub fn inbound(params: &[(String, String)]) -> Result<Option<Inbound>, ProviderError> {
    if is_status_callback(params) {
        return Ok(None);
    }
    let id = field(params, "MessageSid").ok_or(ProviderError::Missing("MessageSid"))?;
    let from = field(params, "From").ok_or(ProviderError::Missing("From"))?;
    let from = to_e164(from).ok_or(ProviderError::Invalid("From"))?;
    let text = field(params, "Body").unwrap_or_default();
    let kind = kind(params);
    let body = match &kind {
        InboundKind::Button { payload, .. } => payload.clone(),
        _ => text.to_owned(),
    };
    Ok(Some(Inbound {
        provider: Provider::Twilio,
        provider_message_id: id.to_owned(),
        from,
        to: field(params, "To").and_then(to_e164),
        body,
        profile_name: field(params, "ProfileName").map(str::to_owned),
        kind,
        at: None,
    }))
}

/// What the message is: a button or list reply, media, another WhatsApp type, or text.
fn kind(params: &[(String, String)]) -> InboundKind {
    let body = field(params, "Body").unwrap_or_default();
    let button_payload = field(params, "ButtonPayload");
    let button_text = field(params, "ButtonText");
    if button_payload.is_some() || button_text.is_some() {
        let title = button_text.unwrap_or(body);
        let payload = button_payload.unwrap_or(title);
        return button(payload, title);
    }
    // A list-picker reply carries the chosen row as ListId / ListTitle.
    if let Some(list_id) = field(params, "ListId") {
        return button(list_id, field(params, "ListTitle").unwrap_or(body));
    }
    let num_media = field(params, "NumMedia").and_then(|n| n.parse::<u32>().ok());
    match field(params, "MessageType") {
        Some("image" | "audio" | "video" | "document" | "sticker") => InboundKind::Media,
        _ if num_media.is_some_and(|n| n > 0) => InboundKind::Media,
        None | Some("text") => InboundKind::Text,
        Some(other) => InboundKind::Other(other.to_owned()),
    }
}

fn button(payload: &str, title: &str) -> InboundKind {
    InboundKind::Button {
        payload: payload.to_owned(),
        title: title.to_owned(),
    }
}

/// The delivery report in a status callback; `None` when the fields are not one (an inbound
/// message) or report a state we do not track (`received`, `partially_delivered` ...).
///
/// `accepted`, `scheduled`, `queued` and `sending` read as Queued; `failed`, `undelivered`
/// and `canceled` as Failed. `error` is `ErrorCode` (and `ErrorMessage` when sent).
pub fn status(params: &[(String, String)]) -> Option<StatusUpdate> {
    if !is_status_callback(params) {
        return None;
    }
    let id = field(params, "MessageSid")?;
    let status = match field(params, "MessageStatus")? {
        "accepted" | "scheduled" | "queued" | "sending" => DeliveryStatus::Queued,
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" => DeliveryStatus::Read,
        "failed" | "undelivered" | "canceled" => DeliveryStatus::Failed,
        _ => return None,
    };
    Some(StatusUpdate {
        provider: Provider::Twilio,
        provider_message_id: id.to_owned(),
        status,
        error: error_text(params),
    })
}

fn error_text(params: &[(String, String)]) -> Option<String> {
    let code = field(params, "ErrorCode").filter(|c| *c != "0");
    match (code, field(params, "ErrorMessage")) {
        (Some(code), Some(text)) => Some(format!("{code}: {}", mask_digit_runs(text))),
        (Some(code), None) => Some(code.to_owned()),
        (None, Some(text)) => Some(mask_digit_runs(text)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// An inbound WhatsApp text as Twilio posts it, with fields we do not use.
    fn text_message() -> Vec<(String, String)> {
        params(&[
            ("SmsMessageSid", "SM11111111111111111111111111111111"),
            ("NumMedia", "0"),
            ("ProfileName", "Ram Kirana"),
            ("MessageType", "text"),
            ("SmsSid", "SM11111111111111111111111111111111"),
            ("WaId", "9779812345678"),
            ("SmsStatus", "received"),
            ("Body", "RICE-1KG x 10"),
            ("To", "whatsapp:+14155238886"),
            ("NumSegments", "1"),
            ("ReferralNumMedia", "0"),
            ("MessageSid", "SM11111111111111111111111111111111"),
            ("AccountSid", "AC00000000000000000000000000000000"),
            ("From", "whatsapp:+9779812345678"),
            ("ApiVersion", "2010-04-01"),
            ("SomeFieldTwilioAddsNextYear", "whatever"),
        ])
    }

    #[test]
    fn an_inbound_text_is_read_with_numbers_in_e164() {
        let msg = inbound(&text_message()).unwrap().unwrap();
        assert_eq!(msg.provider, Provider::Twilio);
        assert_eq!(
            msg.provider_message_id,
            "SM11111111111111111111111111111111"
        );
        assert_eq!(msg.from, "+9779812345678");
        assert_eq!(msg.to.as_deref(), Some("+14155238886"));
        assert_eq!(msg.body, "RICE-1KG x 10");
        assert_eq!(msg.profile_name.as_deref(), Some("Ram Kirana"));
        assert_eq!(msg.kind, InboundKind::Text);
        assert_eq!(msg.at, None);
    }

    #[test]
    fn a_button_reply_gives_its_payload_as_body_and_keeps_the_title() {
        let mut p = text_message();
        p.retain(|(k, _)| k != "Body" && k != "MessageType");
        p.extend(params(&[
            ("Body", "Confirm"),
            ("MessageType", "button"),
            ("ButtonText", "Confirm"),
            ("ButtonPayload", "CONFIRM ORD2611250007"),
        ]));
        let msg = inbound(&p).unwrap().unwrap();
        assert_eq!(msg.body, "CONFIRM ORD2611250007");
        assert_eq!(
            msg.kind,
            InboundKind::Button {
                payload: "CONFIRM ORD2611250007".into(),
                title: "Confirm".into()
            }
        );
    }

    #[test]
    fn a_button_without_payload_uses_its_text() {
        let mut p = text_message();
        p.extend(params(&[("ButtonText", "CANCEL")]));
        let msg = inbound(&p).unwrap().unwrap();
        assert_eq!(msg.body, "CANCEL");
    }

    #[test]
    fn media_and_other_types_are_told_apart() {
        let mut p = text_message();
        p.retain(|(k, _)| k != "NumMedia" && k != "MessageType");
        p.extend(params(&[
            ("NumMedia", "1"),
            ("MediaUrl0", "https://api.twilio.com/x"),
        ]));
        assert_eq!(inbound(&p).unwrap().unwrap().kind, InboundKind::Media);
        let mut p = text_message();
        p.retain(|(k, _)| k != "MessageType");
        p.push(("MessageType".into(), "location".into()));
        assert_eq!(
            inbound(&p).unwrap().unwrap().kind,
            InboundKind::Other("location".into())
        );
    }

    #[test]
    fn a_message_without_sid_or_sender_is_an_error() {
        let mut p = text_message();
        p.retain(|(k, _)| k != "MessageSid");
        assert_eq!(inbound(&p), Err(ProviderError::Missing("MessageSid")));
        let mut p = text_message();
        p.retain(|(k, _)| k != "From");
        assert_eq!(inbound(&p), Err(ProviderError::Missing("From")));
        let mut p = text_message();
        p.retain(|(k, _)| k != "From");
        p.push(("From".into(), "whatsapp:someone".into()));
        assert_eq!(inbound(&p), Err(ProviderError::Invalid("From")));
    }

    fn callback(status: &str) -> Vec<(String, String)> {
        params(&[
            ("SmsSid", "SM22222222222222222222222222222222"),
            ("SmsStatus", status),
            ("MessageStatus", status),
            ("ChannelToAddress", "+9779812345XXX"),
            ("To", "whatsapp:+9779812345678"),
            ("MessageSid", "SM22222222222222222222222222222222"),
            ("AccountSid", "AC00000000000000000000000000000000"),
            ("From", "whatsapp:+14155238886"),
            ("ApiVersion", "2010-04-01"),
        ])
    }

    #[test]
    fn a_status_callback_is_not_an_inbound_message() {
        assert_eq!(inbound(&callback("delivered")), Ok(None));
        assert_eq!(status(&text_message()), None);
    }

    #[test]
    fn every_twilio_status_maps_to_a_delivery_state() {
        let cases = [
            ("queued", DeliveryStatus::Queued),
            ("sending", DeliveryStatus::Queued),
            ("sent", DeliveryStatus::Sent),
            ("delivered", DeliveryStatus::Delivered),
            ("read", DeliveryStatus::Read),
            ("failed", DeliveryStatus::Failed),
            ("undelivered", DeliveryStatus::Failed),
        ];
        for (raw, expected) in cases {
            let update = status(&callback(raw)).unwrap();
            assert_eq!(update.status, expected, "{raw}");
            assert_eq!(
                update.provider_message_id,
                "SM22222222222222222222222222222222"
            );
            assert_eq!(update.error, None);
        }
        assert_eq!(status(&callback("partially_delivered")), None);
    }

    #[test]
    fn a_failed_status_carries_the_error_code() {
        let mut p = callback("undelivered");
        p.push(("ErrorCode".into(), "63016".into()));
        let update = status(&p).unwrap();
        assert_eq!(update.status, DeliveryStatus::Failed);
        assert_eq!(update.error.as_deref(), Some("63016"));
        p.push((
            "ErrorMessage".into(),
            "Failed to send to +9779812345678".into(),
        ));
        let error = status(&p).unwrap().error.unwrap();
        assert!(error.starts_with("63016: Failed to send to +"), "{error}");
        assert!(!error.contains("9812345678"), "{error}");
    }
}
