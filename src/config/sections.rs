//! The configuration sections other than WhatsApp, each with its documented defaults.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::types::Secret;

/// Schedules, as cron expressions with seconds, in Nepal time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Recompute every credit score and risk alert (02:00 every night).
    pub credit_refresh: String,
    /// Move orders whose vendor missed the acceptance deadline (every 30 seconds).
    pub deadlines: String,
    /// Delete personal data past its retention (03:30 every night).
    pub retention: String,
    /// Build the analytics facts of the days not yet built, up to yesterday (02:00).
    pub analytics: String,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            credit_refresh: "0 0 2 * * *".into(),
            deadlines: "*/30 * * * * *".into(),
            retention: "0 30 3 * * *".into(),
            analytics: "0 0 2 * * *".into(),
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
    pub score_weights: ScoreWeights,
}

impl Default for CreditConfig {
    fn default() -> Self {
        Self {
            default_terms_days: 30,
            block_overdue_after_days: 30,
            aging_buckets: vec![30, 60, 90],
            utilization_alert_percent: 80,
            score_drop_alert: 50,
            score_weights: ScoreWeights::default(),
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
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` / `Forwarded`
    /// header names the client. Empty: the connecting address is the client.
    pub trusted_proxies: Vec<String>,
    /// Requests one access token may make per minute (0: no limit), as a steady rate with
    /// the minute's worth as a burst. Webhooks are not counted (they are signed and
    /// deduplicated, and each WhatsApp number is throttled on its own).
    pub requests_per_minute_per_token: u32,
    /// Requests one client address (an IPv6 /64) may make per minute (0: no limit). The
    /// box's own loopback is not limited by address (behind a local proxy, list it in
    /// `trusted_proxies` so the forwarded address counts instead).
    pub requests_per_minute_per_address: u32,
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
    /// Password hashes (argon2, 19 MiB each) computed at once; more wait their turn.
    pub max_concurrent_hashes: u32,
    /// JWT signing secret; empty means the key file generated in the data directory.
    pub jwt_secret: Secret,
    /// Phone of the admin created on first start when none exists.
    pub bootstrap_admin_phone: String,
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
            trusted_proxies: Vec::new(),
            requests_per_minute_per_token: 6000,
            requests_per_minute_per_address: 12000,
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
            max_concurrent_hashes: 2,
            jwt_secret: Secret::default(),
            bootstrap_admin_phone: "+9779800000000".into(),
        }
    }
}

/// How long personal data is kept (message texts and phone numbers, webhook records, idle
/// conversations, expired refresh tokens), and routing decisions. Orders, the ledger and the
/// audit log are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days the WhatsApp message log (texts and phone numbers) and idle conversations are kept.
    pub messages_days: u32,
    /// Days a handled webhook's provider id is remembered to ignore redeliveries: at least 7
    /// (Meta retries for up to 7 days) and at most `messages_days`.
    pub dedupe_days: u32,
    /// Days an expired refresh token is kept (a late replay of a stolen one is still seen).
    pub refresh_token_grace_days: u32,
    /// Days an order's routing decisions (every candidate vendor with its scores: why this
    /// vendor) are kept. The order itself keeps its vendor for ever.
    pub routing_days: u32,
    /// Days an order request's `Idempotency-Key` is honoured: a retry with the same key within
    /// them answers with the orders it made; after them the key is forgotten.
    pub idempotency_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            messages_days: 90,
            dedupe_days: 30,
            refresh_token_grace_days: 7,
            routing_days: 90,
            idempotency_days: 30,
        }
    }
}

/// How much each part of a retailer's credit score counts (the parts are in `credit::score`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreWeights {
    pub timeliness: u32,
    pub utilization: u32,
    pub tenure: u32,
    pub regularity: u32,
    pub cancellations: u32,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        Self {
            timeliness: 35,
            utilization: 25,
            tenure: 10,
            regularity: 15,
            cancellations: 15,
        }
    }
}

/// Analytics: churn levels, reorder nudges, price alerts and the recommendation rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsConfig {
    /// Churn risk (share of the shop's own gaps shorter than its silence) from which a shop is
    /// at medium and at high risk, in percent.
    pub churn_medium_percent: u32,
    pub churn_high_percent: u32,
    /// Gaps between order days a shop needs before its rhythm is trusted.
    pub churn_min_gaps: u32,
    /// A shop gets at most one reorder nudge in this many days.
    pub nudge_every_days: u32,
    /// A price change is abnormal when the robust z-score of its log change against the
    /// product's own history is at least this (tenths: 35 = 3.5) ...
    pub price_z_tenths: u32,
    /// ... and the price moved by at least this many percent.
    pub price_min_change_percent: u32,
    /// Earlier changes of the product needed for a z-score; with fewer, only a move of
    /// `price_fallback_percent` or more is abnormal.
    pub price_history_min: u32,
    pub price_fallback_percent: u32,
    /// Recommend a higher limit for a shop scoring at least this and using at least
    /// `credit_raise_use_percent` of its limit with nothing overdue.
    pub credit_raise_score: u32,
    pub credit_raise_use_percent: u32,
    /// Recommend a lower limit for a shop scoring below this, or overdue past
    /// `credit_lower_overdue_days`.
    pub credit_lower_score: u32,
    pub credit_lower_overdue_days: u32,
    /// Vendors judged over the last this many days, with at least `vendor_min_orders` orders.
    pub vendor_window_days: u32,
    pub vendor_min_orders: u32,
    /// Warn about a vendor whose fill rate is below this, or whose cancellations are above
    /// `vendor_warn_cancel_percent`; promote one whose fill rate is at least
    /// `vendor_promote_fill_percent` and on-time rate at least `vendor_promote_on_time_percent`.
    pub vendor_warn_fill_percent: u32,
    pub vendor_warn_cancel_percent: u32,
    pub vendor_promote_fill_percent: u32,
    pub vendor_promote_on_time_percent: u32,
    /// Renegotiate a listing priced this many percent above the product's median.
    pub renegotiate_above_median_percent: u32,
    /// The restocking lead time in days: a listing whose stock is below its forecast demand
    /// over this many days is at high stock-out risk (alert and reorder recommendation).
    pub reorder_cover_days: u32,
    /// Where the nightly job writes each day's Parquet export (empty: DATA_DIR/exports).
    pub export_dir: String,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            churn_medium_percent: 80,
            churn_high_percent: 95,
            churn_min_gaps: 4,
            nudge_every_days: 7,
            price_z_tenths: 35,
            price_min_change_percent: 10,
            price_history_min: 5,
            price_fallback_percent: 25,
            credit_raise_score: 750,
            credit_raise_use_percent: 70,
            credit_lower_score: 500,
            credit_lower_overdue_days: 30,
            vendor_window_days: 30,
            vendor_min_orders: 10,
            vendor_warn_fill_percent: 85,
            vendor_warn_cancel_percent: 15,
            vendor_promote_fill_percent: 98,
            vendor_promote_on_time_percent: 95,
            renegotiate_above_median_percent: 10,
            reorder_cover_days: 3,
            export_dir: String::new(),
        }
    }
}
