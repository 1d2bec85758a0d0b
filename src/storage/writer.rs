//! The single writer: one thread owns every write transaction and commits in groups.
//!
//! redb allows one writer at a time and a durable commit costs an fsync, so concurrent jobs are
//! queued here and run back to back inside one transaction that is committed once (group
//! commit). Each job stays all-or-nothing: a job that fails before writing simply reports its
//! error; a job that fails after writing (or panics) poisons the shared transaction, which is
//! aborted, and the jobs are re-run with the offender isolated in a transaction of its own.
//! Nobody is answered before the commit that holds their change has returned, and a commit
//! returns only once its changes are durable: synced in the commit log (`storage::wal`), or by
//! redb itself at a checkpoint.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use redb::{Database, Durability, WriteTransaction};
use tokio::sync::oneshot;

use super::StoreError;
use super::wal::{self, Wal};
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
    pub reply: oneshot::Sender<Result<R, E>>,
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
        let answer = match (committed, self.out) {
            (Ok(()), Some(out)) => out,
            (Err(e), Some(Ok(_))) => Err(e.into()),
            (Err(_), Some(Err(e))) => Err(e),
            (_, None) => Err(StoreError::Writer("job was not run".into()).into()),
        };
        // The caller may have gone away (request cancelled); the change stands either way.
        let _ = self.reply.send(answer);
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
    /// Bytes of changes written to the commit log, and checkpoints made.
    pub log_bytes: AtomicU64,
    pub checkpoints: AtomicU64,
}

/// How long commits may go on resting on the commit log before one is made durable by redb
/// itself (a checkpoint), and how long the log may grow meanwhile. A checkpoint writes and
/// syncs the pages dirtied since the last one and holds up the writer while it does, so its
/// length lands on the slowest answers: under full load about 8 ms every 50 ms, 10–12 ms
/// every 100 ms, 40 ms every second (a p99 of 41 ms) (BENCHMARKS.md, "Tenth pass").
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);
const CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

/// The writer thread's state: the database, its commit log, and when it last checkpointed.
pub(crate) struct Writer {
    db: Arc<Database>,
    wal: Wal,
    checkpointed: Instant,
    stats: Arc<WriterStats>,
}

impl Writer {
    pub(crate) fn new(db: Arc<Database>, wal: Wal, stats: Arc<WriterStats>) -> Self {
        Self {
            db,
            wal,
            checkpointed: Instant::now(),
            stats,
        }
    }

    /// Runs until every sender is gone, then finishes what is queued, checkpoints, removes
    /// the log and returns.
    pub(crate) fn run(mut self, jobs: Receiver<Box<dyn Job>>) {
        loop {
            let first = if self.wal.len() == 0 {
                jobs.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                let due = CHECKPOINT_EVERY.saturating_sub(self.checkpointed.elapsed());
                jobs.recv_timeout(due)
            };
            let first = match first {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    self.checkpoint_now();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            self.stats
                .jobs
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            self.stats
                .largest_batch
                .fetch_max(batch.len() as u64, Ordering::Relaxed);
            self.run_batch(batch);
        }
        if self.checkpoint_now() {
            let Writer { wal, .. } = self;
            if let Err(e) = wal.remove() {
                tracing::warn!(error = %e, "could not remove the commit log after closing");
            }
        }
    }

    fn checkpoint_due(&self) -> bool {
        self.checkpointed.elapsed() >= CHECKPOINT_EVERY || self.wal.len() >= CHECKPOINT_BYTES
    }

    /// Makes every commit so far durable in the database itself, with a transaction that
    /// changes nothing; true when it did.
    fn checkpoint_now(&mut self) -> bool {
        let done = begin(&self.db, Durability::Immediate).and_then(|tx| Ok(tx.commit()?));
        match done {
            Ok(()) => {
                self.restarted();
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "checkpoint failed; the commit log keeps every change");
                false
            }
        }
    }

