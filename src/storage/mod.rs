//! Owns every byte on disk: the redb file, its tables, the codec and the schema version.
//!
//! Reads run on the newest commit's snapshot, shared until the next commit (see `latest`), off
//! the async threads (short point lookups on the request's own thread, `Store::read_now`);
//! writes are closures queued to the single writer thread (see `writer`), which commits them in
//! groups. Closures take the transaction and never commit; they must touch nothing but the
//! transaction, because a job may be re-run.

pub mod codec;
pub mod keyed;
mod latest;
pub mod memo;
pub mod postings;
pub mod repack;
mod schema;
mod schema_v10;
mod schema_v6;
mod schema_v8;
mod schema_v9;
pub mod sizes;
pub mod snapshot;
pub mod tables;
pub mod ts;
pub mod typed;
pub mod write_tx;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;

use redb::{Database, ReadableDatabase, ReadableTable};
use tokio::sync::oneshot;

pub use typed::{Iter, ReadTx, Table, TableRead, Tx};
pub use write_tx::WriteTx;

/// The layout version this binary reads and writes.
pub use schema::SCHEMA_VERSION;
/// The database file's name inside the data directory.
pub const DB_FILE: &str = "khaacho.redb";
pub(crate) const SCHEMA_KEY: &str = "schema_version";

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database {path} was written by a newer Khaacho (schema version {found}; this binary \
         reads up to {supported}). Run the newer binary, or restore a backup taken with this version."
    )]
    SchemaTooNew {
        path: String,
        found: u64,
        supported: u64,
    },
    #[error(
        "the database {0} is in use by another process (is `khaacho serve` running with this data directory?)"
    )]
    Locked(String),
    #[error("storage: {0}")]
    Redb(String),
    #[error("stored value is unreadable: {0}")]
    Codec(String),
    #[error("missing record: {0}")]
    Missing(String),
    #[error("a write job panicked: {0}")]
    Panicked(String),
    /// A step failed after it had written: the whole action was dropped, nothing is kept.
    #[error("nothing was saved: {0}")]
    Aborted(String),
    #[error("writer: {0}")]
    Writer(String),
    #[error("i/o: {0}")]
    Io(String),
}

macro_rules! redb_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Redb(e.to_string()) }
        }
    )*};
}
redb_errors!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError
);

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e.to_string())
    }
}

impl From<tokio::task::JoinError> for StoreError {
    fn from(e: tokio::task::JoinError) -> Self {
        StoreError::Writer(format!("blocking task failed: {e}"))
    }
}

/// A cheap handle to the open database; clone it freely. When the last handle is dropped the
/// writer finishes its queue and the file is closed before the drop returns, so the same file
/// can be opened again at once (a restart, a test).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Database>,
    jobs: Option<Sender<Box<dyn writer::Job>>>,
    writer: Option<std::thread::JoinHandle<()>>,
    stats: Arc<writer::WriterStats>,
    path: PathBuf,
    /// Where the rows of [`tables::IDEMPOTENCY`] are, by their key text.
    keyed: Arc<keyed::KeyIndex>,
    /// The snapshot short reads share until the next commit.
    latest: Arc<latest::Latest>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue ends the writer's loop; joining it releases its database handle.
        self.jobs.take();
        if let Some(handle) = self.writer.take()
            && handle.thread().id() != std::thread::current().id()
        {
            let _ = handle.join();
        }
    }
}

/// What opening found.
pub struct Opened {
    pub store: Store,
    /// True when this open created the file (the caller loads the demo data then).
    pub created: bool,
}

/// redb's page cache. Its default (1 GiB) would let a large database hold a gigabyte of
/// memory while serving; pages beyond this are read again from the file (the operating
/// system's cache keeps the hot ones, outside the process).
const CACHE_BYTES: usize = 128 * 1024 * 1024;

/// How every database file is opened or created: the served one, and those `khaacho check`,
/// `sizes` and backups open beside it (a check of a live server opens a snapshot copy inside
/// the server's process, so redb's default gigabyte would land there too).
fn builder() -> redb::Builder {
    let mut b = Database::builder();
    b.set_cache_size(CACHE_BYTES);
    b
}

