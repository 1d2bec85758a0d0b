//! What we send to Twilio and Meta, checked field by field against local stub servers, and how
//! their answers (ids, refusals, silence) come back to the caller.

use std::time::Duration;

use base64::Engine as _;
use khaacho::whatsapp::providers::{
    MetaConfig, SendError, TWILIO_MAX_CHARS, TwilioConfig, meta, split_text, twilio,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token";
const PHONE_NUMBER_ID: &str = "106540352242922";
const ACCESS_TOKEN: &str = "EAAG-meta-access-token";
const RETAILER: &str = "+9779812345678";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn twilio_cfg(api_base: &str) -> TwilioConfig {
    TwilioConfig {
        account_sid: SID.into(),
        auth_token: TOKEN.into(),
        from: "whatsapp:+14155238886".into(),
        api_base: api_base.into(),
        public_url: "https://khaacho.example.com".into(),
        status_callback: None,
    }
}

fn meta_cfg(api_base: &str) -> MetaConfig {
    MetaConfig {
        phone_number_id: PHONE_NUMBER_ID.into(),
        access_token: ACCESS_TOKEN.into(),
        app_secret: "app-secret".into(),
        verify_token: "verify".into(),
        api_base: api_base.into(),
        api_version: "v21.0".into(),
    }
}

fn twilio_path() -> String {
    format!("/2010-04-01/Accounts/{SID}/Messages.json")
}

fn meta_path() -> String {
    format!("/v21.0/{PHONE_NUMBER_ID}/messages")
}

/// The single request the stub received.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request expected");
    requests.remove(0)
}

fn form_of(request: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&request.body).unwrap()
}

fn header_of<'a>(request: &'a Request, name: &str) -> &'a str {
    request.headers.get(name).unwrap().to_str().unwrap()
}

/// A stub answering every POST on `at` with `status` and `body`.
async fn stub(at: String, status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// A base URL nobody listens on: bound, then released.
fn closed_base() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn assert_retryable(result: Result<String, SendError>, status: Option<u16>) {
    let error = result.unwrap_err();
    assert!(error.retryable, "{error:?}");
    assert_eq!(error.status, status);
}

// ---- Twilio -------------------------------------------------------------------------------

#[tokio::test]
async fn a_twilio_text_is_a_form_post_with_basic_auth_to_the_accounts_messages_url() {
    let server = stub(
        twilio_path(),
        201,
        json!({"sid": "SM0123", "status": "queued", "new": 1}),
    )
    .await;
    let sid = twilio::send(
        &http(),
        &twilio_cfg(&server.uri()),
        RETAILER,
        "चिनी 10 kg & more",
    )
    .await
    .unwrap();
    assert_eq!(sid, "SM0123");

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), twilio_path());
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"));
    assert_eq!(
        header_of(&request, "authorization"),
        format!("Basic {basic}")
    );
    assert_eq!(
        header_of(&request, "content-type"),
        "application/x-www-form-urlencoded"
    );
    let form = form_of(&request);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("From"), Some("whatsapp:+14155238886"));
    assert_eq!(field("To"), Some("whatsapp:+9779812345678"));
    assert_eq!(field("Body"), Some("चिनी 10 kg & more"));
    assert_eq!(form.len(), 3, "{form:?}");
}

#[tokio::test]
async fn a_bare_sender_and_a_whatsapp_prefixed_recipient_are_both_accepted() {
    let server = stub(twilio_path(), 201, json!({"sid": "SM1"})).await;
    let cfg = TwilioConfig {
        from: "+14155238886".into(),
        status_callback: Some("https://khaacho.example.com/webhooks/twilio".into()),
        ..twilio_cfg(&server.uri())
    };
    twilio::send(&http(), &cfg, "whatsapp:+9779812345678", "hi")
        .await
        .unwrap();
    let form = form_of(&only_request(&server).await);
    assert!(form.contains(&("From".into(), "whatsapp:+14155238886".into())));
    assert!(form.contains(&("To".into(), "whatsapp:+9779812345678".into())));
    assert!(form.contains(&(
        "StatusCallback".into(),
        "https://khaacho.example.com/webhooks/twilio".into()
    )));
}

#[tokio::test]
async fn a_twilio_template_sends_content_sid_and_numbered_variables_without_a_body() {
    let server = stub(twilio_path(), 201, json!({"sid": "SM2"})).await;
    let vars = vec!["ORD2611250007".to_owned(), "रु 1,250.00".to_owned()];
    let sid = twilio::send_template(
        &http(),
        &twilio_cfg(&server.uri()),
        RETAILER,
        "HX0123",
        &vars,
    )
    .await
    .unwrap();
    assert_eq!(sid, "SM2");
    let form = form_of(&only_request(&server).await);
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(field("ContentSid").as_deref(), Some("HX0123"));
    let variables: Value = serde_json::from_str(&field("ContentVariables").unwrap()).unwrap();
    assert_eq!(variables, json!({"1": "ORD2611250007", "2": "रु 1,250.00"}));
    assert_eq!(field("Body"), None);
}

