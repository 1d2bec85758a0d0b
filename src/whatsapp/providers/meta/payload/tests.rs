//! Notification payloads: the documented shapes, batches, and whatever else may arrive.

use serde_json::json;

use super::*;

fn read(value: serde_json::Value) -> (Vec<Inbound>, Vec<StatusUpdate>) {
    parse(value.to_string().as_bytes()).unwrap()
}

/// A notification with one change whose value is `value`, and unknown fields at every level.
fn notification(value: serde_json::Value) -> serde_json::Value {
    json!({
        "object": "whatsapp_business_account",
        "added_by_meta_later": {"nested": [1, 2, 3]},
        "entry": [{
            "id": "102290129340398",
            "time": 1_700_000_000,
            "changes": [{ "field": "messages", "value": value, "new_change_field": true }]
        }]
    })
}

fn value_with(messages: serde_json::Value) -> serde_json::Value {
    json!({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "15550001111",
            "phone_number_id": "106540352242922",
            "new_metadata_field": "x"
        },
        "contacts": [
            {"profile": {"name": "Ram Kirana", "new": 1}, "wa_id": "9779812345678", "user_id": "NP.1"},
            {"profile": {"name": "Sita Stores"}, "wa_id": "9779800000001"}
        ],
        "messages": messages
    })
}

fn text(id: &str, from: &str, body: &str) -> serde_json::Value {
    json!({
        "from": from, "id": id, "timestamp": "1700000123", "type": "text",
        "text": {"body": body, "new_text_field": null},
        "context": {"forwarded": true}, "brand_new_field": [{"a": 1}]
    })
}

#[test]
fn a_text_message_is_read_with_every_field() {
    let (inbound, statuses) = read(notification(value_with(json!([text(
        "wamid.A",
        "9779812345678",
        "चिनी १० किलो"
    )]))));
    assert!(statuses.is_empty());
    let m = &inbound[0];
    assert_eq!(m.provider, Provider::Meta);
    assert_eq!(m.provider_message_id, "wamid.A");
    assert_eq!(m.from, "+9779812345678");
    assert_eq!(m.to.as_deref(), Some("+15550001111"));
    assert_eq!(m.body, "चिनी १० किलो");
    assert_eq!(m.profile_name.as_deref(), Some("Ram Kirana"));
    assert_eq!(m.kind, InboundKind::Text);
    assert_eq!(m.at, Some(1_700_000_123));
}

#[test]
fn several_messages_in_one_post_are_all_read_in_order_with_their_own_names() {
    let (inbound, _) = read(notification(value_with(json!([
        text("wamid.1", "9779812345678", "RICE-1KG x 10"),
        text("wamid.2", "9779800000001", "CONFIRM"),
        text("wamid.3", "9779812345678", "STATUS"),
    ]))));
    let ids: Vec<_> = inbound
        .iter()
        .map(|m| m.provider_message_id.as_str())
        .collect();
    assert_eq!(ids, ["wamid.1", "wamid.2", "wamid.3"]);
    assert_eq!(inbound[1].profile_name.as_deref(), Some("Sita Stores"));
    assert_eq!(inbound[2].profile_name.as_deref(), Some("Ram Kirana"));
}

#[test]
fn several_entries_and_changes_are_all_read() {
    let change = |id: &str| json!({"field": "messages", "value": value_with(json!([text(id, "9779812345678", "hi")]))});
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [change("wamid.a"), change("wamid.b")]},
            {"id": "2", "changes": [change("wamid.c")]}
        ]
    });
    let (inbound, _) = read(body);
    assert_eq!(inbound.len(), 3);
    assert_eq!(inbound[2].provider_message_id, "wamid.c");
}

#[test]
fn an_interactive_button_reply_gives_its_id() {
    let msg = json!({
        "from": "9779812345678", "id": "wamid.B", "timestamp": "1700000200", "type": "interactive",
        "context": {"from": "15550001111", "id": "wamid.OURS"},
        "interactive": {"type": "button_reply", "button_reply": {"id": "CONFIRM:ORD2611250007", "title": "Confirm"}}
    });
    let (inbound, _) = read(notification(value_with(json!([msg]))));
    assert_eq!(inbound[0].body, "CONFIRM:ORD2611250007");
    assert_eq!(
        inbound[0].kind,
        InboundKind::Button {
            payload: "CONFIRM:ORD2611250007".into(),
            title: "Confirm".into()
        }
    );
}

