//! WhatsApp settings: providers (Twilio, Meta), templates, and the conversation's rules.

use serde::{Deserialize, Serialize};

use crate::types::Secret;

/// WhatsApp providers and the conversation's rules. With no provider configured the built-in
/// simulator carries every message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WhatsAppConfig {
    /// The public base URL the providers call (e.g. https://khaacho.example.com.np), used to
    /// check Twilio's signatures.
    pub public_url: String,
    pub twilio: TwilioSettings,
    pub meta: MetaSettings,
    /// Minutes a preview waits for CONFIRM.
    pub preview_ttl_mins: u64,
    /// Messages one number may send per minute before it is throttled.
    pub messages_per_minute: u32,
    /// Attempts before an outgoing message is given up (dead).
    pub send_attempts: u32,
    /// First retry delay in seconds; each further attempt doubles it (capped at an hour).
    pub retry_base_secs: u64,
    /// pau, dharni, mana and pathi in metric units, e.g. `pau = "200 g"` in Kathmandu.
    pub traditional_units: crate::parsing::TraditionalUnits,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwilioSettings {
    pub account_sid: String,
    pub auth_token: Secret,
    /// The WhatsApp sender, `whatsapp:+14155238886` (a bare E.164 number is accepted too).
    pub from: String,
    pub api_base: String,
    /// Message kind → Content SID of the approved template sent outside the 24-hour window.
    pub templates: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetaSettings {
    pub phone_number_id: String,
    pub access_token: Secret,
    pub app_secret: Secret,
    pub verify_token: Secret,
    pub api_base: String,
    pub api_version: String,
    /// Message kind → approved template name sent outside the 24-hour window.
    pub templates: std::collections::BTreeMap<String, String>,
    pub template_language: String,
}

impl Default for WhatsAppConfig {
    fn default() -> Self {
        Self {
            public_url: String::new(),
            twilio: TwilioSettings::default(),
            meta: MetaSettings::default(),
            preview_ttl_mins: 10,
            messages_per_minute: 30,
            send_attempts: 8,
            retry_base_secs: 5,
            traditional_units: crate::parsing::TraditionalUnits::default(),
        }
    }
}

impl Default for TwilioSettings {
    fn default() -> Self {
        Self {
            account_sid: String::new(),
            auth_token: Secret::default(),
            from: String::new(),
            api_base: "https://api.twilio.com".into(),
            templates: Default::default(),
        }
    }
}

impl Default for MetaSettings {
    fn default() -> Self {
        Self {
            phone_number_id: String::new(),
            access_token: Secret::default(),
            app_secret: Secret::default(),
            verify_token: Secret::default(),
            api_base: "https://graph.facebook.com".into(),
            api_version: "v21.0".into(),
            templates: Default::default(),
            template_language: "en".into(),
        }
    }
}

impl WhatsAppConfig {
    pub fn twilio_enabled(&self) -> bool {
        !self.twilio.account_sid.is_empty()
            || !self.twilio.auth_token.is_empty()
            || !self.twilio.from.is_empty()
    }

    pub fn meta_enabled(&self) -> bool {
        !self.meta.phone_number_id.is_empty()
            || !self.meta.access_token.is_empty()
            || !self.meta.app_secret.is_empty()
    }

    pub(super) fn validate(&self, p: &mut Vec<String>) {
        self.check_providers(p);
        let url_ok =
            |u: &str| (u.starts_with("https://") || u.starts_with("http://")) && !u.ends_with('/');
        if (self.twilio_enabled() || self.meta_enabled()) && !url_ok(&self.public_url) {
            p.push("`whatsapp.public_url`: the public base URL the providers call is needed for signature checks; example: public_url = \"https://khaacho.example.com.np\"".into());
        }
        for (key, base) in [
            ("twilio.api_base", &self.twilio.api_base),
            ("meta.api_base", &self.meta.api_base),
        ] {
            if !url_ok(base) {
                p.push(format!("`whatsapp.{key}`: '{base}' is not a base URL; example: \"https://api.twilio.com\""));
            }
        }
        #[rustfmt::skip]
        let bounds: &[super::validate::Bound<'_>] = &[
            ("whatsapp.preview_ttl_mins", self.preview_ttl_mins, 1, 24 * 60, "10"),
            ("whatsapp.messages_per_minute", self.messages_per_minute.into(), 1, 10_000, "30"),
            ("whatsapp.send_attempts", self.send_attempts.into(), 1, 100, "8"),
            ("whatsapp.retry_base_secs", self.retry_base_secs, 1, 3600, "5"),
        ];
        super::validate::ranges(p, bounds);
    }

    /// A provider is either not configured at all or configured completely.
    fn check_providers(&self, p: &mut Vec<String>) {
        let t = &self.twilio;
        if self.twilio_enabled() {
            for (key, empty) in [
                ("account_sid", t.account_sid.is_empty()),
                ("auth_token", t.auth_token.is_empty()),
                ("from", t.from.is_empty()),
            ] {
                if empty {
                    p.push(format!("`whatsapp.twilio.{key}`: Twilio is partly configured; set account_sid, auth_token and from (KHAACHO_TWILIO_*)"));
                }
            }
        }
        let m = &self.meta;
        if self.meta_enabled() {
            for (key, empty) in [
                ("phone_number_id", m.phone_number_id.is_empty()),
                ("access_token", m.access_token.is_empty()),
                ("app_secret", m.app_secret.is_empty()),
                ("verify_token", m.verify_token.is_empty()),
            ] {
                if empty {
                    p.push(format!("`whatsapp.meta.{key}`: Meta is partly configured; set phone_number_id, access_token, app_secret and verify_token (KHAACHO_META_*)"));
                }
            }
        }
    }
}