#[tokio::test]
async fn twilio_429_and_5xx_are_retryable() {
    for status in [429, 500, 503] {
        let body = json!({"code": 20429, "message": "Too Many Requests", "status": status});
        let server = stub(twilio_path(), status, body).await;
        let result = twilio::send(&http(), &twilio_cfg(&server.uri()), RETAILER, "hi").await;
        assert_retryable(result, Some(status));
    }
}

#[tokio::test]
async fn a_twilio_400_for_an_invalid_number_is_final_and_the_number_is_masked() {
    let body = json!({
        "code": 21211,
        "message": "Invalid 'To' Phone Number: whatsapp:+9779812345678",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400
    });
    let server = stub(twilio_path(), 400, body).await;
    let error = twilio::send(&http(), &twilio_cfg(&server.uri()), RETAILER, "hi")
        .await
        .unwrap_err();
    assert!(!error.retryable);
    assert_eq!(error.status, Some(400));
    assert_eq!(error.code, Some(21211));
    assert!(error.message.contains("21211"), "{}", error.message);
    assert!(!error.message.contains("9812345678"), "{}", error.message);
}

#[tokio::test]
async fn a_twilio_401_is_final() {
    let server = stub(
        twilio_path(),
        401,
        json!({"code": 20003, "message": "Authenticate"}),
    )
    .await;
    let error = twilio::send(&http(), &twilio_cfg(&server.uri()), RETAILER, "hi")
        .await
        .unwrap_err();
    assert!(!error.retryable);
    assert_eq!(error.code, Some(20003));
}

#[tokio::test]
async fn a_twilio_success_without_a_sid_is_reported_and_not_retried() {
    let server = stub(twilio_path(), 201, json!({"status": "queued"})).await;
    let error = twilio::send(&http(), &twilio_cfg(&server.uri()), RETAILER, "hi")
        .await
        .unwrap_err();
    assert!(!error.retryable);
    assert_eq!(error.status, Some(201));
}

#[tokio::test]
async fn an_unreachable_twilio_is_retryable_without_a_status() {
    let result = twilio::send(&http(), &twilio_cfg(&closed_base()), RETAILER, "hi").await;
    assert_retryable(result, None);
}

#[tokio::test]
async fn a_body_over_the_limit_or_a_bad_number_is_refused_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let cfg = twilio_cfg(&server.uri());
    let long = "a".repeat(TWILIO_MAX_CHARS + 1);
    for (to, body) in [
        (RETAILER, long.as_str()),
        ("not-a-number", "hi"),
        (RETAILER, "  "),
    ] {
        let error = twilio::send(&http(), &cfg, to, body).await.unwrap_err();
        assert!(!error.retryable);
        assert_eq!(error.status, None);
    }
}

#[tokio::test]
async fn a_long_text_split_for_twilio_goes_out_as_parts_within_the_limit() {
    let server = stub(twilio_path(), 201, json!({"sid": "SMpart"})).await;
    let cfg = twilio_cfg(&server.uri());
    let text = "RICE-1KG x 10 @ रु 1,250.00 चामल 😀\n".repeat(150);
    let parts = split_text(&text, TWILIO_MAX_CHARS);
    assert!(parts.len() >= 3);
    for part in &parts {
        twilio::send(&http(), &cfg, RETAILER, part).await.unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), parts.len());
    for (request, part) in requests.iter().zip(&parts) {
        let form = form_of(request);
        let body = &form.iter().find(|(k, _)| k == "Body").unwrap().1;
        assert_eq!(body, part);
        assert!(body.encode_utf16().count() <= TWILIO_MAX_CHARS);
    }
}

// ---- Meta ---------------------------------------------------------------------------------

fn meta_ok() -> Value {
    json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": "9779812345678", "wa_id": "9779812345678"}],
        "messages": [{"id": "wamid.HBgLOTc3OTgxMjM0NTY3OBUCABEYEjQ=", "message_status": "accepted"}]
    })
}

