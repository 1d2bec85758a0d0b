//! Checking a configuration: every number against its range (with an example to copy), every
//! text against its form, all problems reported at once.

use super::{Config, ConfigError, cron};

/// A numeric setting and its allowed range: key, value, minimum, maximum, an example value.
pub(super) type Bound<'a> = (&'a str, u64, u64, u64, &'a str);

impl Config {
    /// Checks every value and reports all problems at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Vec::new();
        if let Err(ConfigError(mut e)) = self.listen_addr() {
            p.append(&mut e);
        }
        self.check_auth(&mut p);
        self.check_http(&mut p);
        self.check_log(&mut p);
        self.check_orders_and_credit(&mut p);
        self.check_jobs_and_retention(&mut p);
        self.check_analytics(&mut p);
        self.whatsapp.validate(&mut p);
        if let Err(e) = self.routing.validate() {
            p.push(format!("`routing`: {e}"));
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(ConfigError(p))
        }
    }

    fn check_auth(&self, p: &mut Vec<String>) {
        let a = &self.auth;
        #[rustfmt::skip]
        let bounds: &[Bound<'_>] = &[
            ("auth.access_token_ttl_secs", a.access_token_ttl_secs, 60, 86_400, "3600"),
            ("auth.refresh_token_ttl_days", a.refresh_token_ttl_days, 1, 365, "30"),
            ("auth.login_failures_per_phone", a.login_failures_per_phone.into(), 1, 1000, "10"),
            ("auth.login_failure_window_secs", a.login_failure_window_secs, 1, 86_400, "900"),
            ("auth.login_attempts_per_ip", a.login_attempts_per_ip.into(), 1, 100_000, "60"),
            ("auth.login_ip_window_secs", a.login_ip_window_secs, 1, 86_400, "60"),
            ("auth.max_concurrent_hashes", a.max_concurrent_hashes.into(), 1, 64, "2"),
        ];
        ranges(p, bounds);
        if !a.jwt_secret.is_empty() && a.jwt_secret.expose().len() < 32 {
            p.push("`auth.jwt_secret`: must be at least 32 characters (or leave it empty to use the generated key file)".into());
        }
        if let Err(e) = crate::types::Msisdn::parse(&a.bootstrap_admin_phone) {
            p.push(format!("`auth.bootstrap_admin_phone`: {e}; example: bootstrap_admin_phone = \"+9779800000000\""));
        }
    }

    fn check_http(&self, p: &mut Vec<String>) {
        let h = &self.http;
        #[rustfmt::skip]
        let bounds: &[Bound<'_>] = &[
            ("http.body_limit_bytes", h.body_limit_bytes as u64, 1024, 64 * 1024 * 1024, "1048576"),
            ("http.request_timeout_secs", h.request_timeout_secs, 1, 3600, "30"),
            ("http.requests_per_minute_per_token", h.requests_per_minute_per_token.into(), 0, 1_000_000, "6000"),
            ("http.requests_per_minute_per_address", h.requests_per_minute_per_address.into(), 0, 1_000_000, "12000"),
        ];
        ranges(p, bounds);
        if let Err(e) = crate::support::ratelimit::TrustedProxies::parse(&h.trusted_proxies) {
            p.push(format!(
                "`http.trusted_proxies`: {e}; example: [\"127.0.0.1\", \"10.0.0.0/8\"]"
            ));
        }
        for origin in &h.cors_allowed_origins {
            let scheme = origin.starts_with("http://") || origin.starts_with("https://");
            if !scheme || origin.ends_with('/') {
                p.push(format!("`http.cors_allowed_origins`: '{origin}' is not an origin; example: [\"https://ops.example.com\"]"));
            }
        }
    }

    fn check_log(&self, p: &mut Vec<String>) {
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            p.push(format!(
                "`log.level`: '{}' is not a filter; example: level = \"info\"",
                self.log.level
            ));
        }
        #[rustfmt::skip]
        let bounds: &[Bound<'_>] = &[
            ("log.keep_days", self.log.keep_days as u64, 1, 3650, "14"),
        ];
        ranges(p, bounds);
    }

    fn check_orders_and_credit(&self, p: &mut Vec<String>) {
        let (o, c) = (&self.orders, &self.credit);
        #[rustfmt::skip]
        let bounds: &[Bound<'_>] = &[
            ("orders.vat_bps", o.vat_bps.into(), 0, 5000, "1300"),
            ("orders.default_commission_bps", o.default_commission_bps.into(), 0, 5000, "200"),
            ("orders.accept_within_mins", o.accept_within_mins, 1, 7 * 24 * 60, "30"),
            ("orders.max_lines", o.max_lines as u64, 1, 1000, "100"),
            ("orders.max_quantity", o.max_quantity.into(), 1, 1_000_000, "10000"),
            ("credit.default_terms_days", c.default_terms_days.into(), 0, 365, "30"),
            ("credit.block_overdue_after_days", c.block_overdue_after_days.max(0) as u64, 0, 3650, "30"),
            ("credit.utilization_alert_percent", c.utilization_alert_percent.into(), 1, 100, "80"),
            ("credit.score_drop_alert", c.score_drop_alert.into(), 1, 600, "50"),
        ];
        ranges(p, bounds);
        let b = &c.aging_buckets;
        if b.is_empty() || b[0] < 1 || b.windows(2).any(|w| w[0] >= w[1]) {
            p.push("`credit.aging_buckets`: must be increasing day counts from 1; example: aging_buckets = [30, 60, 90]".into());
        }
        let w = &c.score_weights;
        if w.timeliness + w.utilization + w.tenure + w.regularity + w.cancellations == 0 {
            p.push("`credit.score_weights`: at least one weight must be above zero; example: timeliness = 35".into());
        }
    }

    fn check_jobs_and_retention(&self, p: &mut Vec<String>) {
        for (key, expr) in [
            ("jobs.credit_refresh", &self.jobs.credit_refresh),
            ("jobs.analytics", &self.jobs.analytics),
            ("jobs.deadlines", &self.jobs.deadlines),
            ("jobs.retention", &self.jobs.retention),
        ] {
            if let Err(e) = cron::check(expr) {
                p.push(format!("`{key}`: {e}"));
            }
        }
        let r = &self.retention;
        #[rustfmt::skip]
        let bounds: &[Bound<'_>] = &[
            ("retention.messages_days", r.messages_days.into(), 7, 3650, "90"),
            ("retention.dedupe_days", r.dedupe_days.into(), 7, 3650, "30"),
            ("retention.refresh_token_grace_days", r.refresh_token_grace_days.into(), 0, 365, "7"),
            ("retention.routing_days", r.routing_days.into(), 7, 3650, "90"),
            ("retention.idempotency_days", r.idempotency_days.into(), 1, 3650, "30"),
        ];
        ranges(p, bounds);
        if r.dedupe_days > r.messages_days {
            p.push("`retention.dedupe_days`: must not be above `retention.messages_days` (a webhook record is dated by its message)".into());
        }
    }
}

