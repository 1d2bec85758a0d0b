//! Building and running the server: services, router, listener (port 0 in tests), the control
//! socket, and graceful shutdown (in-flight requests finish on SIGTERM or Ctrl-C).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::app::control;
use crate::app::services::{Services, StartError, Startup};
use crate::config::Config;
use crate::support::clock::{Clock, SystemClock};
use crate::support::telemetry::Metrics;
use crate::types::Msisdn;

/// What every handler can reach; cheap to clone (one reference count: axum clones the state
/// for every extractor and middleware a request passes through).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub svc: Arc<Services>,
    pub metrics: Arc<Metrics>,
    /// Whose forwarded client address is believed.
    pub proxies: Arc<crate::support::ratelimit::TrustedProxies>,
    /// Requests per access token and per client address.
    pub limits: Arc<crate::web::middleware::RequestLimits>,
}

pub struct AppOptions {
    pub clock: Arc<dyn Clock>,
    /// Load the demo data set when this start creates the database.
    pub load_demo: bool,
    /// Run the scheduled jobs and the outbox sender. Tests that drive them by hand turn this off.
    pub background: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            load_demo: true,
            background: true,
        }
    }
}

pub struct App {
    state: AppState,
    listener: TcpListener,
    control: tokio::net::UnixListener,
    background: bool,
    pub startup: Startup,
    /// The admin created on this start, with its one-time password.
    pub bootstrap_admin: Option<(Msisdn, String)>,
}

impl App {
    pub async fn build(config: Config, opts: AppOptions) -> Result<App, StartError> {
        let addr = config.listen_addr()?;
        let (svc, startup) = Services::open(config, opts.clock, opts.load_demo).await?;
        let bootstrap_admin = svc.ensure_admin().await?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| StartError::Io(format!("cannot listen on {addr}: {e}")))?;
        let control = control::bind(&svc.config().data_dir)
            .map_err(|e| StartError::Io(format!("cannot open the control socket: {e}")))?;
        let svc_http = svc.config().http.clone();
        let proxies = crate::support::ratelimit::TrustedProxies::parse(&svc_http.trusted_proxies)
            .map_err(StartError::Io)?;
        let state = AppState(Arc::new(Shared {
            svc,
            metrics: Arc::new(Metrics::new()),
            proxies: Arc::new(proxies),
            limits: Arc::new(crate::web::middleware::RequestLimits::new(
                svc_http.requests_per_minute_per_token,
                svc_http.requests_per_minute_per_address,
            )),
        }));
        Ok(App {
            state,
            listener,
            control,
            background: opts.background,
            startup,
            bootstrap_admin,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let App {
            state,
            listener,
            control,
            background,
            ..
        } = self;
        let control_task = tokio::spawn(control::serve(control, state.svc.clone()));
        let sender_task = background.then(|| tokio::spawn(state.svc.sender().clone().run()));
        let mut jobs = match background {
            true => Some(
                crate::app::jobs::start(state.svc.clone())
                    .await
                    .map_err(|e| {
                        StartError::Io(format!("cannot start the scheduled jobs: {e:?}"))
                    })?,
            ),
            false => None,
        };
        let data_dir = state.svc.config().data_dir.clone();
        let limits = state.limits.clone();
        let prune_task = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                limits.prune();
            }
        });
        let router = crate::web::router(state);
        tracing::info!(addr = %listener.local_addr()?, "serving");
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        control_task.abort();
        prune_task.abort();
        if let Some(task) = sender_task {
            task.abort();
            let _ = task.await;
        }
        if let Some(jobs) = jobs.as_mut()
            && let Err(e) = jobs.shutdown().await
        {
            tracing::warn!(error = ?e, "stopping the scheduled jobs");
        }
        // Wait until the task is gone, so its handle on the services (and the file) is released.
        let _ = control_task.await;
        let _ = std::fs::remove_file(control::socket_path(&data_dir));
        tracing::info!("stopped");
        served.map_err(StartError::from)
    }
}

/// Resolves on SIGTERM (systemd's stop) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
