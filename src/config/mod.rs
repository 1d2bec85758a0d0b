//! Configuration: defaults, then `khaacho.toml` (in the data directory, or `--config PATH`),
//! then `KHAACHO_*` environment variables, then command-line flags.
//!
//! Everything is validated before serving, and every problem names the key, what is wrong and
//! an example. Secrets are `Secret` values: never shown by `Debug` or in logs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod cron;
mod env;
mod sections;
mod whatsapp;

pub use env::env_names;
use env::{ENV, env_value, set_path};
pub use sections::{
    AuthConfig, CreditConfig, HttpConfig, JobsConfig, LogConfig, OrdersConfig, RetentionConfig,
    ScoreWeights,
};
pub use whatsapp::{MetaSettings, TwilioSettings, WhatsAppConfig};

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
    pub retention: RetentionConfig,
    /// How vendors are scored and chosen; see `routing::Config` for every weight and threshold.
    pub routing: crate::routing::Config,
    pub whatsapp: WhatsAppConfig,
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
            retention: RetentionConfig::default(),
            routing: crate::routing::Config::default(),
            whatsapp: WhatsAppConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration is not valid:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

impl Config {
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
            ("jobs.retention", &self.jobs.retention),
        ] {
            if let Err(e) = cron::check(expr) {
                p.push(format!("`{key}`: {e}"));
            }
        }
        let r = &self.retention;
        range(
            p,
            "retention.messages_days",
            r.messages_days.into(),
            7,
            3650,
            "90",
        );
        range(
            p,
            "retention.dedupe_days",
            r.dedupe_days.into(),
            7,
            3650,
            "30",
        );
        if r.dedupe_days > r.messages_days {
            p.push("`retention.dedupe_days`: must not be above `retention.messages_days` (a webhook record is dated by its message)".into());
        }
        range(
            p,
            "retention.refresh_token_grace_days",
            r.refresh_token_grace_days.into(),
            0,
            365,
            "7",
        );
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
        if let Err(e) = crate::support::ratelimit::TrustedProxies::parse(&h.trusted_proxies) {
            p.push(format!(
                "`http.trusted_proxies`: {e}; example: [\"127.0.0.1\", \"10.0.0.0/8\"]"
            ));
        }
        range(
            &mut p,
            "http.requests_per_minute_per_token",
            h.requests_per_minute_per_token.into(),
            0,
            1_000_000,
            "6000",
        );
        range(
            &mut p,
            "http.requests_per_minute_per_address",
            h.requests_per_minute_per_address.into(),
            0,
            1_000_000,
            "12000",
        );
        range(
            &mut p,
            "auth.max_concurrent_hashes",
            self.auth.max_concurrent_hashes.into(),
            1,
            64,
            "2",
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

pub(crate) fn range(
    problems: &mut Vec<String>,
    key: &str,
    value: u64,
    min: u64,
    max: u64,
    example: &str,
) {
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