#[test]
fn a_list_reply_and_a_template_quick_reply_are_buttons_too() {
    let list = json!({
        "from": "9779812345678", "id": "wamid.L", "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": "row-2", "title": "Sugar 1kg", "description": "x"}}
    });
    let quick = json!({
        "from": "9779812345678", "id": "wamid.Q", "type": "button",
        "button": {"payload": "ACCEPT ORD2611250007", "text": "Accept"}
    });
    let untitled = json!({"from": "9779812345678", "id": "wamid.U", "type": "button", "button": {"text": "HELP"}});
    let (inbound, _) = read(notification(value_with(json!([list, quick, untitled]))));
    assert_eq!(inbound[0].body, "row-2");
    assert_eq!(inbound[1].body, "ACCEPT ORD2611250007");
    assert_eq!(
        inbound[1].kind,
        InboundKind::Button {
            payload: "ACCEPT ORD2611250007".into(),
            title: "Accept".into()
        }
    );
    assert_eq!(inbound[2].body, "HELP");
}

#[test]
fn media_keeps_its_caption_and_other_types_are_named() {
    let image = json!({
        "from": "9779812345678", "id": "wamid.I", "type": "image",
        "image": {"caption": "bill", "mime_type": "image/jpeg", "sha256": "x", "id": "media-1"}
    });
    let audio = json!({"from": "9779812345678", "id": "wamid.V", "type": "audio", "audio": {"id": "m2", "voice": true}});
    let location = json!({"from": "9779812345678", "id": "wamid.G", "type": "location", "location": {"latitude": 27.7, "longitude": 85.3}});
    let unsupported = json!({"from": "9779812345678", "id": "wamid.X", "type": "unsupported", "errors": [{"code": 131051}]});
    let (inbound, _) = read(notification(value_with(json!([
        image,
        audio,
        location,
        unsupported
    ]))));
    assert_eq!(
        (inbound[0].kind.clone(), inbound[0].body.as_str()),
        (InboundKind::Media, "bill")
    );
    assert_eq!(
        (inbound[1].kind.clone(), inbound[1].body.as_str()),
        (InboundKind::Media, "")
    );
    assert_eq!(inbound[2].kind, InboundKind::Other("location".into()));
    assert_eq!(inbound[3].kind, InboundKind::Other("unsupported".into()));
}

#[test]
fn statuses_are_read_with_their_errors() {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1"},
        "statuses": [
            {"id": "wamid.S1", "status": "sent", "timestamp": "1", "recipient_id": "9779812345678",
             "conversation": {"id": "c", "origin": {"type": "utility"}}, "pricing": {"billable": true}},
            {"id": "wamid.S1", "status": "delivered", "timestamp": "2", "recipient_id": "9779812345678"},
            {"id": "wamid.S1", "status": "read", "timestamp": "3", "recipient_id": "9779812345678"},
            {"id": "wamid.S2", "status": "failed", "timestamp": "4", "recipient_id": "9779812345678",
             "errors": [{"code": 131047, "title": "Re-engagement message", "message": "x",
                         "error_data": {"details": "more than 24 hours"}}]},
            {"id": "wamid.S3", "status": "deleted", "timestamp": "5", "recipient_id": "9779812345678"}
        ]
    });
    let (inbound, statuses) = read(notification(value));
    assert!(inbound.is_empty());
    let seen: Vec<_> = statuses
        .iter()
        .map(|s| (s.provider_message_id.as_str(), s.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("wamid.S1", DeliveryStatus::Sent),
            ("wamid.S1", DeliveryStatus::Delivered),
            ("wamid.S1", DeliveryStatus::Read),
            ("wamid.S2", DeliveryStatus::Failed),
        ]
    );
    assert_eq!(
        statuses[3].error.as_deref(),
        Some("131047: Re-engagement message")
    );
    assert_eq!(statuses[0].error, None);
}

#[test]
fn messages_and_statuses_can_share_one_post() {
    let mut value = value_with(json!([text("wamid.M", "9779812345678", "BALANCE")]));
    value["statuses"] = json!([{"id": "wamid.OURS", "status": "delivered"}]);
    let (inbound, statuses) = read(notification(value));
    assert_eq!((inbound.len(), statuses.len()), (1, 1));
}

