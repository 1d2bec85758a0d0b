//! Metrics, kept in a registry owned by the app (no globals) and rendered for Prometheus.
//! (Where logs go is set up by `app::logging`.)

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Records that jobs walking many records (deadlines, credit refresh, outbox, retention) had
/// to skip because they failed: each is logged where it happened and counted here, so one bad
/// record never stops the job for everyone.
#[derive(Debug, Default)]
pub struct JobSkips {
    counts: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>,
}

impl JobSkips {
    pub fn add(&self, job: &'static str, skipped: u64) {
        if skipped == 0 {
            return;
        }
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry(job).or_insert(0) += skipped;
    }

    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.iter().map(|(k, v)| (*k, *v)).collect()
    }
}

/// What a job that walks many records did: how many it handled and how many it skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Walked {
    pub done: usize,
    pub skipped: usize,
}

/// The app's metrics; one per running app.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: HistogramFamily<RouteLabels>,
    logins: Family<OutcomeLabels, Counter>,
    store_jobs: Gauge,
    store_commits: Gauge,
    store_largest_batch: Gauge,
    store_exec_seconds: Gauge<f64, AtomicU64>,
    store_commit_seconds: Gauge<f64, AtomicU64>,
    job_skipped: Family<JobLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut m = Self {
            registry: Registry::with_prefix("khaacho"),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            logins: Family::default(),
            store_jobs: Gauge::default(),
            store_commits: Gauge::default(),
            store_largest_batch: Gauge::default(),
            store_exec_seconds: Gauge::default(),
            store_commit_seconds: Gauge::default(),
            job_skipped: Family::default(),
        };
        m.register();
        m
    }

    /// Every metric in the registry, with its help text.
    fn register(&mut self) {
        let r = &mut self.registry;
        r.register(
            "http_requests",
            "HTTP requests by route and status",
            self.http_requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            self.http_duration.clone(),
        );
        r.register("logins", "Login attempts by outcome", self.logins.clone());
        r.register(
            "store_jobs",
            "Write jobs run since start",
            self.store_jobs.clone(),
        );
        r.register(
            "store_commits",
            "Durable commits (group commits) since start",
            self.store_commits.clone(),
        );
        r.register(
            "store_largest_batch",
            "Most jobs one commit has carried",
            self.store_largest_batch.clone(),
        );
        r.register(
            "store_exec_seconds",
            "Time the writer spent running jobs",
            self.store_exec_seconds.clone(),
        );
        r.register(
            "store_commit_seconds",
            "Time the writer spent committing",
            self.store_commit_seconds.clone(),
        );
        r.register(
            "job_records_skipped",
            "Records a job skipped because handling them failed (each is logged)",
            self.job_skipped.clone(),
        );
    }

    pub fn observe_http(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let (method, route) = (method.to_string(), route.to_string());
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.clone(),
                route: route.clone(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels { method, route })
            .observe(seconds);
    }

    pub fn login(&self, outcome: &str) {
        self.logins
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Copies the writer's figures into the registry (read at scrape time).
    pub fn observe_store(&self, s: &crate::storage::writer::WriterStats) {
        use std::sync::atomic::Ordering::Relaxed;
        self.store_jobs.set(s.jobs.load(Relaxed) as i64);
        self.store_commits.set(s.commits.load(Relaxed) as i64);
        self.store_largest_batch
            .set(s.largest_batch.load(Relaxed) as i64);
        self.store_exec_seconds
            .set(s.exec_nanos.load(Relaxed) as f64 / 1e9);
        self.store_commit_seconds
            .set(s.commit_nanos.load(Relaxed) as f64 / 1e9);
    }

    pub fn observe_jobs(&self, skips: &JobSkips) {
        for (job, n) in skips.snapshot() {
            self.job_skipped
                .get_or_create(&JobLabels { job: job.into() })
                .set(n as i64);
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
