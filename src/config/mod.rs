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
mod validate;
mod whatsapp;

pub use env::env_names;
use env::{ENV, env_value, set_path};
pub use sections::{
    AnalyticsConfig, AuthConfig, CreditConfig, HttpConfig, JobsConfig, LogConfig, OrdersConfig,
    RetentionConfig, ScoreWeights,
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
    /// This box's region, written in every row it exports (the national roll-up groups by it).
    pub region: String,
    pub analytics: AnalyticsConfig,
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
            region: "default".into(),
            analytics: AnalyticsConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration is not valid:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

impl Config {
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

    /// The effective configuration as the admin's settings screen shows it: every value, the
    /// data directory included, with each secret as `"[hidden]"` when set and null when not.
    /// Secrets are [`Secret`](crate::types::Secret) values and that is how the type
    /// serialises, so a secret added later is hidden without a change here.
    pub fn redacted_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut shown = serde_json::to_value(self)?;
        if let Some(map) = shown.as_object_mut() {
            let dir = self.data_dir.display().to_string();
            map.insert("data_dir".into(), dir.into());
        }
        Ok(shown)
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| {
            ConfigError(vec![format!(
                "`listen`: '{}' is not an address; example: listen = \"127.0.0.1:3000\"",
                self.listen
            )])
        })
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

    #[test]
    fn the_settings_shown_to_admins_hide_every_secret() {
        let secrets = [
            ("KHAACHO_JWT_SECRET", "jwt-secret-value-0123456789abcdef"),
            ("KHAACHO_TWILIO_AUTH_TOKEN", "twilio-auth-token-value"),
            ("KHAACHO_META_ACCESS_TOKEN", "meta-access-token-value"),
            ("KHAACHO_META_APP_SECRET", "meta-app-secret-value"),
            ("KHAACHO_META_VERIFY_TOKEN", "meta-verify-token-value"),
        ];
        let providers = [
            ("KHAACHO_TWILIO_ACCOUNT_SID", "AC0123"),
            ("KHAACHO_TWILIO_FROM", "whatsapp:+14155238886"),
            ("KHAACHO_META_PHONE_NUMBER_ID", "1234567"),
            ("KHAACHO_PUBLIC_URL", "https://khaacho.example.com.np"),
        ];
        let env: Vec<_> = secrets.iter().chain(&providers).copied().collect();
        let cfg = load(None, &env).unwrap();
        assert_eq!(cfg.whatsapp.meta.verify_token.expose(), secrets[4].1);
        let shown = cfg.redacted_json().unwrap();
        let text = shown.to_string();
        for (_, value) in secrets {
            assert!(!text.contains(value), "{value} shows in {text}");
        }
        assert_eq!(
            text.matches("\"[hidden]\"").count(),
            secrets.len(),
            "{text}"
        );
        assert_eq!(shown["auth"]["jwt_secret"], "[hidden]");
        assert_eq!(shown["whatsapp"]["meta"]["app_secret"], "[hidden]");
        assert_eq!(shown["whatsapp"]["twilio"]["account_sid"], "AC0123");
        let unset = load(None, &[]).unwrap().redacted_json().unwrap();
        assert!(unset["auth"]["jwt_secret"].is_null(), "{unset}");
        assert!(
            unset["whatsapp"]["twilio"]["auth_token"].is_null(),
            "{unset}"
        );
        assert!(unset["data_dir"].is_string(), "{unset}");
    }
}
