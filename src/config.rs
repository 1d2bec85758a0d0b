//! Configuration: defaults, then `khaacho.toml` (in the data directory, or `--config PATH`),
//! then `KHAACHO_*` environment variables, then command-line flags.
//!
//! Everything is validated before serving, and every problem names the key, what is wrong and
//! an example. Secrets are `Secret` values: never shown by `Debug` or in logs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::types::Secret;

pub const CONFIG_FILE: &str = "khaacho.toml";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: String,
    #[serde(skip)]
    pub data_dir: PathBuf,
    pub log: LogConfig,
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub orders: OrdersConfig,
    pub credit: CreditConfig,
    pub jobs: JobsConfig,
    /// How vendors are scored and chosen; see `routing::Config` for every weight and threshold.
    pub routing: crate::routing::Config,
    pub whatsapp: WhatsAppConfig,
}

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

    fn validate(&self, p: &mut Vec<String>) {
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
        let url_ok =
            |u: &str| (u.starts_with("https://") || u.starts_with("http://")) && !u.ends_with('/');
        if (self.twilio_enabled() || self.meta_enabled()) && !url_ok(&self.public_url) {
            p.push("`whatsapp.public_url`: the public base URL the providers call is needed for signature checks; example: public_url = \"https://khaacho.example.com.np\"".into());
        }
        for (key, base) in [
            ("twilio.api_base", &t.api_base),
            ("meta.api_base", &m.api_base),
        ] {
            if !url_ok(base) {
                p.push(format!("`whatsapp.{key}`: '{base}' is not a base URL; example: \"https://api.twilio.com\""));
            }
        }
        range(
            p,
            "whatsapp.preview_ttl_mins",
            self.preview_ttl_mins,
            1,
            24 * 60,
            "10",
        );
        range(
            p,
            "whatsapp.messages_per_minute",
            self.messages_per_minute.into(),
            1,
            10_000,
            "30",
        );
        range(
            p,
            "whatsapp.send_attempts",
            self.send_attempts.into(),
            1,
            100,
            "8",
        );
        range(
            p,
            "whatsapp.retry_base_secs",
            self.retry_base_secs,
            1,
            3600,
            "5",
        );
    }
}