impl Store {
    /// Opens (or creates) the database at `path`, checks its schema version and makes sure
    /// every table exists.
    pub fn open(path: &Path) -> Result<Opened, StoreError> {
        let created = !path.exists();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let db = builder()
            .create(path)
            .map_err(|e| opening_failed(path, e))?;
        restrict_permissions(path)?;
        check_schema(&db, path)?;
        init_tables(&db)?;
        let keyed = Arc::new(load_keyed(&db)?);
        let db = Arc::new(db);
        let (tx, rx) = std::sync::mpsc::channel();
        let latest = Arc::new(latest::Latest::default());
        let shared = writer::Shared {
            db: db.clone(),
            keyed: keyed.clone(),
            latest: latest.clone(),
        };
        let stats = Arc::new(writer::WriterStats::default());
        let writer_stats = stats.clone();
        let handle = std::thread::Builder::new()
            .name("khaacho-writer".into())
            .spawn(move || writer::run(shared, rx, writer_stats))?;
        let store = Store {
            inner: Arc::new(Inner {
                db,
                jobs: Some(tx),
                writer: Some(handle),
                stats,
                path: path.to_path_buf(),
                keyed,
                latest,
            }),
        };
        Ok(Opened { store, created })
    }

    /// What the writer has done since the store was opened.
    pub fn stats(&self) -> &writer::WriterStats {
        &self.inner.stats
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a read snapshot on the caller's own thread. Only for the short, bounded
    /// lookups every request makes (its session, a small cart's plan): handing those to a
    /// blocking thread and back costs more than the read. Scans use [`Store::read`].
    ///
    /// The snapshot is the newest commit's, shared with every other read until the writer
    /// commits again (see `latest`): it holds every change anyone has been answered for.
    pub fn read_now<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&ReadTx) -> Result<R, E>,
        E: From<StoreError>,
    {
        let tx = self.inner.latest.get(&self.inner.db, &self.inner.keyed)?;
        f(&tx)
    }

    /// Runs `f` on a read snapshot, off the async threads.
    pub async fn read<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&ReadTx) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_now(f))
            .await
            .map_err(StoreError::from)?
    }

    /// Runs `f` inside a write transaction (shared with other jobs, committed once) and
    /// answers after the commit. `f` may run more than once; it must only touch `tx`.
    pub async fn write<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnMut(&WriteTx) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = writer::TypedJob {
            f,
            out: None,
            reply,
        };
        self.inner
            .jobs
            .as_ref()
            .ok_or_else(|| StoreError::Writer("the writer has stopped".into()))?
            .send(Box::new(job))
            .map_err(|_| StoreError::Writer("the writer has stopped".into()))?;
        let (result, job) = answer
            .await
            .map_err(|_| StoreError::Writer("the writer dropped a job".into()))?;
        drop(job);
        result
    }

    /// Where the file's bytes go (see [`sizes`]) while it is served: the tables from a read
    /// snapshot, off the writer; redb's whole-file figures from a writer job that writes
    /// nothing, a moment later.
    pub async fn sizes(&self) -> Result<sizes::Sizes, StoreError> {
        let db = self.inner.db.clone();
        let tables = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            sizes::tables(&db.begin_read()?)
        })
        .await??;
        let whole = self.write(|tx: &WriteTx| sizes::whole(tx.raw())).await?;
        let lengths = sizes::file_lengths(self.path())?;
        Ok(sizes::Sizes::new(self.path(), lengths, whole, tables))
    }

    /// Writes a consistent copy of the whole database to `dest` while writers go on.
    pub async fn snapshot_to(&self, dest: PathBuf) -> Result<snapshot::Report, StoreError> {
        let db = self.inner.db.clone();
        tokio::task::spawn_blocking(move || snapshot::write(&db, &dest)).await?
    }
}