impl Config {
    fn check_analytics(&self, p: &mut Vec<String>) {
        let a = &self.analytics;
        #[rustfmt::skip]
        let bounds: &[Bound<'_>] = &[
            ("analytics.churn_medium_percent", a.churn_medium_percent.into(), 1, 100, "80"),
            ("analytics.churn_high_percent", a.churn_high_percent.into(), 1, 100, "95"),
            ("analytics.churn_min_gaps", a.churn_min_gaps.into(), 1, 1000, "4"),
            ("analytics.nudge_every_days", a.nudge_every_days.into(), 1, 365, "7"),
            ("analytics.price_z_tenths", a.price_z_tenths.into(), 10, 1000, "35"),
            ("analytics.price_min_change_percent", a.price_min_change_percent.into(), 0, 1000, "10"),
            ("analytics.price_history_min", a.price_history_min.into(), 2, 1000, "5"),
            ("analytics.price_fallback_percent", a.price_fallback_percent.into(), 1, 1000, "25"),
            ("analytics.credit_raise_score", a.credit_raise_score.into(), 300, 900, "750"),
            ("analytics.credit_raise_use_percent", a.credit_raise_use_percent.into(), 1, 100, "70"),
            ("analytics.credit_lower_score", a.credit_lower_score.into(), 300, 900, "500"),
            ("analytics.credit_lower_overdue_days", a.credit_lower_overdue_days.into(), 1, 3650, "30"),
            ("analytics.vendor_window_days", a.vendor_window_days.into(), 7, 365, "30"),
            ("analytics.vendor_min_orders", a.vendor_min_orders.into(), 1, 100_000, "10"),
            ("analytics.vendor_warn_fill_percent", a.vendor_warn_fill_percent.into(), 1, 100, "85"),
            ("analytics.vendor_warn_cancel_percent", a.vendor_warn_cancel_percent.into(), 1, 100, "15"),
            ("analytics.vendor_promote_fill_percent", a.vendor_promote_fill_percent.into(), 1, 100, "98"),
            ("analytics.vendor_promote_on_time_percent", a.vendor_promote_on_time_percent.into(), 1, 100, "95"),
            ("analytics.renegotiate_above_median_percent", a.renegotiate_above_median_percent.into(), 1, 1000, "10"),
            ("analytics.reorder_cover_days", a.reorder_cover_days.into(), 1, 365, "3"),
        ];
        ranges(p, bounds);
        if a.churn_medium_percent > a.churn_high_percent {
            p.push("`analytics.churn_medium_percent`: must not be above `analytics.churn_high_percent`".into());
        }
        let r = &self.region;
        if r.is_empty()
            || r.len() > 64
            || !r
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            p.push(
                "`region`: 1 to 64 letters, digits, '-' or '_'; example: region = \"gandaki-1\""
                    .into(),
            );
        }
    }
}

/// Each value outside its range is a problem naming the range and an example to copy.
pub(super) fn ranges(p: &mut Vec<String>, bounds: &[Bound<'_>]) {
    for &(key, value, min, max, example) in bounds {
        if !(min..=max).contains(&value) {
            p.push(format!(
                "`{key}`: must be between {min} and {max} (got {value}); example: {} = {example}",
                key.rsplit('.').next().unwrap_or(key)
            ));
        }
    }
}