/// Schedules, as cron expressions with seconds, in Nepal time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Recompute every credit score and risk alert (02:00 every night).
    pub credit_refresh: String,
    /// Move orders whose vendor missed the acceptance deadline (every 30 seconds).
    pub deadlines: String,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            credit_refresh: "0 0 2 * * *".into(),
            deadlines: "*/30 * * * * *".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrdersConfig {
    /// VAT in basis points (1300 = 13 %), applied per line on the line subtotal.
    pub vat_bps: u32,
    /// Product categories sold without VAT (e.g. "Rice" where basic food is exempt).
    pub vat_exempt_categories: Vec<String>,
    /// Platform commission on a delivered order's subtotal, in basis points, for vendors
    /// without their own rate.
    pub default_commission_bps: u32,
    /// How long the chosen vendor has to accept, in minutes.
    pub accept_within_mins: u64,
    pub max_lines: usize,
    /// Most packs one line may ask for.
    pub max_quantity: u32,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        Self {
            vat_bps: 1300,
            vat_exempt_categories: Vec::new(),
            default_commission_bps: 200,
            accept_within_mins: 30,
            max_lines: 100,
            max_quantity: 10_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CreditConfig {
    /// Payment terms of a retailer created without its own.
    pub default_terms_days: u32,
    /// A retailer with a payment overdue by more than this many days cannot place orders.
    pub block_overdue_after_days: i64,
    /// Upper bounds (days past due) of the aging buckets; one more bucket takes the rest.
    pub aging_buckets: Vec<i64>,
    /// Raise an alert when more than this share of the limit is used.
    pub utilization_alert_percent: u32,
    /// Raise an alert when the score falls by at least this much at once.
    pub score_drop_alert: u32,
    pub score_weights: crate::credit::score::Weights,
}

impl Default for CreditConfig {
    fn default() -> Self {
        Self {
            default_terms_days: 30,
            block_overdue_after_days: 30,
            aging_buckets: vec![30, 60, 90],
            utilization_alert_percent: 80,
            score_drop_alert: 50,
            score_weights: crate::credit::score::Weights::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `khaacho=debug,tower_http=info`.
    pub level: String,
    /// JSON lines on stdout instead of human-readable lines.
    pub json: bool,
    /// Also write JSON logs to `DATA_DIR/logs/khaacho.log.YYYY-MM-DD` (daily rotation).
    pub file: bool,
    /// How many daily log files to keep.
    pub keep_days: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Requests running longer than this are answered 503.
    pub request_timeout_secs: u64,
    /// Browser origins allowed to call the API (CORS). Empty: none (same-origin only).
    pub cors_allowed_origins: Vec<String>,
    /// Serve the web UI from this directory instead of the embedded copy (UI development).
    pub assets_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: u64,
    /// Failed logins allowed per phone within `login_failure_window_secs`.
    pub login_failures_per_phone: u32,
    pub login_failure_window_secs: u64,
    /// Login attempts allowed per client IP within `login_ip_window_secs`.
    pub login_attempts_per_ip: u32,
    pub login_ip_window_secs: u64,
    /// JWT signing secret; empty means the key file generated in the data directory.
    pub jwt_secret: Secret,
    /// Phone of the admin created on first start when none exists.
    pub bootstrap_admin_phone: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:3000".into(),
            data_dir: PathBuf::from("data/state"),
            log: LogConfig::default(),
            http: HttpConfig::default(),
            auth: AuthConfig::default(),
            orders: OrdersConfig::default(),
            credit: CreditConfig::default(),
            jobs: JobsConfig::default(),
            routing: crate::routing::Config::default(),
            whatsapp: WhatsAppConfig::default(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            json: false,
            file: true,
            keep_days: 14,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            cors_allowed_origins: Vec::new(),
            assets_dir: None,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            access_token_ttl_secs: 3600,
            refresh_token_ttl_days: 30,
            login_failures_per_phone: 10,
            login_failure_window_secs: 15 * 60,
            login_attempts_per_ip: 60,
            login_ip_window_secs: 60,
            jwt_secret: Secret::default(),
            bootstrap_admin_phone: "+9779800000000".into(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Str,
    Int,
    Bool,
    List,
}

/// Environment variables and the keys they set.
const ENV: &[(&str, &str, Kind)] = &[
    ("KHAACHO_LISTEN", "listen", Kind::Str),
    ("KHAACHO_LOG", "log.level", Kind::Str),
    ("KHAACHO_LOG_JSON", "log.json", Kind::Bool),
    ("KHAACHO_LOG_FILE", "log.file", Kind::Bool),
    ("KHAACHO_LOG_KEEP_DAYS", "log.keep_days", Kind::Int),
    (
        "KHAACHO_BODY_LIMIT_BYTES",
        "http.body_limit_bytes",
        Kind::Int,
    ),
    (
        "KHAACHO_REQUEST_TIMEOUT_SECS",
        "http.request_timeout_secs",
        Kind::Int,
    ),
    (
        "KHAACHO_CORS_ALLOWED_ORIGINS",
        "http.cors_allowed_origins",
        Kind::List,
    ),
    (
        "KHAACHO_ACCESS_TOKEN_TTL_SECS",
        "auth.access_token_ttl_secs",
        Kind::Int,
    ),
    (
        "KHAACHO_REFRESH_TOKEN_TTL_DAYS",
        "auth.refresh_token_ttl_days",
        Kind::Int,
    ),
    (
        "KHAACHO_LOGIN_FAILURES_PER_PHONE",
        "auth.login_failures_per_phone",
        Kind::Int,
    ),
    (
        "KHAACHO_LOGIN_FAILURE_WINDOW_SECS",
        "auth.login_failure_window_secs",
        Kind::Int,
    ),
    (
        "KHAACHO_LOGIN_ATTEMPTS_PER_IP",
        "auth.login_attempts_per_ip",
        Kind::Int,
    ),
    (
        "KHAACHO_LOGIN_IP_WINDOW_SECS",
        "auth.login_ip_window_secs",
        Kind::Int,
    ),
    ("KHAACHO_JWT_SECRET", "auth.jwt_secret", Kind::Str),
    (
        "KHAACHO_BOOTSTRAP_ADMIN_PHONE",
        "auth.bootstrap_admin_phone",
        Kind::Str,
    ),
    ("KHAACHO_ASSETS_DIR", "http.assets_dir", Kind::Str),
    ("KHAACHO_VAT_BPS", "orders.vat_bps", Kind::Int),
    ("KHAACHO_PUBLIC_URL", "whatsapp.public_url", Kind::Str),
    (
        "KHAACHO_TWILIO_ACCOUNT_SID",
        "whatsapp.twilio.account_sid",
        Kind::Str,
    ),
    (
        "KHAACHO_TWILIO_AUTH_TOKEN",
        "whatsapp.twilio.auth_token",
        Kind::Str,
    ),
    ("KHAACHO_TWILIO_FROM", "whatsapp.twilio.from", Kind::Str),
    (
        "KHAACHO_TWILIO_API_BASE",
        "whatsapp.twilio.api_base",
        Kind::Str,
    ),
    (
        "KHAACHO_META_PHONE_NUMBER_ID",
        "whatsapp.meta.phone_number_id",
        Kind::Str,
    ),
    (
        "KHAACHO_META_ACCESS_TOKEN",
        "whatsapp.meta.access_token",
        Kind::Str,
    ),
    (
        "KHAACHO_META_APP_SECRET",
        "whatsapp.meta.app_secret",
        Kind::Str,
    ),
    (
        "KHAACHO_META_VERIFY_TOKEN",
        "whatsapp.meta.verify_token",
        Kind::Str,
    ),
    ("KHAACHO_META_API_BASE", "whatsapp.meta.api_base", Kind::Str),
    (
        "KHAACHO_DEFAULT_COMMISSION_BPS",
        "orders.default_commission_bps",
        Kind::Int,
    ),
    (
        "KHAACHO_ACCEPT_WITHIN_MINS",
        "orders.accept_within_mins",
        Kind::Int,
    ),
    (
        "KHAACHO_BLOCK_OVERDUE_AFTER_DAYS",
        "credit.block_overdue_after_days",
        Kind::Int,
    ),
];

/// Every environment variable the configuration reads, for `--help` and the README.
pub fn env_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    ENV.iter().map(|(name, key, _)| (*name, *key))
}

#[derive(Debug, thiserror::Error)]
#[error("configuration is not valid:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    /// The order rules this configuration sets.
    pub fn order_rules(&self) -> crate::orders::Rules {
        let o = &self.orders;
        crate::orders::Rules {
            vat_bps: o.vat_bps,
            vat_exempt_categories: o.vat_exempt_categories.clone(),
            default_commission_bps: o.default_commission_bps,
            accept_within: chrono::Duration::minutes(o.accept_within_mins as i64),
            block_overdue_after_days: self.credit.block_overdue_after_days,
            max_lines: o.max_lines,
            max_quantity: o.max_quantity,
            routing: self.routing.sanitized(),
        }
    }

    /// The credit rules this configuration sets.
    pub fn credit_rules(&self) -> crate::credit::Rules {
        let c = &self.credit;
        crate::credit::Rules {
            block_overdue_after_days: c.block_overdue_after_days,
            aging_buckets: c.aging_buckets.clone(),
            utilization_alert_percent: c.utilization_alert_percent,
            score_drop_alert: c.score_drop_alert,
            weights: c.score_weights.clone(),
        }
    }

    fn validate_business(&self, p: &mut Vec<String>) {
        let o = &self.orders;
        range(p, "orders.vat_bps", o.vat_bps.into(), 0, 5000, "1300");
        range(
            p,
            "orders.default_commission_bps",
            o.default_commission_bps.into(),
            0,
            5000,
            "200",
        );
        range(
            p,
            "orders.accept_within_mins",
            o.accept_within_mins,
            1,
            7 * 24 * 60,
            "30",
        );
        range(p, "orders.max_lines", o.max_lines as u64, 1, 1000, "100");
        range(
            p,
            "orders.max_quantity",
            o.max_quantity.into(),
            1,
            1_000_000,
            "10000",
        );
        let c = &self.credit;
        range(
            p,
            "credit.default_terms_days",
            c.default_terms_days.into(),
            0,
            365,
            "30",
        );
        range(
            p,
            "credit.block_overdue_after_days",
            c.block_overdue_after_days.max(0) as u64,
            0,
            3650,
            "30",
        );
        range(
            p,
            "credit.utilization_alert_percent",
            c.utilization_alert_percent.into(),
            1,
            100,
            "80",
        );
        range(
            p,
            "credit.score_drop_alert",
            c.score_drop_alert.into(),
            1,
            600,
            "50",
        );
        let b = &c.aging_buckets;
        if b.is_empty() || b[0] < 1 || b.windows(2).any(|w| w[0] >= w[1]) {
            p.push("`credit.aging_buckets`: must be increasing day counts from 1; example: aging_buckets = [30, 60, 90]".into());
        }
        for (key, expr) in [
            ("jobs.credit_refresh", &self.jobs.credit_refresh),
            ("jobs.deadlines", &self.jobs.deadlines),
        ] {
            if let Err(e) = crate::jobs::parse(expr) {
                p.push(format!("`{key}`: {e}"));
            }
        }
        self.whatsapp.validate(p);
        if let Err(e) = self.routing.validate() {
            p.push(format!("`routing`: {e}"));
        }
        let w = &c.score_weights;
        if w.timeliness + w.utilization + w.tenure + w.regularity + w.cancellations == 0 {
            p.push("`credit.score_weights`: at least one weight must be above zero; example: timeliness = 35".into());
        }
    }

    /// Loads the configuration for `data_dir`: defaults, the file, then `env`.
    pub fn load(
        data_dir: &Path,
        explicit_file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut table = read_file(data_dir, explicit_file)?;
        let mut problems = Vec::new();
        for (name, key, kind) in ENV {
            if let Some(raw) = env(name) {
                match env_value(&raw, *kind) {
                    Ok(v) => set_path(&mut table, key, v),
                    Err(why) => problems.push(format!("{name}: {why}")),
                }
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        let mut cfg: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(vec![e.message().to_string()]))?;
        cfg.data_dir = data_dir.to_path_buf();
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| {
            ConfigError(vec![format!(
                "`listen`: '{}' is not an address; example: listen = \"127.0.0.1:3000\"",
                self.listen
            )])
        })
    }

    /// Checks every value and reports all problems at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Vec::new();
        if let Err(ConfigError(mut e)) = self.listen_addr() {
            p.append(&mut e);
        }
        let a = &self.auth;
        range(
            &mut p,
            "auth.access_token_ttl_secs",
            a.access_token_ttl_secs,
            60,
            86_400,
            "3600",
        );
        range(
            &mut p,
            "auth.refresh_token_ttl_days",
            a.refresh_token_ttl_days,
            1,
            365,
            "30",
        );
        range(
            &mut p,
            "auth.login_failures_per_phone",
            a.login_failures_per_phone.into(),
            1,
            1000,
            "10",
        );
        range(
            &mut p,
            "auth.login_failure_window_secs",
            a.login_failure_window_secs,
            1,
            86_400,
            "900",
        );
        range(
            &mut p,
            "auth.login_attempts_per_ip",
            a.login_attempts_per_ip.into(),
            1,
            100_000,
            "60",
        );
        range(
            &mut p,
            "auth.login_ip_window_secs",
            a.login_ip_window_secs,
            1,
            86_400,
            "60",
        );
        if !a.jwt_secret.is_empty() && a.jwt_secret.expose().len() < 32 {
            p.push("`auth.jwt_secret`: must be at least 32 characters (or leave it empty to use the generated key file)".into());
        }
        if let Err(e) = crate::types::Msisdn::parse(&a.bootstrap_admin_phone) {
            p.push(format!("`auth.bootstrap_admin_phone`: {e}; example: bootstrap_admin_phone = \"+9779800000000\""));
        }
        let h = &self.http;
        range(
            &mut p,
            "http.body_limit_bytes",
            h.body_limit_bytes as u64,
            1024,
            64 * 1024 * 1024,
            "1048576",
        );
        range(
            &mut p,
            "http.request_timeout_secs",
            h.request_timeout_secs,
            1,
            3600,
            "30",
        );
        for origin in &h.cors_allowed_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.ends_with('/')
            {
                p.push(format!("`http.cors_allowed_origins`: '{origin}' is not an origin; example: [\"https://ops.example.com\"]"));
            }
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            p.push(format!(
                "`log.level`: '{}' is not a filter; example: level = \"info\"",
                self.log.level
            ));
        }
        range(
            &mut p,
            "log.keep_days",
            self.log.keep_days as u64,
            1,
            3650,
            "14",
        );
        self.validate_business(&mut p);
        if p.is_empty() {
            Ok(())
        } else {
            Err(ConfigError(p))
        }
    }
}

fn range(problems: &mut Vec<String>, key: &str, value: u64, min: u64, max: u64, example: &str) {
    if !(min..=max).contains(&value) {
        problems.push(format!(
            "`{key}`: must be between {min} and {max} (got {value}); example: {} = {example}",
            key.rsplit('.').next().unwrap_or(key)
        ));
    }
}

fn read_file(data_dir: &Path, explicit: Option<&Path>) -> Result<toml::Table, ConfigError> {
    let path = explicit.map_or_else(|| data_dir.join(CONFIG_FILE), Path::to_path_buf);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            return Ok(toml::Table::new());
        }
        Err(e) => return Err(ConfigError(vec![format!("{}: {e}", path.display())])),
    };
    text.parse::<toml::Table>()
        .map_err(|e| ConfigError(vec![format!("{}: {e}", path.display())]))
}

