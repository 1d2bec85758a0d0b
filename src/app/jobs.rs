//! Schedules: wires the configured cron expressions (Nepal time) to plain async functions of
//! the domain services, which tests call directly. Every expression is parsed at start-up.

use std::sync::Arc;

use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::app::services::Services;
use crate::support::clock::nepal_offset;

/// A job holds the services weakly: a stopped server must be able to let go of its database.
fn job<F, Fut>(expr: &str, svc: &Arc<Services>, run: F) -> Result<Job, JobSchedulerError>
where
    F: Fn(Arc<Services>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let svc = Arc::downgrade(svc);
    let run = Arc::new(run);
    Job::new_async_tz(expr, nepal_offset(), move |_, _| {
        let (svc, run) = (svc.upgrade(), run.clone());
        Box::pin(async move {
            if let Some(svc) = svc {
                run(svc).await;
            }
        })
    })
}

/// Starts every scheduled job; shut the returned scheduler down on exit.
pub async fn start(svc: Arc<Services>) -> Result<JobScheduler, JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    let cfg = svc.config().jobs.clone();
    sched
        .add(job(&cfg.credit_refresh, &svc, |svc| async move {
            match svc.credit().refresh_all().await {
                Ok(w) => {
                    svc.job_skips().add("credit_refresh", w.skipped as u64);
                    tracing::info!(
                        retailers = w.done,
                        skipped = w.skipped,
                        "nightly credit refresh done"
                    );
                }
                Err(e) => tracing::error!(error = %e, "nightly credit refresh failed"),
            }
        })?)
        .await?;
    sched
        .add(job(&cfg.deadlines, &svc, |svc| async move {
            match svc.orders().expire_overdue().await {
                Ok(w) => {
                    svc.job_skips().add("deadlines", w.skipped as u64);
                    if w.done > 0 {
                        tracing::info!(orders = w.done, "orders moved on after a missed deadline");
                    }
                }
                Err(e) => tracing::error!(error = %e, "deadline check failed"),
            }
        })?)
        .await?;
    sched
        .add(job(&cfg.retention, &svc, |svc| async move {
            let keep = crate::retention::Retention::from_config(&svc.config().retention);
            let (w, r) = crate::retention::nightly(svc.store(), keep, svc.clock().now()).await;
            svc.job_skips().add("retention", w.skipped as u64);
            tracing::info!(removed = w.done, skipped = w.skipped, "retention done");
            svc.job_skips().add("repack", r.failed as u64);
            tracing::info!(rows = r.rows, failed = r.failed, "repack done");
        })?)
        .await?;
    sched
        .add(job(&cfg.analytics, &svc, |svc| async move {
            nightly_analytics(&svc).await;
        })?)
        .await?;
    sched.start().await?;
    // Days missed while the box was off are built now, not at the next 02:00.
    let weak = Arc::downgrade(&svc);
    tokio::spawn(async move {
        if let Some(svc) = weak.upgrade() {
            nightly_analytics(&svc).await;
        }
    });
    Ok(sched)
}

/// Builds the analytics facts of every day not yet built, up to yesterday.
pub async fn nightly_analytics(svc: &Services) {
    match svc.analytics().nightly().await {
        Ok((b, s)) => tracing::info!(
            days = b.days,
            rows = b.rows,
            raised = s.raised,
            expired = s.expired,
            price_alerts = s.price_alerts,
            "analytics built"
        ),
        Err(e) => tracing::error!(error = %e, "analytics build failed"),
    }
}
