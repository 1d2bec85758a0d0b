//! The domain services of one running Khaacho, built once at start and shared by the web
//! layer, the control socket and the jobs. Opening it opens the database, loads the demo data
//! into a new one, and prepares the signing keys.

use std::sync::Arc;

use crate::audit::Actor;
use crate::auth::{AuthService, NewUser, TokenKeys};
use crate::catalog::{Catalog, CatalogService};
use crate::config::{Config, ConfigError};
use crate::credit::CreditService;
use crate::messaging::dead_letters::{self, RetryError};
use crate::messaging::outbox::{Message, Status};
use crate::orders::OrderService;
use crate::storage::{self, Store, StoreError};
use crate::support::clock::Clock;
use crate::types::{Msisdn, Role};
use crate::whatsapp::WhatsApp;
use crate::whatsapp::sender::Sender;

/// The handle on every domain service. Its fields are private: callers reach a service
/// through its accessor and the database only through the services, so no caller can write
/// around a service's checks or its locks.
pub struct Services {
    config: Config,
    store: Store,
    clock: Arc<dyn Clock>,
    auth: AuthService,
    /// The catalog with its search index, always in step with the database.
    catalog: Catalog,
    orders: OrderService,
    credit: CreditService,
    analytics: crate::analytics::AnalyticsService,
    whatsapp: WhatsApp,
    sender: Arc<Sender>,
    /// Records the walking jobs skipped, for `/metrics`.
    job_skips: Arc<crate::support::telemetry::JobSkips>,
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
    /// The effective configuration (read-only).
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn auth(&self) -> &AuthService {
        &self.auth
    }

    /// The catalog with its search index.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn orders(&self) -> &OrderService {
        &self.orders
    }

    pub fn analytics(&self) -> &crate::analytics::AnalyticsService {
        &self.analytics
    }

    pub fn credit(&self) -> &CreditService {
        &self.credit
    }

    pub fn whatsapp(&self) -> &WhatsApp {
        &self.whatsapp
    }

    /// The outbox sender (delivers queued messages through the providers).
    pub fn sender(&self) -> &Arc<Sender> {
        &self.sender
    }

    pub fn job_skips(&self) -> &Arc<crate::support::telemetry::JobSkips> {
        &self.job_skips
    }

    /// The database, for the application's own wiring (backups, checks, retention, the
    /// owner's commands); the web layer and the domains never get it from here.
    pub(in crate::app) fn store(&self) -> &Store {
        &self.store
    }

    /// The schema version of the open database (read, so a broken file shows).
    pub async fn schema_version(&self) -> Result<u64, StoreError> {
        self.store
            .read(|tx| Ok::<_, StoreError>(storage::meta_get(tx, "schema_version")?.unwrap_or(0)))
            .await
    }

    /// The single writer's figures, for `/metrics`.
    pub fn store_stats(&self) -> &storage::writer::WriterStats {
        self.store.stats()
    }

    /// The audit log, newest first.
    pub async fn audit_log(
        &self,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<crate::support::page::Page<crate::audit::AuditEntry>, StoreError> {
        self.store
            .read(move |tx| crate::audit::list(tx, cursor, limit))
            .await
    }

    /// WhatsApp messages in and out, newest first (`phone` narrows to one conversation).
    pub async fn messages(
        &self,
        phone: Option<Msisdn>,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<crate::support::page::Page<Message>, StoreError> {
        crate::whatsapp::sender::list(&self.store, phone, cursor, limit).await
    }

    /// Outgoing messages newest first, of one status (`dead` for the dead letters) or all.
    pub async fn outbox(
        &self,
        status: Option<Status>,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<crate::support::page::Page<Message>, StoreError> {
        self.store
            .read(move |tx| dead_letters::list_outgoing(tx, status, cursor, limit))
            .await
    }

    /// Sends a dead or failed outgoing message again (see [`crate::whatsapp::resend`]) and
    /// wakes the sender.
    pub async fn retry_message(&self, actor: Actor, id: u64) -> Result<Message, RetryError> {
        let now = self.clock.now();
        let message = self
            .store
            .write(move |tx| crate::whatsapp::resend::retry(tx, &actor, id, now))
            .await?;
        self.whatsapp.outbox_signal().notify_one();
        Ok(message)
    }

    /// The database, for tests that must look at or damage the file itself.
    #[doc(hidden)]
    pub fn store_for_tests(&self) -> &Store {
        &self.store
    }

    /// Opens the database in the configured data directory (loading the demo data into a new
    /// one when asked), then builds every service on it.
    pub async fn open(
        config: Config,
        clock: Arc<dyn Clock>,
        load_demo: bool,
    ) -> Result<(Arc<Services>, Startup), StartError> {
        let (store, startup) = open_store(&config, &clock, load_demo).await?;
        let svc = Services::build(config, store, clock).await?;
        Ok((Arc::new(svc), startup))
    }

    /// Every service, on one store and one clock.
    async fn build(
        config: Config,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let keys = TokenKeys::load_or_create(&config.data_dir, Some(&config.auth.jwt_secret))?;
        let auth = AuthService::new(store.clone(), clock.clone(), keys, config.auth.clone())?;
        let catalog = Catalog::open(
            CatalogService::new(store.clone(), clock.clone()),
            store.clone(),
            Some(config.data_dir.join("search")),
        )
        .await
        .map_err(|e| StartError::Io(format!("search index: {e}")))?;
        let (order_rules, credit_rules) = (
            crate::orders::Rules::from_config(&config),
            crate::credit::Rules::from_config(&config.credit),
        );
        let orders = OrderService::new(
            store.clone(),
            clock.clone(),
            order_rules.clone(),
            credit_rules.clone(),
        );
        let terms = config.credit.default_terms_days;
        let credit = CreditService::new(store.clone(), clock.clone(), credit_rules.clone(), terms);
        let analytics =
            crate::analytics::AnalyticsService::new(store.clone(), clock.clone(), &config);
        let whatsapp = WhatsApp::new(
            store.clone(),
            clock.clone(),
            catalog.matcher(),
            order_rules,
            credit_rules,
            config.whatsapp.clone(),
        );
        let job_skips = Arc::new(crate::support::telemetry::JobSkips::default());
        let sender = Arc::new(Sender::new(
            store.clone(),
            clock.clone(),
            http_client()?,
            config.whatsapp.clone(),
            whatsapp.outbox_signal(),
            job_skips.clone(),
        ));
        Ok(Services {
            config,
            store,
            clock,
            auth,
            catalog,
            orders,
            credit,
            analytics,
            whatsapp,
            sender,
            job_skips,
        })
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
        match self.auth.create_user(&Actor::System, new).await {
            Ok(_) => Ok(Some((phone, password))),
            Err(crate::auth::AuthError::PhoneTaken(p)) => Err(StartError::Io(format!(
                "no active admin exists and {p} (auth.bootstrap_admin_phone) belongs to another user; \
                 create an admin with `khaacho create-user --role admin`"
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

/// Opens (or creates) the database; a new one gets the demo data when `load_demo`.
async fn open_store(
    config: &Config,
    clock: &Arc<dyn Clock>,
    load_demo: bool,
) -> Result<(Store, Startup), StartError> {
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
    Ok((store, startup))
}

/// The client every provider call goes through: short connect, bounded whole request.
fn http_client() -> Result<reqwest::Client, StartError> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| StartError::Io(format!("HTTP client: {e}")))
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