#[test]
fn other_fields_other_objects_and_nulls_are_skipped_not_refused() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{"changes": [
            {"field": "message_template_status_update", "value": {"event": "APPROVED", "messages": "not a list"}},
            {"field": "messages", "value": null},
            {"field": "messages", "value": {"messages": null, "contacts": null, "statuses": null}}
        ]}, {"changes": null}]
    });
    assert_eq!(read(body), (vec![], vec![]));
    assert_eq!(
        read(json!({"object": "page", "entry": [{"changes": "anything"}]})),
        (vec![], vec![])
    );
    assert_eq!(read(json!({})), (vec![], vec![]));
}

#[test]
fn a_message_without_id_or_with_a_bad_sender_is_an_error() {
    let no_id = json!({"from": "9779812345678", "type": "text", "text": {"body": "x"}});
    assert_eq!(
        parse(
            notification(value_with(json!([no_id])))
                .to_string()
                .as_bytes()
        ),
        Err(ProviderError::Missing("messages.id"))
    );
    let bad_from = text("wamid.Z", "not-a-number", "x");
    assert_eq!(
        parse(
            notification(value_with(json!([bad_from])))
                .to_string()
                .as_bytes()
        ),
        Err(ProviderError::Invalid("messages.from"))
    );
    let status_without_id = json!({"statuses": [{"status": "read"}]});
    assert_eq!(
        parse(notification(status_without_id).to_string().as_bytes()),
        Err(ProviderError::Missing("statuses.id"))
    );
}

/// The shape of Meta's business-scoped user id example: no `from`, no `wa_id`, a `user_id`.
#[test]
fn a_message_from_a_username_only_sender_is_skipped_and_the_rest_read() {
    let hidden = json!({
        "from_user_id": "NP.1502576394655843", "id": "wamid.H", "timestamp": "1", "type": "text",
        "text": {"body": "hello"}
    });
    let value = json!({
        "metadata": {"display_phone_number": "15550001111"},
        "contacts": [{"profile": {"name": "R", "username": "@ram"}, "user_id": "NP.1502576394655843"}],
        "messages": [hidden, text("wamid.OK", "9779812345678", "BALANCE")]
    });
    let (inbound, _) = read(notification(value));
    let ids: Vec<_> = inbound
        .iter()
        .map(|m| m.provider_message_id.as_str())
        .collect();
    assert_eq!(ids, ["wamid.OK"]);
}

#[test]
fn a_numeric_timestamp_is_read_and_a_bad_one_ignored() {
    let mut m = text("wamid.T", "9779812345678", "x");
    m["timestamp"] = json!(1_700_000_999);
    let mut bad = text("wamid.U", "9779812345678", "x");
    bad["timestamp"] = json!("soon");
    let (inbound, _) = read(notification(value_with(json!([m, bad]))));
    assert_eq!((inbound[0].at, inbound[1].at), (Some(1_700_000_999), None));
}

#[test]
fn invalid_utf8_and_garbage_are_errors_and_the_message_quotes_no_content() {
    assert_eq!(
        parse(b"{\"object\":\"\xff\"}"),
        Err(ProviderError::InvalidUtf8)
    );
    let garbage = vec![b'x'; 64 * 1024];
    assert!(matches!(parse(&garbage), Err(ProviderError::Malformed(_))));
    let wrong_type = br#"{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"w","from":"9779812345678","text":"secret words"}]}}]}]}"#;
    let Err(ProviderError::Malformed(why)) = parse(wrong_type) else {
        panic!("expected malformed");
    };
    assert!(!why.contains("secret"), "{why}");
    for bad in [
        &b""[..],
        b"null",
        b"[]",
        b"\"str\"",
        b"{\"entry\": 5}",
        b"{\"entry\":[{\"changes\":[1]}]}",
    ] {
        assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn a_64_kib_body_of_real_messages_parses_and_an_oversized_one_is_refused() {
    let many: Vec<_> = (0..400)
        .map(|i| text(&format!("wamid.{i}"), "9779812345678", &"क".repeat(40)))
        .collect();
    let body = notification(value_with(json!(many))).to_string();
    assert!(body.len() > 64 * 1024);
    assert_eq!(parse(body.as_bytes()).unwrap().0.len(), 400);
    let huge = vec![b' '; MAX_PAYLOAD_BYTES + 1];
    assert_eq!(
        parse(&huge),
        Err(ProviderError::TooLarge {
            limit: MAX_PAYLOAD_BYTES
        })
    );
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse(deep.as_bytes()).is_err());
    let deep_in_value = format!(
        r#"{{"entry":[{{"changes":[{{"field":"messages","value":{}1{}}}]}}]}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    assert!(parse(deep_in_value.as_bytes()).is_err());
}
