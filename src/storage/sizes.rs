//! `khaacho sizes`: where the database file's bytes go, as redb itself counts them.
//!
//! Every table in the file (found with `list_tables`, so none is missed and none is named
//! here) with its rows and the bytes of its pages: `stored` (keys and values as inserted),
//! `metadata` (page headers, offsets and branch keys: redb's indexing) and `fragmented`
//! (room left unused in the pages); the three add up to the table's pages. redb's
//! whole-file figures (allocated pages, page size, its own tables and free pages) come from
//! `WriteTransaction::stats`, in a transaction that writes nothing. Bytes per order divide
//! by the rows of the orders table.

use std::path::Path;

use redb::{
    DatabaseStats, MultimapTableHandle, ReadTransaction, ReadableDatabase, ReadableTableMetadata,
    TableHandle, TableStats,
};
use serde::{Deserialize, Serialize};

use super::{StoreError, tables};

/// Rows and bytes of one table, or of all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub rows: u64,
    pub leaf_pages: u64,
    pub branch_pages: u64,
    /// Keys and values as inserted.
    pub stored_bytes: u64,
    /// Page headers, offsets and branch keys: what indexing the rows costs.
    pub metadata_bytes: u64,
    /// Room left unused in the pages.
    pub fragmented_bytes: u64,
    /// Stored, metadata and fragmented bytes together: the pages the rows take.
    pub bytes: u64,
    /// `bytes` per row of the orders table; null while there are no orders.
    pub bytes_per_order: Option<f64>,
}

impl Usage {
    fn of(rows: u64, stats: &TableStats) -> Self {
        let (stored, metadata, fragmented) = (
            stats.stored_bytes(),
            stats.metadata_bytes(),
            stats.fragmented_bytes(),
        );
        Usage {
            rows,
            leaf_pages: stats.leaf_pages(),
            branch_pages: stats.branch_pages(),
            stored_bytes: stored,
            metadata_bytes: metadata,
            fragmented_bytes: fragmented,
            bytes: stored + metadata + fragmented,
            bytes_per_order: None,
        }
    }

    fn add(&mut self, other: &Usage) {
        self.rows += other.rows;
        self.leaf_pages += other.leaf_pages;
        self.branch_pages += other.branch_pages;
        self.stored_bytes += other.stored_bytes;
        self.metadata_bytes += other.metadata_bytes;
        self.fragmented_bytes += other.fragmented_bytes;
        self.bytes += other.bytes;
    }
}

/// One table's name and usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSize {
    pub name: String,
    #[serde(flatten)]
    pub usage: Usage,
}

/// redb's figures for the whole file (`WriteTransaction::stats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileStats {
    pub page_size: u64,
    pub allocated_pages: u64,
    /// `allocated_pages` × `page_size`.
    pub allocated_bytes: u64,
    pub tree_height: u32,
    /// Keys and values of every table.
    pub stored_bytes: u64,
    /// Every table's indexing, plus redb's own tables (the table directory, the free lists).
    pub metadata_bytes: u64,
    /// Every table's unused room, plus the free pages.
    pub fragmented_bytes: u64,
}

impl FileStats {
    fn of(stats: &DatabaseStats) -> Self {
        let page_size = stats.page_size() as u64;
        FileStats {
            page_size,
            allocated_pages: stats.allocated_pages(),
            allocated_bytes: stats.allocated_pages() * page_size,
            tree_height: stats.tree_height(),
            stored_bytes: stats.stored_bytes(),
            metadata_bytes: stats.metadata_bytes(),
            fragmented_bytes: stats.fragmented_bytes(),
        }
    }
}

/// Where the file's bytes go: what `khaacho sizes` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sizes {
    pub file: String,
    /// The file's length.
    pub file_bytes: u64,
    /// What the file takes on the disk: redb grows a file by doubling it (up to 4 GiB, then
    /// 4 GiB at a time) and the room not yet written is a hole, so this is often less.
    pub disk_bytes: u64,
    pub page_size: u64,
    /// Rows of the orders table.
    pub orders: u64,
    /// Every table in the file, the most bytes first.
    pub tables: Vec<TableSize>,
    /// The tables added up.
    pub total: Usage,
    /// The file's bytes in no table: the header, redb's own tables, free pages, and room
    /// the file has grown by but not handed out yet.
    pub other_bytes: u64,
    pub redb: FileStats,
    /// `file_bytes` per order; null while there are no orders.
    pub bytes_per_order: Option<f64>,
    /// `disk_bytes` per order; null while there are no orders.
    pub disk_bytes_per_order: Option<f64>,
}

/// A file's length and the bytes of disk it takes.
pub(crate) fn file_lengths(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok((m.len(), m.blocks() * 512))
}

impl Sizes {
    /// Puts the figures together: orders counted, per-order figures, largest table first.
    pub fn new(
        file: &Path,
        (file_bytes, disk_bytes): (u64, u64),
        redb: FileStats,
        mut tables: Vec<TableSize>,
    ) -> Self {
        let orders_table = tables::ORDERS.def();
        let orders = tables
            .iter()
            .find(|t| t.name == orders_table.name())
            .map_or(0, |t| t.usage.rows);
        let mut total = Usage::default();
        for t in &mut tables {
            t.usage.bytes_per_order = per_order(t.usage.bytes, orders);
            total.add(&t.usage);
        }
        total.bytes_per_order = per_order(total.bytes, orders);
        tables.sort_by(|a, b| b.usage.bytes.cmp(&a.usage.bytes).then(a.name.cmp(&b.name)));
        Sizes {
            file: file.display().to_string(),
            file_bytes,
            disk_bytes,
            page_size: redb.page_size,
            orders,
            other_bytes: file_bytes.saturating_sub(total.bytes),
            tables,
            total,
            redb,
            bytes_per_order: per_order(file_bytes, orders),
            disk_bytes_per_order: per_order(disk_bytes, orders),
        }
    }
}

