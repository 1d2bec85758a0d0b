//! Consistent copies of the live database (backups), taken without stopping writers.
//!
//! A read snapshot is copied table by table into a fresh redb file next to the destination,
//! which is synced and then renamed into place, so a reader never sees a half-written backup.

use std::path::Path;

use redb::{Database, Durability, ReadableDatabase};
use serde::Serialize;

use super::{StoreError, tables};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

pub(crate) fn write(live: &Database, dest: &Path) -> Result<Report, StoreError> {
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let file_name = dest
        .file_name()
        .ok_or_else(|| StoreError::Io(format!("{} is not a file path", dest.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let result = copy_into(live, &tmp);
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, dest)?;
    std::fs::File::open(&dir)?.sync_all()?;
    let bytes = std::fs::metadata(dest)?.len();
    Ok(Report {
        path: dest.display().to_string(),
        rows,
        bytes,
    })
}

fn copy_into(live: &Database, tmp: &Path) -> Result<u64, StoreError> {
    let copy = super::builder()
        .create(tmp)
        .map_err(|e| StoreError::Redb(e.to_string()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    let src = live.begin_read()?;
    let mut dst = copy.begin_write()?;
    dst.set_durability(Durability::Immediate)
        .map_err(|e| StoreError::Writer(e.to_string()))?;
    tables::create_all(&dst)?;
    let rows = tables::copy_all(&src, &dst)?;
    dst.commit()?;
    drop(copy);
    Ok(rows)
}
