//! The commit log: how a group commit becomes durable with one small sequential write.
//!
//! A redb commit that is durable on its own writes every page the transaction dirtied and syncs
//! them; an order's rows land all over a dozen large tables, so that is tens of kilobytes per
//! order. Instead the writer appends the batch's changes (each `put` and `remove`, as stored
//! bytes) to this log, syncs it, and only then commits the transaction to redb without a sync.
//! Every so often one commit is made durable by redb itself (a checkpoint); the log's records up
//! to it are then no longer needed and the log starts again from its beginning.
//!
//! After a crash redb comes back at its last checkpoint, and [`recover`] applies the log's
//! records after it, in order, before anything else reads the file. The database remembers the
//! last record it holds (`meta` key `wal_seq`, written in the same transaction as the record's
//! changes), so a record is applied exactly once.
//!
//! Records are `magic, crc, seq, layout, length, payload`. The file is filled with zeros ahead
//! of the records so an append never changes its size (the sync then writes only data). A
//! record counts only when its checksum holds and its sequence number follows the one before:
//! a torn last write, or an older record left from before the log started again, ends the log.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase};

use super::{StoreError, codec, tables};

const MAGIC: u32 = 0x4c57_484b; // "KHWL"
const HEADER: usize = 32;
/// Zeros written ahead of the records at first (a checkpoint's worth of orders at full load
/// logs about 2.5 MB); the file doubles when a burst needs more.
const GROW: u64 = 4 * 1024 * 1024;
/// The `meta` key holding the last record the database holds.
pub(crate) const SEQ_KEY: &str = "wal_seq";

/// Where the log of the database at `db` lives: beside it, `khaacho.redb.wal`.
pub fn path_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".wal");
    PathBuf::from(name)
}

/// Which tables a record's table numbers refer to, and in which schema: a record is applied
/// only by a binary that numbers the tables the same way.
fn layout() -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(&super::SCHEMA_VERSION.to_le_bytes());
    for name in tables::ALL {
        feed(name.as_bytes());
        feed(b"\n");
    }
    hash
}

/// Appends one change to a batch's payload: table number, key, and the stored value (`None`
/// for a removal).
pub(crate) fn push_op(buf: &mut Vec<u8>, table: u16, key: &[u8], value: Option<&[u8]>) {
    buf.extend_from_slice(&table.to_le_bytes());
    buf.push(u8::from(value.is_some()));
    buf.extend_from_slice(&(key.len() as u32).to_le_bytes());
    buf.extend_from_slice(key);
    if let Some(value) = value {
        buf.extend_from_slice(&(value.len() as u32).to_le_bytes());
        buf.extend_from_slice(value);
    }
}

/// One change read back from a payload.
pub(crate) struct Op<'a> {
    pub table: usize,
    pub key: &'a [u8],
    pub value: Option<&'a [u8]>,
}

/// The changes of a payload, in the order they were made.
pub(crate) fn ops(mut payload: &[u8]) -> Result<Vec<Op<'_>>, StoreError> {
    fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], StoreError> {
        if buf.len() < n {
            return Err(StoreError::Redb(
                "the commit log has a cut-short change".into(),
            ));
        }
        let (head, rest) = buf.split_at(n);
        *buf = rest;
        Ok(head)
    }
    fn len(buf: &mut &[u8]) -> Result<usize, StoreError> {
        let b = take(buf, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    let mut out = Vec::new();
    while !payload.is_empty() {
        let t = take(&mut payload, 3)?;
        let table = usize::from(u16::from_le_bytes([t[0], t[1]]));
        let n = len(&mut payload)?;
        let key = take(&mut payload, n)?;
        let value = if t[2] == 1 {
            let n = len(&mut payload)?;
            Some(take(&mut payload, n)?)
        } else {
            None
        };
        out.push(Op { table, key, value });
    }
    Ok(out)
}

/// A record read back from the log.
pub(crate) struct Record<'a> {
    pub seq: u64,
    pub layout: u64,
    pub payload: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// The log's valid records from its start: each whole, its checksum right, and numbered one
/// after the other.
pub(crate) fn chain(file: &[u8]) -> Vec<Record<'_>> {
    let mut out: Vec<Record<'_>> = Vec::new();
    let mut at = 0usize;
    while file.len() - at >= HEADER {
        let h = &file[at..at + HEADER];
        if u32_at(h, 0) != MAGIC {
            break;
        }
        let len = u32_at(h, 24) as usize;
        let Some(body) = file.get(at + HEADER..at + HEADER + len) else {
            break;
        };
        let mut crc = crc32fast::Hasher::new();
        crc.update(&h[8..]);
        crc.update(body);
        let seq = u64_at(h, 8);
        let follows = out.last().is_none_or(|last| last.seq + 1 == seq);
        if crc.finalize() != u32_at(h, 4) || !follows {
            break;
        }
        out.push(Record {
            seq,
            layout: u64_at(h, 16),
            payload: body,
        });
        at += HEADER + len;
    }
    out
}

