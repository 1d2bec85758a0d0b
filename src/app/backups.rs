//! Backups kept on the box, for the console: consistent copies of the database in
//! `DATA_DIR/backups/` (mode 0700), named by their UTC time (`khaacho-YYYYMMDD-HHMMSS.redb`),
//! taken, listed and opened by name. The copy is [`Store::snapshot_to`], the one `khaacho
//! backup` uses; only a name of exactly that shape is ever joined to the directory.
//!
//! [`Store::snapshot_to`]: crate::storage::Store::snapshot_to

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use crate::app::services::Services;
use crate::audit::{self, Actor};
use crate::storage::StoreError;

/// The directory inside the data directory that holds the backups.
pub const DIR: &str = "backups";

/// One backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backup {
    /// The file name, `khaacho-YYYYMMDD-HHMMSS.redb`.
    pub name: String,
    /// The file's size.
    pub bytes: u64,
    /// When it was taken (UTC, from its name).
    pub created_at: DateTime<Utc>,
}

/// Why a backup could not be taken, listed or opened.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("'{0}' is not a backup name; names look like khaacho-20261126-040000.redb")]
    BadName(String),
    #[error("no backup named {0}")]
    NotFound(String),
    #[error("the backup {0} was taken this second; try again in a second")]
    Exists(String),
    #[error("backup files: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One backup at a time: two in the same second would share a file name.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The name of a backup taken at `at`.
pub fn name_for(at: DateTime<Utc>) -> String {
    format!("khaacho-{}.redb", at.format("%Y%m%d-%H%M%S"))
}

/// The time a backup name stands for; `None` for anything not shaped
/// `^khaacho-\d{8}-\d{6}\.redb$` or not a real time.
pub fn parse_name(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix("khaacho-")?.strip_suffix(".redb")?;
    let shaped = stamp.len() == 15
        && stamp.bytes().enumerate().all(|(i, b)| match i {
            8 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

/// Creates the directory (0700) when missing and takes back any wider mode.
fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if std::fs::metadata(dir)?.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The backups in `dir`, newest first; other files are left out.
fn list_dir(dir: &Path) -> Result<Vec<Backup>, BackupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some(created_at) = parse_name(&name) else {
            continue;
        };
        let meta = entry.metadata()?;
        if meta.is_file() {
            found.push(Backup {
                name,
                bytes: meta.len(),
                created_at,
            });
        }
    }
    found.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(found)
}

impl Services {
    fn backup_dir(&self) -> PathBuf {
        self.config().data_dir.join(DIR)
    }

    /// Takes a consistent backup into `DATA_DIR/backups/`, named by the time now, and audits
    /// it as `backup.create`. Refused when a backup of that name exists.
    pub async fn create_backup(&self, actor: Actor) -> Result<Backup, BackupError> {
        let _one = ONE_AT_A_TIME.lock().await;
        let now = self.clock().now();
        let (name, dir) = (name_for(now), self.backup_dir());
        let dest = dir.join(&name);
        let exists = {
            let dest = dest.clone();
            tokio::task::spawn_blocking(move || ensure_dir(&dir).map(|()| dest.exists()))
                .await
                .map_err(StoreError::from)??
        };
        if exists {
            return Err(BackupError::Exists(name));
        }
        let report = self.store().snapshot_to(dest).await?;
        let (target, details) = (
            format!("backup:{name}"),
            format!("{} rows, {} bytes", report.rows, report.bytes),
        );
        self.store()
            .write(move |tx| {
                audit::record(
                    tx,
                    now,
                    &actor,
                    "backup.create",
                    target.clone(),
                    details.clone(),
                )
            })
            .await?;
        tracing::info!(backup = %name, bytes = report.bytes, "backup taken");
        let created_at = parse_name(&name).unwrap_or(now);
        Ok(Backup {
            name,
            bytes: report.bytes,
            created_at,
        })
    }

    /// The backups kept in `DATA_DIR/backups/`, newest first.
    pub async fn backups(&self) -> Result<Vec<Backup>, BackupError> {
        let dir = self.backup_dir();
        tokio::task::spawn_blocking(move || list_dir(&dir))
            .await
            .map_err(StoreError::from)?
    }

    /// Opens a backup by name for reading. A name not shaped like a backup's is refused
    /// before it comes near the file system.
    pub async fn open_backup(&self, name: &str) -> Result<(Backup, tokio::fs::File), BackupError> {
        let created_at = parse_name(name).ok_or_else(|| BackupError::BadName(name.into()))?;
        let path = self.backup_dir().join(name);
        let missing = || BackupError::NotFound(name.to_string());
        match tokio::fs::symlink_metadata(&path).await {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => return Err(missing()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(e.into()),
        }
        let file = tokio::fs::File::open(&path).await?;
        let backup = Backup {
            name: name.to_string(),
            bytes: file.metadata().await?.len(),
            created_at,
        };
        Ok((backup, file))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn only_names_shaped_like_a_backup_are_read() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 4, 5, 6).unwrap();
        assert_eq!(name_for(at), "khaacho-20261126-040506.redb");
        assert_eq!(parse_name("khaacho-20261126-040506.redb"), Some(at));
        for bad in [
            "../x",
            "khaacho-1.redb",
            "khaacho-20261126-040506.redb/../../etc",
            "khaacho-2026112a-040506.redb",
            "khaacho-20261126_040506.redb",
            "khaacho-20261399-040506.redb",
            "khaacho-+2026112-040506.redb",
            "/khaacho-20261126-040506.redb",
            "khaacho-20261126-040506.redb.tmp",
            ".khaacho-20261126-040506.redb",
            "",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_listing_is_newest_first_and_skips_other_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "khaacho-20261125-230000.redb",
            "khaacho-20261126-040000.redb",
            ".khaacho-20261126-050000.redb.1.tmp",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"1234").unwrap();
        }
        std::fs::create_dir(dir.path().join("khaacho-20261127-000000.redb")).unwrap();
        let names: Vec<String> = list_dir(dir.path())
            .unwrap()
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(
            names,
            [
                "khaacho-20261126-040000.redb",
                "khaacho-20261125-230000.redb"
            ]
        );
        assert!(list_dir(&dir.path().join("none")).unwrap().is_empty());
    }
}