/// Bytes per order to a tenth of a byte; `None` without orders.
fn per_order(bytes: u64, orders: u64) -> Option<f64> {
    (orders > 0).then(|| (bytes as f64 / orders as f64 * 10.0).round() / 10.0)
}

/// Every table and multimap table in a snapshot, with its rows and redb's statistics.
pub(crate) fn tables(tx: &ReadTransaction) -> Result<Vec<TableSize>, StoreError> {
    let mut out = Vec::new();
    for handle in tx.list_tables()? {
        let table = tx.open_untyped_table(handle.clone())?;
        out.push(TableSize {
            name: handle.name().to_string(),
            usage: Usage::of(table.len()?, &table.stats()?),
        });
    }
    for handle in tx.list_multimap_tables()? {
        let table = tx.open_untyped_multimap_table(handle.clone())?;
        out.push(TableSize {
            name: handle.name().to_string(),
            usage: Usage::of(table.len()?, &table.stats()?),
        });
    }
    Ok(out)
}

/// redb's whole-file figures, read in a write transaction the caller does not commit with
/// changes (a stopped server's file: aborted; a running one: a writer job that writes nothing).
pub(crate) fn whole(tx: &redb::WriteTransaction) -> Result<FileStats, StoreError> {
    Ok(FileStats::of(&tx.stats()?))
}

/// The sizes of a database file no other process holds (a stopped server's, a backup).
/// Nothing is committed: the write transaction the whole-file figures need is aborted (redb
/// still rewrites its own header and allocator state when it opens and closes the file, as
/// on every open, `khaacho check`'s too).
pub fn of_file(path: &Path) -> Result<Sizes, StoreError> {
    let db = super::open_existing(path, "nothing to measure")?;
    let tables = tables(&db.begin_read()?)?;
    let tx = db.begin_write()?;
    let redb = whole(&tx)?;
    tx.abort()?;
    drop(db);
    Ok(Sizes::new(path, file_lengths(path)?, redb, tables))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, rows: u64, bytes: u64) -> TableSize {
        TableSize {
            name: name.into(),
            usage: Usage {
                rows,
                stored_bytes: bytes / 2,
                metadata_bytes: bytes / 4,
                fragmented_bytes: bytes - bytes / 2 - bytes / 4,
                bytes,
                ..Usage::default()
            },
        }
    }

    #[test]
    fn tables_come_largest_first_and_add_up_per_order() {
        let file = FileStats {
            page_size: 4096,
            ..FileStats::default()
        };
        let list = vec![
            table("meta", 1, 4096),
            table("orders", 4, 8192),
            table("order_events", 12, 16384),
        ];
        let s = Sizes::new(Path::new("x.redb"), (40_000, 20_480), file, list);
        let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["order_events", "orders", "meta"]);
        assert_eq!((s.orders, s.page_size), (4, 4096));
        assert_eq!((s.total.rows, s.total.bytes), (17, 28_672));
        assert_eq!(s.other_bytes, 40_000 - 28_672);
        assert_eq!(s.bytes_per_order, Some(10_000.0));
        assert_eq!(s.disk_bytes_per_order, Some(5_120.0));
        assert_eq!(s.tables[0].usage.bytes_per_order, Some(4096.0));
        assert_eq!(s.total.bytes_per_order, Some(7168.0));
    }

    #[test]
    fn without_orders_nothing_is_per_order() {
        let s = Sizes::new(
            Path::new("x.redb"),
            (8192, 8192),
            FileStats::default(),
            vec![table("orders", 0, 0), table("meta", 1, 4096)],
        );
        assert_eq!((s.orders, s.bytes_per_order), (0, None));
        assert!(s.tables.iter().all(|t| t.usage.bytes_per_order.is_none()));
        let json = serde_json::to_value(&s).unwrap();
        assert!(json["bytes_per_order"].is_null());
        assert_eq!(
            json["tables"][0]["name"], "meta",
            "the name sits beside the figures"
        );
        assert_eq!(json["tables"][0]["rows"], 1);
    }

    #[test]
    fn a_fresh_file_lists_every_declared_table_and_measuring_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        drop(super::super::Store::open(&path).unwrap());
        let s = of_file(&path).unwrap();
        for name in tables::ALL {
            assert!(s.tables.iter().any(|t| t.name == *name), "{name} is listed");
        }
        assert_eq!((s.orders, s.bytes_per_order), (0, None));
        assert_eq!(s.page_size, 4096);
        assert!(s.total.rows >= 1, "the schema version is a row of meta");
        assert!(s.total.bytes <= s.redb.allocated_bytes);
        assert!(s.redb.allocated_bytes <= s.file_bytes);
        assert_eq!(s.file_bytes, std::fs::metadata(&path).unwrap().len());
        let again = of_file(&path).unwrap();
        assert_eq!(again.tables, s.tables, "measuring commits nothing");
        assert_eq!(again.file_bytes, s.file_bytes);
    }
}
