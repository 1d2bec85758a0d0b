//! The newest committed snapshot, shared by the server's short reads until the next commit.
//!
//! Beginning a redb read transaction registers it with the database, and every table a
//! snapshot reads must be opened in it (a lookup in its table directory). A request's own
//! reads (its session, a small cart's plan) used to pay both each time; between two commits
//! every such read would see the same data, so they now share one snapshot. The writer drops
//! it after each commit and before it answers anyone, so a request that starts after an
//! answer never reads a state older than what that answer reported.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use redb::{Database, ReadableDatabase};

use super::StoreError;
use super::keyed::KeyIndex;
use super::typed::ReadTx;

#[derive(Default)]
pub(crate) struct Latest {
    current: Mutex<Option<Arc<ReadTx>>>,
}

impl Latest {
    fn current(&self) -> MutexGuard<'_, Option<Arc<ReadTx>>> {
        // Nothing is left half-done under this lock: a poisoned one still holds a valid value.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The snapshot to read: the shared one, or a new one begun now (under the lock, so one
    /// begun before a commit cannot be kept after the writer has dropped the last).
    pub(crate) fn get(
        &self,
        db: &Database,
        keyed: &Arc<KeyIndex>,
    ) -> Result<Arc<ReadTx>, StoreError> {
        let mut current = self.current();
        if let Some(tx) = current.as_ref() {
            return Ok(tx.clone());
        }
        let tx = Arc::new(ReadTx::new(db.begin_read()?, keyed.clone()));
        *current = Some(tx.clone());
        Ok(tx)
    }

    /// Called by the writer once a commit has returned, before its jobs are answered.
    pub(crate) fn committed(&self) {
        // Dropped outside the lock: the last holder of a snapshot ends its transaction.
        let old = self.current().take();
        drop(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{TableRead, Tx, tables};

    /// A database whose meta table holds `v` = `value`.
    fn holding(value: u64) -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        put(&db, value);
        (dir, db)
    }

    fn put(db: &Database, value: u64) {
        let tx = db.begin_write().unwrap();
        tables::create_all(&tx).unwrap();
        {
            let mut meta = tx.open_table(tables::META.def()).unwrap();
            let bytes = crate::storage::codec::encode(&value).unwrap();
            meta.insert("v", bytes.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }

    fn read(latest: &Latest, db: &Database) -> Option<u64> {
        let keyed = Arc::default();
        let tx = latest.get(db, &keyed).unwrap();
        tx.open(tables::META).unwrap().get("v").unwrap()
    }

    #[test]
    fn reads_share_a_snapshot_until_the_writer_reports_a_commit() {
        let (_dir, db) = holding(1);
        let latest = Latest::default();
        let (a, b) = (
            latest.get(&db, &Arc::default()).unwrap(),
            latest.get(&db, &Arc::default()).unwrap(),
        );
        assert!(
            Arc::ptr_eq(&a, &b),
            "two reads between commits share one snapshot"
        );
        drop((a, b));
        assert_eq!(read(&latest, &db), Some(1));
        put(&db, 2);
        // Until the writer says so, the shared snapshot is the one from before.
        assert_eq!(read(&latest, &db), Some(1));
        latest.committed();
        assert_eq!(read(&latest, &db), Some(2));
    }

    #[test]
    fn a_snapshot_is_read_from_many_threads_at_once() {
        let (_dir, db) = holding(7);
        let latest = Latest::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100 {
                        assert_eq!(read(&latest, &db), Some(7));
                    }
                });
            }
        });
    }
}