fn record(seq: u64, payload: &[u8]) -> Vec<u8> {
    let mut r = Vec::with_capacity(HEADER + payload.len());
    r.extend_from_slice(&MAGIC.to_le_bytes());
    r.extend_from_slice(&[0; 4]);
    r.extend_from_slice(&seq.to_le_bytes());
    r.extend_from_slice(&layout().to_le_bytes());
    r.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    r.extend_from_slice(&[0; 4]);
    r.extend_from_slice(payload);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&r[8..]);
    let sum = crc.finalize().to_le_bytes();
    r[4..8].copy_from_slice(&sum);
    r
}

/// The open log, owned by the writer.
pub(crate) struct Wal {
    file: File,
    path: PathBuf,
    /// Where the next record goes.
    end: u64,
    /// Where the last record starts, to void it when its transaction fails to commit.
    last: u64,
    /// How much of the file is written (records, then zeros): appends below it change no size.
    allocated: u64,
    next_seq: u64,
}

impl Wal {
    /// Starts an empty log beside the database at `db`, whose last applied record is `applied`
    /// ([`recover`] has folded in any older log).
    pub(crate) fn create(db: &Path, applied: u64) -> Result<Self, StoreError> {
        let path = path_of(db);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        super::restrict_permissions(&path)?;
        let mut wal = Self {
            file,
            path,
            end: 0,
            last: 0,
            allocated: 0,
            next_seq: applied + 1,
        };
        wal.grow(GROW)?;
        sync_dir(db)?;
        Ok(wal)
    }

    /// The number the next record gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Bytes of records since the last checkpoint.
    pub(crate) fn len(&self) -> u64 {
        self.end
    }

    /// Writes zeros ahead of the records, a page at a time: the kernel then caches the file
    /// in small pages, and an append dirties only the pages it writes (written in larger
    /// pieces, each append's sync dirtied the whole large page around it, about 900 KB for a
    /// 32 KB record in the kernel's accounts).
    fn grow(&mut self, at_least: u64) -> Result<(), StoreError> {
        let zeros = [0u8; 4096];
        let target = self.allocated + at_least.max(GROW).max(self.allocated);
        while self.allocated < target {
            let n = (target - self.allocated).min(zeros.len() as u64) as usize;
            self.file.write_all_at(&zeros[..n], self.allocated)?;
            self.allocated += n as u64;
        }
        self.file.sync_all()?;
        Ok(())
    }

    /// Writes record `seq` of `payload` and syncs it. When this fails, nothing of the record
    /// can be read back.
    pub(crate) fn append(&mut self, seq: u64, payload: &[u8]) -> Result<(), StoreError> {
        let r = record(seq, payload);
        let written = (|| -> Result<(), StoreError> {
            if self.end + r.len() as u64 > self.allocated {
                self.grow(self.end + r.len() as u64 - self.allocated)?;
            }
            self.file.write_all_at(&r, self.end)?;
            self.file.sync_data()?;
            Ok(())
        })();
        if let Err(e) = written {
            self.void_at(self.end);
            return Err(e);
        }
        self.last = self.end;
        self.end += r.len() as u64;
        self.next_seq = seq + 1;
        Ok(())
    }

