//! `KHAACHO_*` environment variables: which key each sets and how its text is read.

#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Str,
    Int,
    Bool,
    List,
}

/// Environment variables and the keys they set.
pub(super) const ENV: &[(&str, &str, Kind)] = &[
    ("KHAACHO_LISTEN", "listen", Kind::Str),
    ("KHAACHO_REGION", "region", Kind::Str),
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
    (
        "KHAACHO_TRUSTED_PROXIES",
        "http.trusted_proxies",
        Kind::List,
    ),
    (
        "KHAACHO_REQUESTS_PER_MINUTE_PER_TOKEN",
        "http.requests_per_minute_per_token",
        Kind::Int,
    ),
    (
        "KHAACHO_REQUESTS_PER_MINUTE_PER_ADDRESS",
        "http.requests_per_minute_per_address",
        Kind::Int,
    ),
    (
        "KHAACHO_MAX_CONCURRENT_HASHES",
        "auth.max_concurrent_hashes",
        Kind::Int,
    ),
    ("KHAACHO_VAT_BPS", "orders.vat_bps", Kind::Int),
    (
        "KHAACHO_RETENTION_MESSAGES_DAYS",
        "retention.messages_days",
        Kind::Int,
    ),
    (
        "KHAACHO_RETENTION_DEDUPE_DAYS",
        "retention.dedupe_days",
        Kind::Int,
    ),
    (
        "KHAACHO_RETENTION_ROUTING_DAYS",
        "retention.routing_days",
        Kind::Int,
    ),
    (
        "KHAACHO_RETENTION_IDEMPOTENCY_DAYS",
        "retention.idempotency_days",
        Kind::Int,
    ),
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

pub(super) fn env_value(raw: &str, kind: Kind) -> Result<toml::Value, String> {
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

pub(super) fn set_path(table: &mut toml::Table, dotted: &str, value: toml::Value) {
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