fn restrict_permissions(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

fn check_schema(db: &Database, path: &Path) -> Result<(), StoreError> {
    let tx = db.begin_read()?;
    let meta = match tx.open_table(tables::META.def()) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let Some(bytes) = meta.get(SCHEMA_KEY)? else {
        return Ok(());
    };
    let found: u64 = codec::decode(bytes.value())?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            path: path.display().to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Creates missing tables and brings an older file up to this binary's schema (the caller
/// has refused newer ones).
fn init_tables(db: &Database) -> Result<(), StoreError> {
    let tx = db.begin_write()?;
    tables::create_all(&tx)?;
    // The migrations may write `meta` themselves, so it is not held open across them.
    let found: Option<u64> = match tx.open_table(tables::META.def())?.get(SCHEMA_KEY)? {
        Some(bytes) => Some(codec::decode(bytes.value())?),
        None => None,
    };
    if let Some(found) = found.filter(|&f| f < SCHEMA_VERSION) {
        schema::migrate(&tx, found)?;
    }
    if found != Some(SCHEMA_VERSION) {
        tx.open_table(tables::META.def())?
            .insert(SCHEMA_KEY, codec::encode(&SCHEMA_VERSION)?.as_slice())?;
    }
    tx.commit()?;
    Ok(())
}

/// Allocates the next id of a kind (1, 2, 3, ...) inside the caller's transaction.
pub fn next_id(tx: &WriteTx, kind: &str) -> Result<u64, StoreError> {
    tx.next_counter(kind, tables::COUNTERS)
}

/// The last id handed out of a kind (0 when none was), in the caller's transaction.
pub fn last_id(tx: &WriteTx, kind: &str) -> Result<u64, StoreError> {
    tx.peek_counter(kind, tables::COUNTERS)
}

/// Reads a `meta` value.
pub fn meta_get(tx: &impl Tx, key: &str) -> Result<Option<u64>, StoreError> {
    tx.open(tables::META)?.get(key)
}

/// Sets a `meta` value.
pub fn meta_put(tx: &WriteTx, key: &str, value: u64) -> Result<(), StoreError> {
    tx.open(tables::META)?.put(key, &value)
}

/// Opens a database file on its own (no server running) and verifies redb's checksums and
/// that every stored value decodes. Domain invariants are checked by `crate::app::check`.
pub fn verify_file(path: &Path) -> Result<(Database, Vec<String>), StoreError> {
    let mut db = open_existing(path, "nothing to check")?;
    check_schema(&db, path)?;
    let mut problems = Vec::new();
    match db.check_integrity() {
        Ok(true) => {}
        Ok(false) => {
            problems.push("redb: the file needed repair (it was not closed cleanly)".into())
        }
        Err(e) => problems.push(format!("redb integrity check failed: {e}")),
    }
    // An older file is brought up to date first, as the server would on open.
    init_tables(&db)?;
    let tx = read_tx(&db)?;
    problems.extend(tables::decode_all(&tx)?);
    Ok((db, problems))
}

/// Opens a database file that must exist and that no other process holds; `why` says what a
/// missing file means to the caller.
fn open_existing(path: &Path, why: &str) -> Result<Database, StoreError> {
    if !path.exists() {
        return Err(StoreError::Missing(format!(
            "no database at {} ({why})",
            path.display()
        )));
    }
    builder().open(path).map_err(|e| opening_failed(path, e))
}

/// Why the database file at `path` could not be opened: held by another process, or redb's
/// own reason.
fn opening_failed(path: &Path, e: redb::DatabaseError) -> StoreError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Locked(path.display().to_string()),
        other => StoreError::Redb(format!("opening {}: {other}", path.display())),
    }
}

/// Begins a read snapshot on a database opened by [`verify_file`], for checks: its index of
/// keyed rows is empty (a check reads every row; it looks none up by key).
pub fn read_tx(db: &Database) -> Result<ReadTx, StoreError> {
    Ok(ReadTx::new(db.begin_read()?, Arc::default()))
}

/// The index of [`tables::IDEMPOTENCY`], read from the table. A row that does not decode is
/// left out and logged (`khaacho check` names it); it could not be replayed anyway.
fn load_keyed(db: &Database) -> Result<keyed::KeyIndex, StoreError> {
    use keyed::Keyed;
    let index = keyed::KeyIndex::default();
    let tx = ReadTx::new(db.begin_read()?, Arc::default());
    for row in tx.open(tables::IDEMPOTENCY)?.iter()? {
        match row {
            Ok((id, record)) => index.add(record.key_text(), id),
            Err(StoreError::Codec(e)) => {
                tracing::error!(error = %e, "an idempotency record is unreadable; left out")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(index)
}

/// A new, empty database in a directory of its own, for tests (the directory goes when the
/// returned handle is dropped).
#[cfg(test)]
pub(crate) fn scratch_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&dir.path().join("khaacho.redb"))
        .expect("a new database opens")
        .store;
    (dir, store)
}
