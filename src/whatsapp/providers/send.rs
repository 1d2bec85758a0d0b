//! The HTTP round trip both providers share: send a built request, read a bounded answer,
//! and turn failures into a [`SendError`] that says whether a retry may help.
//!
//! Error messages are built from the provider's code and text with phone numbers masked;
//! reqwest's own error text is not used, as it can quote the request URL.

use super::SendError;
use super::phone::mask_digit_runs;

/// Providers answer a send with a few hundred bytes; a longer answer is cut here so a broken
/// or hostile endpoint cannot make us buffer without end.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The most of a provider's error text kept in a [`SendError`] message.
const MAX_MESSAGE_CHARS: usize = 300;

/// A provider's answer: HTTP status and (at most [`MAX_ANSWER_BYTES`] of) the body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends the request and reads the answer. Only failing to get an answer is an `Err` here;
/// reading a 4xx or 5xx answer is the provider module's job.
pub(crate) async fn execute(request: reqwest::RequestBuilder) -> Result<Answer, SendError> {
    let mut response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    // A body that breaks off mid-way is read as far as it came; the caller then finds it
    // unreadable and reports that, with the status it did get.
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ANSWER_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_ANSWER_BYTES {
            break;
        }
    }
    Ok(Answer { status, body })
}

/// No answer at all. Timeouts and refused connections are worth retrying (the outbox retries
/// at least once, so a send that timed out after reaching the provider may arrive twice); a
/// request that could not even be built (a bad `api_base`) is not.
fn transport_error(error: reqwest::Error) -> SendError {
    let (retryable, what) = if error.is_builder() {
        (false, "request could not be built (check api_base)")
    } else if error.is_timeout() {
        (true, "provider did not answer in time")
    } else if error.is_connect() {
        (true, "could not connect to provider")
    } else {
        (true, "request to provider failed")
    };
    SendError {
        retryable,
        status: None,
        code: None,
        message: what.to_owned(),
    }
}

/// Whether a retry may help, from the HTTP status alone: 429 and every 5xx.
pub(crate) fn retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// A refused send: HTTP status, the provider's code and its text, numbers masked.
pub(crate) fn refused(status: u16, code: Option<i64>, text: &str, retryable: bool) -> SendError {
    let mut message = format!("HTTP {status}");
    if let Some(code) = code {
        message.push_str(&format!(", code {code}"));
    }
    let text = text.trim();
    if !text.is_empty() {
        message.push_str(": ");
        message.extend(mask_digit_runs(text).chars().take(MAX_MESSAGE_CHARS));
    }
    SendError {
        retryable,
        status: Some(status),
        code,
        message,
    }
}

/// A 2xx answer we cannot read an id from. Not retryable: the provider may well have sent the
/// message, and sending it again could deliver it twice.
pub(crate) fn unreadable_success(status: u16) -> SendError {
    SendError {
        retryable: false,
        status: Some(status),
        code: None,
        message: format!("HTTP {status} but no message id in the answer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_429_and_5xx_statuses_are_retryable() {
        for status in [429, 500, 502, 503, 504, 599] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 409, 422, 600] {
            assert!(!retryable_status(status), "{status}");
        }
    }

    #[test]
    fn a_refusal_message_masks_the_number_and_keeps_the_code() {
        let e = refused(
            400,
            Some(21211),
            "Invalid 'To' Phone Number: +97798XXXX5678",
            false,
        );
        assert_eq!(e.status, Some(400));
        assert_eq!(e.code, Some(21211));
        assert!(!e.retryable);
        assert!(
            e.message.starts_with("HTTP 400, code 21211: "),
            "{}",
            e.message
        );
        let e = refused(400, None, "number 9779812345678 refused", false);
        assert!(!e.message.contains("9812345678"), "{}", e.message);
    }

    #[test]
    fn a_long_refusal_text_is_cut() {
        let e = refused(500, None, &"x".repeat(10_000), true);
        assert!(e.message.chars().count() <= MAX_MESSAGE_CHARS + 10);
    }
}
