//! The simulator: staff send a message "from" a phone as if it came over WhatsApp, and see
//! what it caused. It goes through the same conversation as a real message.

use super::service::{Handled, Incoming, WhatsAppError};
use crate::messaging::outbox::Channel;
use crate::types::Msisdn;

/// The longest simulated message, as on WhatsApp.
pub const SIM_MAX_CHARS: usize = 4096;

/// A simulated message from `from`; `message_id` (at most 200 characters) makes a retry the
/// same message, else one is made up.
pub fn simulated(
    from: Msisdn,
    body: String,
    message_id: Option<String>,
) -> Result<Incoming, WhatsAppError> {
    if !(1..=SIM_MAX_CHARS).contains(&body.chars().count()) {
        return Err(WhatsAppError::Invalid {
            field: "body",
            message: format!("must be 1 to {SIM_MAX_CHARS} characters"),
        });
    }
    if let Some(id) = &message_id {
        crate::catalog::import::validate_text(id, 200, true).map_err(|message| {
            WhatsAppError::Invalid {
                field: "message_id",
                message,
            }
        })?;
    }
    let provider_id = message_id.unwrap_or_else(|| format!("sim-{:016x}", rand::random::<u64>()));
    Ok(Incoming {
        channel: Channel::Simulator,
        provider_id,
        from,
        body,
    })
}

impl Handled {
    /// What the message caused, as (to, body): for a message seen before, the replies it got
    /// then; else everything it queued or sent, to anyone.
    pub fn effects(self, from: &Msisdn) -> Vec<(String, String)> {
        if self.duplicate {
            self.replies
                .into_iter()
                .map(|body| (from.to_string(), body))
                .collect()
        } else {
            self.caused
        }
    }
}
