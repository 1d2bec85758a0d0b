//! `khaacho sizes` on a database without orders and with some: every table is listed, the
//! figures add up, and the file is divided by the orders. (A module of `tests/cli.rs`.)

use std::path::Path;

use serde_json::Value;

use super::{json_out, khaacho};

/// One table of what `khaacho sizes` printed.
fn table<'a>(sizes: &'a Value, name: &str) -> &'a Value {
    sizes["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed: {sizes}"))
}

/// The figures `khaacho sizes` printed agree with each other.
fn adds_up(sizes: &Value) {
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("{v} is a count"));
    let tables = sizes["tables"].as_array().unwrap();
    let sum = |field: &str| tables.iter().map(|t| n(&t[field])).sum::<u64>();
    let (file_bytes, page_size) = (n(&sizes["file_bytes"]), n(&sizes["page_size"]));
    for t in tables {
        let parts = n(&t["stored_bytes"]) + n(&t["metadata_bytes"]) + n(&t["fragmented_bytes"]);
        assert_eq!(n(&t["bytes"]), parts, "{t}");
        assert_eq!(
            n(&t["bytes"]) % page_size,
            0,
            "a table takes whole pages: {t}"
        );
    }
    assert!(
        tables
            .windows(2)
            .all(|w| n(&w[0]["bytes"]) >= n(&w[1]["bytes"])),
        "largest first"
    );
    for field in [
        "rows",
        "stored_bytes",
        "metadata_bytes",
        "fragmented_bytes",
        "bytes",
    ] {
        assert_eq!(sum(field), n(&sizes["total"][field]), "total {field}");
    }
    assert!(sum("stored_bytes") <= file_bytes);
    assert!(n(&sizes["total"]["bytes"]) <= n(&sizes["redb"]["allocated_bytes"]));
    assert!(n(&sizes["redb"]["allocated_bytes"]) <= file_bytes);
    assert_eq!(
        n(&sizes["other_bytes"]),
        file_bytes - n(&sizes["total"]["bytes"])
    );
}

#[test]
fn sizes_accounts_for_every_table_and_divides_the_file_by_the_orders() {
    let dir = tempfile::tempdir().unwrap();
    let out = khaacho(dir.path()).arg("sizes").output().unwrap();
    assert!(!out.status.success(), "no database, nothing to measure");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));
    assert!(
        !dir.path().join("khaacho.redb").exists(),
        "sizes creates nothing"
    );

    // Without a server, `reindex` creates the database with the demo data (no orders).
    let out = khaacho(dir.path()).arg("reindex").output().unwrap();
    assert!(out.status.success());
    let out = khaacho(dir.path()).arg("sizes").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sizes = json_out(&out);
    adds_up(&sizes);
    for name in khaacho::storage::tables::ALL {
        table(&sizes, name);
    }
    assert_eq!(table(&sizes, "products")["rows"], 205);
    assert_eq!(
        (&sizes["orders"], &table(&sizes, "orders")["rows"]),
        (&0.into(), &0.into())
    );
    assert!(sizes["bytes_per_order"].is_null());
    assert!(table(&sizes, "products")["bytes_per_order"].is_null());

    let out = khaacho(dir.path())
        .args(["simulate", "--days", "3", "--orders-per-day", "5"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sizes = json_out(&khaacho(dir.path()).arg("sizes").output().unwrap());
    adds_up(&sizes);
    let orders = sizes["orders"].as_u64().unwrap();
    assert!(orders > 0);
    assert_eq!(table(&sizes, "orders")["rows"], orders);
    let check = json_out(&khaacho(dir.path()).arg("check").output().unwrap());
    assert_eq!(
        check["counts"]["orders"], orders,
        "check counts the same orders"
    );
    let per_order = sizes["file_bytes"].as_u64().unwrap() as f64 / orders as f64;
    assert!((sizes["bytes_per_order"].as_f64().unwrap() - per_order).abs() <= 0.05);
    let on_disk = sizes["disk_bytes"].as_u64().unwrap();
    assert!(on_disk > 0, "the file takes some disk: {sizes}");
    assert_eq!(on_disk % 512, 0, "counted in 512-byte blocks");
    let length = sizes["file_bytes"].as_u64().unwrap();
    assert!(
        on_disk <= length + (1 << 20),
        "{on_disk} on disk for {length}"
    );
    let per_order = on_disk as f64 / orders as f64;
    assert!((sizes["disk_bytes_per_order"].as_f64().unwrap() - per_order).abs() <= 0.05);
    let total = sizes["total"]["bytes"].as_u64().unwrap() as f64 / orders as f64;
    assert!((sizes["total"]["bytes_per_order"].as_f64().unwrap() - total).abs() <= 0.05);
}

/// `sizes` while a server holds the file (the server measures it), and `sizes --file` on a
/// backup taken from it.
pub fn measured_by_the_server_and_on_a_backup(dir: &Path, backup: &Path) {
    for args in [
        vec!["sizes"],
        vec!["sizes", "--file", backup.to_str().unwrap()],
    ] {
        let out = khaacho(dir).args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sizes = json_out(&out);
        assert_eq!(table(&sizes, "products")["rows"], 205, "{args:?}");
        adds_up(&sizes);
    }
}
