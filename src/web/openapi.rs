//! Makes the OpenAPI document tell the whole truth: every operation lists the answers every
//! route can give besides its own (a malformed body or query, a missing or bad token, a body
//! too large or of the wrong type, a rule broken, a rate limit, a timeout), each with the one
//! error body, so a client (and schemathesis) knows every status it may meet.

use utoipa::ToSchema;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ComponentsBuilder, ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Every error answer: `{"error": {"code", "message", "details"}}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong: a stable snake_case code, a sentence for people, and details (the field,
/// the bound, the current state) for programs.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    code: String,
    message: String,
    #[schema(value_type = Object)]
    details: serde_json::Value,
}

/// Adds the common answers to every operation and the error body to every error answer.
pub fn complete(doc: &mut OpenApi) {
    let components = doc.components.take().unwrap_or_default();
    doc.components = Some(
        ComponentsBuilder::from(components)
            .schema_from::<ErrorBody>()
            .schema_from::<ErrorDetail>()
            .build(),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        let webhook = path.starts_with("/webhooks/");
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.put,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(op, has_id, webhook);
        }
    }
}

fn complete_operation(op: &mut Operation, has_id: bool, webhook: bool) {
    let common = common_answers(op, has_id, webhook);
    let responses = &mut op.responses.responses;
    for (status, description) in common {
        responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(description));
    }
    for (status, response) in responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if let RefOr::T(r) = response
            && is_error
            && r.content.is_empty()
        {
            let description = if r.description.is_empty() {
                "refused"
            } else {
                r.description.as_str()
            };
            *response = error_response(description);
        }
    }
}

/// The answers any operation of this kind can give, with what each means.
fn common_answers(
    op: &Operation,
    has_id: bool,
    webhook: bool,
) -> Vec<(&'static str, &'static str)> {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut common: Vec<(&'static str, &'static str)> = vec![
        (
            "400",
            "the request could not be read (malformed JSON, query or path)",
        ),
        ("408", "the request took too long"),
        (
            "429",
            "too many requests; `Retry-After` says when to try again",
        ),
    ];
    if secured {
        common.push(("401", "missing, invalid or expired token"));
        common.push((
            "403",
            "not allowed for this caller (or the password must be changed first)",
        ));
    }
    if has_id {
        common.push(("404", "no such resource, or not the caller's to see"));
    }
    if has_body {
        common.push(("404", "a record the body refers to does not exist"));
        common.push((
            "409",
            "a rule refuses it as it stands (`rule_broken`, with the field)",
        ));
        common.push(("413", "the body is too large"));
        common.push(("415", "the body is not JSON"));
    }
    if has_body || has_params {
        common.push((
            "422",
            "well-formed but invalid: a missing field, a wrong type, a bound or rule broken",
        ));
    }
    if webhook {
        common.push(("404", "this provider is not configured"));
    }
    common
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// The document as served: `complete` plus what only JSON can say simply. Unsigned integers
/// get their real upper bound (utoipa writes them as signed `int64`/`int32`, whose bounds
/// are narrower than what the server takes), and the order bounds come from configuration.
pub fn to_json(mut doc: OpenApi, max_lines: usize, max_quantity: u32) -> String {
    complete(&mut doc);
    let mut json = serde_json::to_value(&doc).unwrap_or_default();
    unsigned_bounds(&mut json);
    let schemas = &mut json["components"]["schemas"];
    if let Some(q) = schemas.pointer_mut("/LineInput/properties/quantity") {
        q["maximum"] = max_quantity.into();
    }
    if let Some(l) = schemas.pointer_mut("/CreateOrder/properties/lines") {
        l["maxItems"] = max_lines.into();
    }
    for p in json["paths"]["/api/v1/orders"]["get"]["parameters"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if matches!(p["name"].as_str(), Some("from" | "to")) {
            p["schema"] = serde_json::json!({"oneOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"}
            ]});
        }
    }
    let schemas = &mut json["components"]["schemas"];
    for product in ["CreateProduct", "UpdateProduct"] {
        if let Some(a) = schemas.pointer_mut(&format!("/{product}/properties/aliases")) {
            a["items"] = serde_json::json!({"type": "string", "maxLength": 100, "pattern": TEXT});
        }
    }
    json.to_string()
}

/// Text that is not blank and holds no control characters.
const TEXT: &str = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";

fn unsigned_bounds(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            let unsigned = map
                .get("minimum")
                .and_then(|m| m.as_f64())
                .is_some_and(|m| m >= 0.0);
            let max = match map.get("format").and_then(|f| f.as_str()) {
                Some("int64") if unsigned => Some(serde_json::Value::from(u64::MAX)),
                Some("int32") if unsigned => Some(serde_json::Value::from(u32::MAX)),
                _ => None,
            };
            if let Some(max) = max {
                map.remove("format");
                map.entry("maximum").or_insert(max);
            }
            for child in map.values_mut() {
                unsigned_bounds(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(unsigned_bounds),
        _ => {}
    }
}
