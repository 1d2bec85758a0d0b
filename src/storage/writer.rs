//! The single writer: one thread owns every write transaction and commits in groups.
//!
//! redb allows one writer at a time and a durable commit costs an fsync, so concurrent jobs are
//! queued here and run back to back inside one transaction that is committed once (group
//! commit). Each job stays all-or-nothing: a job that fails before writing simply reports its
//! error; a job that fails after writing (or panics) poisons the shared transaction, which is
//! aborted, and the jobs are re-run with the offender isolated in a transaction of its own.
//! Nobody is answered before the commit that holds their change has returned.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;

use redb::{Database, Durability, WriteTransaction};
use tokio::sync::oneshot;

use super::StoreError;
use super::keyed::KeyIndex;
use super::latest::Latest;
use super::write_tx::WriteTx;

/// Most jobs one transaction carries; bounds the latency a large burst adds to its first job.
const MAX_BATCH: usize = 256;

pub(crate) enum Ran {
    Ok,
    /// The job returned an error without writing anything: it can share the transaction.
    Failed,
    /// The job returned an error after writing, or panicked: the transaction must be dropped.
    Poisoned,
}

pub(crate) trait Job: Send {
    fn run(&mut self, tx: &WriteTx) -> Ran;
    /// Delivers the job's answer once the fate of its transaction is known.
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

pub(crate) struct TypedJob<F, R, E> {
    pub f: F,
    pub out: Option<Result<R, E>>,
    /// The answer, and the job's closure back: what the closure holds (an order's request and
    /// plan) was allocated on the caller's thread and is freed there, where a free is cheap,
    /// not on the writer, where every such free is a cross-thread one.
    pub reply: oneshot::Sender<(Result<R, E>, F)>,
}

impl<F, R, E> Job for TypedJob<F, R, E>
where
    F: FnMut(&WriteTx) -> Result<R, E> + Send,
    R: Send,
    E: From<StoreError> + Send,
{
    fn run(&mut self, tx: &WriteTx) -> Ran {
        let before = tx.writes();
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| (self.f)(tx)));
        let took = started.elapsed();
        if took.as_millis() >= 5 {
            tracing::debug!(
                job = std::any::type_name::<F>(),
                took_us = took.as_micros() as u64,
                "slow write job"
            );
        }
        match result {
            Ok(Ok(_)) if tx.void_reason().is_some() => {
                let why = tx.void_reason().unwrap_or_default();
                tracing::warn!(cause = %why, "a step failed after writing; the job is dropped");
                self.out = Some(Err(StoreError::Aborted(why).into()));
                Ran::Poisoned
            }
            Ok(Ok(value)) => {
                self.out = Some(Ok(value));
                Ran::Ok
            }
            Ok(Err(e)) => {
                self.out = Some(Err(e));
                if tx.writes() == before {
                    Ran::Failed
                } else {
                    Ran::Poisoned
                }
            }
            Err(panic) => {
                let what = panic_message(&panic);
                tracing::error!(panic = %what, "a write job panicked; its transaction is dropped");
                self.out = Some(Err(StoreError::Panicked(what).into()));
                Ran::Poisoned
            }
        }
    }

    fn finish(self: Box<Self>, committed: Result<(), StoreError>) {
        let TypedJob { f, out, reply } = *self;
        let answer = match (committed, out) {
            (Ok(()), Some(out)) => out,
            (Err(e), Some(Ok(_))) => Err(e.into()),
            (Err(_), Some(Err(e))) => Err(e),
            (_, None) => Err(StoreError::Writer("job was not run".into()).into()),
        };
        // The caller may have gone away (request cancelled); the change stands either way.
        let _ = reply.send((answer, f));
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// What the writer has done, for metrics and benchmarks.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub jobs: AtomicU64,
    pub commits: AtomicU64,
    pub largest_batch: AtomicU64,
    /// Time spent running jobs, and committing (writing and syncing), in nanoseconds.
    pub exec_nanos: AtomicU64,
    pub commit_nanos: AtomicU64,
}