#[tokio::test]
async fn a_meta_text_is_a_json_post_with_a_bearer_token_to_the_phone_number_messages_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(meta_path()))
        .and(header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(meta_ok()))
        .expect(1)
        .mount(&server)
        .await;
    let wamid = meta::send(
        &http(),
        &meta_cfg(&server.uri()),
        RETAILER,
        "चिनी १० किलो 😀",
    )
    .await
    .unwrap();
    assert_eq!(wamid, "wamid.HBgLOTc3OTgxMjM0NTY3OBUCABEYEjQ=");

    let request = only_request(&server).await;
    assert_eq!(request.url.path(), meta_path());
    assert_eq!(header_of(&request, "content-type"), "application/json");
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({
            "messaging_product": "whatsapp",
            "to": "9779812345678",
            "type": "text",
            "text": {"body": "चिनी १० किलो 😀"}
        })
    );
}

#[tokio::test]
async fn a_meta_template_names_its_language_and_body_parameters() {
    let server = stub(meta_path(), 200, meta_ok()).await;
    let params = vec!["ORD2611250007".to_owned(), "रु 1,250.00".to_owned()];
    meta::send_template(
        &http(),
        &meta_cfg(&server.uri()),
        RETAILER,
        "order_update",
        "ne",
        &params,
    )
    .await
    .unwrap();
    let body: Value = serde_json::from_slice(&only_request(&server).await.body).unwrap();
    assert_eq!(
        body,
        json!({
            "messaging_product": "whatsapp",
            "to": "9779812345678",
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"code": "ne"},
                "components": [{
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "ORD2611250007"},
                        {"type": "text", "text": "रु 1,250.00"}
                    ]
                }]
            }
        })
    );
}

#[tokio::test]
async fn a_meta_template_without_parameters_has_no_components() {
    let server = stub(meta_path(), 200, meta_ok()).await;
    meta::send_template(
        &http(),
        &meta_cfg(&server.uri()),
        RETAILER,
        "hello_world",
        "en_US",
        &[],
    )
    .await
    .unwrap();
    let body: Value = serde_json::from_slice(&only_request(&server).await.body).unwrap();
    assert_eq!(
        body["template"],
        json!({"name": "hello_world", "language": {"code": "en_US"}})
    );
}

fn graph_error(code: i64) -> Value {
    json!({"error": {
        "message": "(#131026) Message undeliverable to 9779812345678",
        "type": "OAuthException", "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": "x"},
        "fbtrace_id": "AbC"
    }})
}

#[tokio::test]
async fn meta_429_and_5xx_are_retryable() {
    for status in [429, 500, 502] {
        let server = stub(meta_path(), status, graph_error(4)).await;
        let result = meta::send(&http(), &meta_cfg(&server.uri()), RETAILER, "hi").await;
        assert_retryable(result, Some(status));
    }
}

#[tokio::test]
async fn a_meta_400_is_final_unless_its_code_means_slow_down() {
    let server = stub(meta_path(), 400, graph_error(131026)).await;
    let error = meta::send(&http(), &meta_cfg(&server.uri()), RETAILER, "hi")
        .await
        .unwrap_err();
    assert!(!error.retryable);
    assert_eq!((error.status, error.code), (Some(400), Some(131026)));
    assert!(!error.message.contains("9812345678"), "{}", error.message);

    let server = stub(meta_path(), 400, graph_error(130429)).await;
    let result = meta::send(&http(), &meta_cfg(&server.uri()), RETAILER, "hi").await;
    assert_retryable(result, Some(400));
}

#[tokio::test]
async fn a_meta_answer_without_a_message_id_is_reported_and_not_retried() {
    for body in [
        json!({"messages": []}),
        json!({"messages": null}),
        json!("ok"),
    ] {
        let server = stub(meta_path(), 200, body).await;
        let error = meta::send(&http(), &meta_cfg(&server.uri()), RETAILER, "hi")
            .await
            .unwrap_err();
        assert!(!error.retryable);
    }
}

#[tokio::test]
async fn a_meta_that_does_not_answer_in_time_is_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let result = meta::send(&impatient, &meta_cfg(&server.uri()), RETAILER, "hi").await;
    assert_retryable(result, None);
}

#[tokio::test]
async fn an_unreachable_meta_is_retryable() {
    let result = meta::send(&http(), &meta_cfg(&closed_base()), RETAILER, "hi").await;
    assert_retryable(result, None);
}

#[tokio::test]
async fn a_phone_number_id_that_would_change_the_path_is_refused_locally() {
    let server = MockServer::start().await;
    let cfg = MetaConfig {
        phone_number_id: "../../me".into(),
        ..meta_cfg(&server.uri())
    };
    let error = meta::send(&http(), &cfg, RETAILER, "hi").await.unwrap_err();
    assert!(!error.retryable);
    assert!(server.received_requests().await.unwrap().is_empty());
}