fn env_value(raw: &str, kind: Kind) -> Result<toml::Value, String> {
    match kind {
        Kind::Str => Ok(toml::Value::String(raw.to_string())),
        Kind::Int => raw
            .trim()
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| format!("'{raw}' is not a whole number")),
        Kind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(toml::Value::Boolean(true)),
            "0" | "false" | "no" | "off" => Ok(toml::Value::Boolean(false)),
            _ => Err(format!("'{raw}' is not true or false")),
        },
        Kind::List => Ok(toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        )),
    }
}

fn set_path(table: &mut toml::Table, dotted: &str, value: toml::Value) {
    let mut parts: Vec<&str> = dotted.split('.').collect();
    let last = parts.pop().expect("a key has at least one part");
    let mut t = table;
    for part in parts {
        let entry = t
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        t = entry.as_table_mut().expect("made a table above");
    }
    t.insert(last.to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: Option<&str>, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = file {
            std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
        }
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(dir.path(), None, &|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let cfg = load(None, &[]).unwrap();
        assert_eq!(cfg.listen, "127.0.0.1:3000");
        let cfg = load(
            Some("listen = \"0.0.0.0:8080\"\n[auth]\naccess_token_ttl_secs = 600\n"),
            &[],
        )
        .unwrap();
        assert_eq!(
            (cfg.listen.as_str(), cfg.auth.access_token_ttl_secs),
            ("0.0.0.0:8080", 600)
        );
        let cfg = load(
            Some("listen = \"0.0.0.0:8080\"\n"),
            &[
                ("KHAACHO_LISTEN", "127.0.0.1:9"),
                ("KHAACHO_CORS_ALLOWED_ORIGINS", "https://a.np, https://b.np"),
            ],
        )
        .unwrap();
        assert_eq!(cfg.listen, "127.0.0.1:9");
        assert_eq!(
            cfg.http.cors_allowed_origins,
            vec!["https://a.np", "https://b.np"]
        );
    }

    #[test]
    fn a_bad_value_names_the_key_and_gives_an_example() {
        let err = load(Some("[auth]\naccess_token_ttl_secs = 5\n"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("auth.access_token_ttl_secs") && err.contains("example"),
            "{err}"
        );
        let err = load(None, &[("KHAACHO_LOGIN_ATTEMPTS_PER_IP", "lots")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("KHAACHO_LOGIN_ATTEMPTS_PER_IP") && err.contains("whole number"),
            "{err}"
        );
        let err = load(Some("lisen = \"x\"\n"), &[]).unwrap_err().to_string();
        assert!(err.contains("lisen"), "{err}");
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let cfg = load(
            None,
            &[("KHAACHO_JWT_SECRET", "a-very-long-secret-value-0123456789")],
        )
        .unwrap();
        assert_eq!(
            cfg.auth.jwt_secret.expose(),
            "a-very-long-secret-value-0123456789"
        );
        assert!(!format!("{cfg:?}").contains("a-very-long-secret"));
    }
}