/// The database the writer writes, with what it shares with the store's readers: the index
/// of keyed rows, and the snapshot they read.
pub(crate) struct Shared {
    pub db: Arc<Database>,
    pub keyed: Arc<KeyIndex>,
    /// Told after every commit, before anyone is answered.
    pub latest: Arc<Latest>,
}

/// Runs until every sender is gone, then finishes what is queued and returns.
pub(crate) fn run(shared: Shared, jobs: Receiver<Box<dyn Job>>, stats: Arc<WriterStats>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        stats
            .largest_batch
            .fetch_max(batch.len() as u64, Ordering::Relaxed);
        run_batch(&shared, batch, &stats);
    }
}

fn begin(db: &Database) -> Result<WriteTransaction, StoreError> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)
        .map_err(|e| StoreError::Writer(e.to_string()))?;
    Ok(tx)
}

/// Commits `raw` once its jobs' transaction was closed (`WriteTx::close`: id counters written
/// back, tables closed), and retires the readers' shared snapshot before anyone is answered.
fn commit(
    db: &Shared,
    raw: WriteTransaction,
    closed: Result<(), StoreError>,
) -> Result<(), StoreError> {
    match closed {
        Ok(()) => {
            let committed = raw.commit();
            db.latest.committed();
            Ok(committed?)
        }
        Err(e) => {
            abort(raw);
            Err(e)
        }
    }
}

fn fail_all(jobs: Vec<Box<dyn Job>>, error: &StoreError) {
    for job in jobs {
        job.finish(Err(error.clone()));
    }
}

fn run_batch(db: &Shared, mut jobs: Vec<Box<dyn Job>>, stats: &WriterStats) {
    if jobs.is_empty() {
        return;
    }
    let raw = match begin(&db.db) {
        Ok(tx) => tx,
        Err(e) => return fail_all(jobs, &e),
    };
    let tx = WriteTx::new(&raw, &db.keyed);
    let started = Instant::now();
    for i in 0..jobs.len() {
        if let Ran::Poisoned = jobs[i].run(&tx) {
            drop(tx);
            abort(raw);
            let rest = jobs.split_off(i + 1);
            let offender = jobs.pop().expect("index i is in the batch");
            run_batch(db, jobs, stats);
            run_alone(db, offender);
            run_batch(db, rest, stats);
            return;
        }
    }
    let executed = Instant::now();
    let closed = tx.close(super::tables::COUNTERS);
    let committed = commit(db, raw, closed);
    let running = executed - started;
    stats
        .exec_nanos
        .fetch_add(running.as_nanos() as u64, Ordering::Relaxed);
    let committing = executed.elapsed();
    stats
        .commit_nanos
        .fetch_add(committing.as_nanos() as u64, Ordering::Relaxed);
    stats.commits.fetch_add(1, Ordering::Relaxed);
    if let Err(e) = &committed {
        tracing::error!(error = %e, "group commit failed");
    }
    let jobs_in_commit = jobs.len();
    for job in jobs {
        job.finish(committed.clone());
    }
    // After the answers, so a debug log written to a slow console delays nobody.
    tracing::debug!(
        jobs = jobs_in_commit,
        run_us = running.as_micros() as u64,
        commit_us = committing.as_micros() as u64,
        "group commit"
    );
}

fn run_alone(db: &Shared, mut job: Box<dyn Job>) {
    let raw = match begin(&db.db) {
        Ok(tx) => tx,
        Err(e) => return job.finish(Err(e)),
    };
    let tx = WriteTx::new(&raw, &db.keyed);
    match job.run(&tx) {
        Ran::Ok => {
            let closed = tx.close(super::tables::COUNTERS);
            let committed = commit(db, raw, closed);
            job.finish(committed);
        }
        Ran::Failed | Ran::Poisoned => {
            drop(tx);
            abort(raw);
            // Nothing was committed; the job's own error is its answer.
            job.finish(Ok(()));
        }
    }
}

fn abort(tx: WriteTransaction) {
    if let Err(e) = tx.abort() {
        tracing::error!(error = %e, "aborting a write transaction failed");
    }
}