    /// A checkpoint made every commit durable in the database: the log starts again.
    fn restarted(&mut self) {
        self.wal.restart();
        self.checkpointed = Instant::now();
        self.stats.checkpoints.fetch_add(1, Ordering::Relaxed);
    }

    fn begin(&self) -> Result<(WriteTransaction, bool), StoreError> {
        let checkpoint = self.checkpoint_due();
        let d = if checkpoint {
            Durability::Immediate
        } else {
            Durability::None
        };
        Ok((begin(&self.db, d)?, checkpoint))
    }

    /// Commits `raw` once its jobs' transaction was closed (`WriteTx::close`: id counters
    /// written back, tables closed). A checkpoint is durable by itself; any other commit is
    /// durable once its changes are in the log, which is written and synced first, so no
    /// reader ever sees a change that a crash could take back.
    fn commit(
        &mut self,
        raw: WriteTransaction,
        checkpoint: bool,
        closed: Result<Vec<u8>, StoreError>,
    ) -> Result<(), StoreError> {
        let changes = match closed {
            Ok(changes) => changes,
            Err(e) => {
                abort(raw);
                return Err(e);
            }
        };
        if checkpoint {
            raw.commit()?;
            self.restarted();
            return Ok(());
        }
        if changes.is_empty() {
            return Ok(raw.commit()?);
        }
        let seq = self.wal.next_seq();
        let logged = wal::mark(&raw, seq).and_then(|()| self.wal.append(seq, &changes));
        self.stats
            .log_bytes
            .fetch_add(changes.len() as u64, Ordering::Relaxed);
        if let Err(e) = logged {
            abort(raw);
            return Err(e);
        }
        raw.commit().map_err(|e| {
            self.wal.void_last();
            StoreError::from(e)
        })
    }

    fn run_batch(&mut self, mut jobs: Vec<Box<dyn Job>>) {
        if jobs.is_empty() {
            return;
        }
        let (raw, checkpoint) = match self.begin() {
            Ok(tx) => tx,
            Err(e) => return fail_all(jobs, &e),
        };
        let tx = WriteTx::new(&raw);
        let started = Instant::now();
        for i in 0..jobs.len() {
            if let Ran::Poisoned = jobs[i].run(&tx) {
                drop(tx);
                abort(raw);
                let rest = jobs.split_off(i + 1);
                let offender = jobs.pop().expect("index i is in the batch");
                self.run_batch(jobs);
                self.run_alone(offender);
                self.run_batch(rest);
                return;
            }
        }
        let executed = Instant::now();
        let closed = tx.close(super::tables::COUNTERS);
        let committed = self.commit(raw, checkpoint, closed);
        let stats = &self.stats;
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
            checkpoint,
            run_us = running.as_micros() as u64,
            commit_us = committing.as_micros() as u64,
            "group commit"
        );
    }

    fn run_alone(&mut self, mut job: Box<dyn Job>) {
        let (raw, checkpoint) = match self.begin() {
            Ok(tx) => tx,
            Err(e) => return job.finish(Err(e)),
        };
        let tx = WriteTx::new(&raw);
        match job.run(&tx) {
            Ran::Ok => {
                let closed = tx.close(super::tables::COUNTERS);
                let committed = self.commit(raw, checkpoint, closed);
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
}

fn begin(db: &Database, durability: Durability) -> Result<WriteTransaction, StoreError> {
    let mut tx = db.begin_write()?;
    tx.set_durability(durability)
        .map_err(|e| StoreError::Writer(e.to_string()))?;
    Ok(tx)
}

fn fail_all(jobs: Vec<Box<dyn Job>>, error: &StoreError) {
    for job in jobs {
        job.finish(Err(error.clone()));
    }
}

fn abort(tx: WriteTransaction) {
    if let Err(e) = tx.abort() {
        tracing::error!(error = %e, "aborting a write transaction failed");
    }
}
