//! The domain services of one running Khaacho, built once at start and shared by the web
//! layer, the control socket and the jobs. Opening it opens the database, loads the demo data
//! into a new one, and prepares the signing keys.

use std::sync::Arc;

use crate::auth::{AuthService, NewUser, TokenKeys};
use crate::catalog::{Catalog, CatalogService};
use crate::config::{Config, ConfigError};
use crate::credit::CreditService;
use crate::orders::OrderService;
use crate::storage::{self, Store, StoreError};
use crate::support::clock::Clock;
use crate::types::{Msisdn, Role};
use crate::whatsapp::WhatsApp;
use crate::whatsapp::sender::Sender;

pub struct Services {
    pub config: Config,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthService,
    /// The catalog with its search index, always in step with the database.
    pub catalog: Catalog,
    pub orders: OrderService,
    pub credit: CreditService,
    pub whatsapp: WhatsApp,
    pub sender: Arc<Sender>,
    /// Records the walking jobs skipped, for `/metrics`.
    pub job_skips: Arc<crate::support::telemetry::JobSkips>,
}

/// What happened while opening.
#[derive(Debug, Default)]
pub struct Startup {
    pub created: bool,
    pub demo: Option<crate::app::demo::Report>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error(transparent)]
    Demo(#[from] crate::app::demo::DemoError),
}

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> Self {
        StartError::Io(e.to_string())
    }
}

impl Services {
    pub async fn open(
        config: Config,
        clock: Arc<dyn Clock>,
        load_demo: bool,
    ) -> Result<(Arc<Services>, Startup), StartError> {
        prepare_data_dir(&config.data_dir)?;
        let db_path = config.data_dir.join(storage::DB_FILE);
        let opened = tokio::task::spawn_blocking(move || Store::open(&db_path))
            .await
            .map_err(|e| StartError::Io(e.to_string()))??;
        let store = opened.store;
        let mut startup = Startup {
            created: opened.created,
            demo: None,
        };
        if opened.created && load_demo {
            let now = clock.now();
            let report = store
                .write(move |tx| crate::app::demo::load(tx, now))
                .await?;
            tracing::info!(?report, "loaded the demo data set");
            startup.demo = Some(report);
        }
        let keys = TokenKeys::load_or_create(&config.data_dir, Some(&config.auth.jwt_secret))?;
        let auth = AuthService::new(store.clone(), clock.clone(), keys, config.auth.clone())?;
        let catalog = Catalog::open(
            CatalogService::new(store.clone(), clock.clone()),
            store.clone(),
            Some(config.data_dir.join("search")),
        )
        .await
        .map_err(|e| StartError::Io(format!("search index: {e}")))?;
        let orders = OrderService::new(
            store.clone(),
            clock.clone(),
            crate::orders::Rules::from_config(&config),
            crate::credit::Rules::from_config(&config.credit),
        );
        let credit = CreditService::new(
            store.clone(),
            clock.clone(),
            crate::credit::Rules::from_config(&config.credit),
            config.credit.default_terms_days,
        );
        let whatsapp = WhatsApp::new(
            store.clone(),
            clock.clone(),
            catalog.matcher(),
            crate::orders::Rules::from_config(&config),
            crate::credit::Rules::from_config(&config.credit),
            config.whatsapp.clone(),
        );
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| StartError::Io(format!("HTTP client: {e}")))?;
        let job_skips = Arc::new(crate::support::telemetry::JobSkips::default());
        let sender = Arc::new(Sender::new(
            store.clone(),
            clock.clone(),
            http,
            config.whatsapp.clone(),
            whatsapp.outbox_ready.clone(),
            job_skips.clone(),
        ));
        let svc = Services {
            config,
            store,
            clock,
            auth,
            catalog,
            orders,
            credit,
            whatsapp,
            sender,
            job_skips,
        };
        Ok((Arc::new(svc), startup))
    }

    /// Creates the first admin with a random password when no active admin exists.
    /// Returns the phone and the password, to be shown once.
    pub async fn ensure_admin(&self) -> Result<Option<(Msisdn, String)>, StartError> {
        if self.store.read(crate::auth::store::has_admin).await? {
            return Ok(None);
        }
        let phone = Msisdn::parse(&self.config.auth.bootstrap_admin_phone)
            .map_err(|e| StartError::Io(format!("auth.bootstrap_admin_phone: {e}")))?;
        let password = random_password();
        let new = NewUser {
            phone: phone.clone(),
            name: "Administrator".into(),
            email: None,
            role: Role::Admin,
            password: password.clone(),
            must_change_password: true,
        };
        match self
            .auth
            .create_user(&crate::audit::Actor::System, new)
            .await
        {
            Ok(_) => Ok(Some((phone, password))),
            Err(crate::auth::AuthError::PhoneTaken(p)) => Err(StartError::Io(format!(
                "no active admin exists and {p} (auth.bootstrap_admin_phone) belongs to another user; \
                 create an admin with `khaacho create-user --role admin`"
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

fn prepare_data_dir(dir: &std::path::Path) -> Result<(), StartError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).map_err(|e| {
        StartError::Io(format!(
            "cannot create data directory {}: {e}",
            dir.display()
        ))
    })?;
    let mode = std::fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 != 0 {
        // The directory holds personal data and keys: keep it to the service's user.
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// 20 characters from an alphabet without look-alikes (about 115 bits).
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