    /// Voids the last record: its transaction did not commit, so it must never be applied.
    pub(crate) fn void_last(&mut self) {
        self.void_at(self.last);
        self.end = self.last;
        self.next_seq -= 1;
    }

    /// Zeros the header at `at` and syncs. If even that fails, a record whose transaction did
    /// not commit might be applied at the next start; stopping now is the only safe answer.
    fn void_at(&mut self, at: u64) {
        let zeroed = self
            .file
            .write_all_at(&[0u8; HEADER], at)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = zeroed {
            tracing::error!(error = %e, log = %self.path.display(),
                "could not void a commit-log record whose transaction failed; stopping");
            std::process::abort();
        }
    }

    /// A checkpoint made every record durable in the database: the log starts again from its
    /// beginning (older records left behind no longer follow the new ones).
    pub(crate) fn restart(&mut self) {
        self.end = 0;
        self.last = 0;
    }

    /// After a clean close's checkpoint: the log file goes.
    pub(crate) fn remove(self) -> Result<(), StoreError> {
        std::fs::remove_file(&self.path)?;
        Ok(())
    }
}

fn sync_dir(db: &Path) -> Result<(), StoreError> {
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// The last record the database holds (0 when it has never had one).
pub(crate) fn applied(db: &Database) -> Result<u64, StoreError> {
    let tx = db.begin_read()?;
    let meta = match tx.open_table(tables::META.def()) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    match meta.get(SEQ_KEY)? {
        Some(bytes) => codec::decode(bytes.value()),
        None => Ok(0),
    }
}

/// Records that `tx` holds the log's record `seq`.
pub(crate) fn mark(tx: &redb::WriteTransaction, seq: u64) -> Result<(), StoreError> {
    let mut meta = tx.open_table(tables::META.def())?;
    meta.insert(SEQ_KEY, codec::encode(&seq)?.as_slice())?;
    Ok(())
}

/// Applies the records the database at `db_path` lacks from a log left by a process that did
/// not close cleanly, durably, then removes the log. Returns the last record the database
/// holds. A log whose records do not follow the database's last one (a restored backup beside
/// the log of a later file) is refused rather than applied to the wrong file.
pub(crate) fn recover(db: &Database, db_path: &Path) -> Result<u64, StoreError> {
    let path = path_of(db_path);
    let applied = applied(db)?;
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(applied),
        Err(e) => return Err(e.into()),
    };
    let records = chain(&bytes);
    let pending: Vec<&Record<'_>> = records.iter().filter(|r| r.seq > applied).collect();
    let mut last = applied;
    if let Some(first) = pending.first() {
        if first.seq != applied + 1 {
            return Err(StoreError::Redb(format!(
                "the commit log {} holds changes {}.. but {} ends at change {applied}: it belongs \
                 to another copy of the database (after restoring a backup, delete the log)",
                path.display(),
                first.seq,
                db_path.display()
            )));
        }
        if pending.iter().any(|r| r.layout != layout()) {
            return Err(StoreError::Redb(format!(
                "the commit log {} was written by another version of Khaacho; start that \
                 version once so it applies the log, then this one",
                path.display()
            )));
        }
        let mut tx = db.begin_write()?;
        tx.set_durability(redb::Durability::Immediate)
            .map_err(|e| StoreError::Writer(e.to_string()))?;
        for r in &pending {
            for op in ops(r.payload)? {
                tables::apply(&tx, op.table, op.key, op.value)?;
            }
            last = r.seq;
        }
        mark(&tx, last)?;
        tx.commit()?;
        tracing::warn!(
            changes = pending.len(),
            through = last,
            "applied the commit log left by a process that did not close cleanly"
        );
    }
    std::fs::remove_file(&path)?;
    sync_dir(db_path)?;
    Ok(last)
}

#[cfg(test)]
#[path = "wal_tests.rs"]
mod tests;
