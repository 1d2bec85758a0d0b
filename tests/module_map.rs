//! The map at the top of `src/lib.rs` is the truth: every module is in it, and a module uses
//! only the modules listed after it (the layers), so there are no import circles.
//!
//! The one allowed way up is the storage registry (`storage/tables.rs` and the migrations,
//! `storage/schema.rs`, `storage/schema_v6.rs`, `storage/schema_v8.rs`, `storage/schema_v9.rs` and
//! `storage/schema_v10.rs`, name the value types
//! the domains store), and `web` reading the application state handle
//! (`app::server::AppState`), which `app` builds around `web`'s router.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Files allowed to name modules above their own: the table registry and its migrations.
const REGISTRY: [&str; 6] = [
    "storage/tables.rs",
    "storage/schema.rs",
    "storage/schema_v6.rs",
    "storage/schema_v8.rs",
    "storage/schema_v9.rs",
    "storage/schema_v10.rs",
];

/// `(from, to)` edges that point up the map on purpose, each explained in the module's doc.
const ALLOWED_UP: [(&str, &str); 1] = [("web", "app")];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The modules named in the `//!` map of lib.rs, in order.
fn map_order(lib: &str) -> Vec<String> {
    let mut order = Vec::new();
    for line in lib.lines().filter(|l| l.starts_with("//! - [`")) {
        let name = line.trim_start_matches("//! - [`");
        let name = name.split('`').next().unwrap_or_default();
        order.push(name.to_string());
    }
    order
}

/// The modules lib.rs declares.
fn declared(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .map(str::trim)
        .filter_map(|l| {
            l.strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))
        })
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names as `crate::x`, comments left out.
fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[at + "crate::".len()..];
            // `crate::{a::X, b}` names several modules at once.
            let names = match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .collect(),
                None => vec![rest],
            };
            for name in names {
                let name: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

#[test]
fn uses_are_read_from_paths_and_groups() {
    let text = "use crate::orders::Order; // crate::web\nuse crate::{audit, types::Msisdn};\nx = mycrate::app";
    let found: Vec<String> = uses(text).into_iter().collect();
    assert_eq!(found, ["audit", "orders", "types"]);
}

#[test]
fn every_module_is_on_the_map_and_only_once() {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    let order = map_order(&lib);
    let on_map: BTreeSet<String> = order.iter().cloned().collect();
    assert_eq!(
        on_map.len(),
        order.len(),
        "a module is listed twice: {order:?}"
    );
    assert_eq!(
        on_map,
        declared(&lib),
        "the map in lib.rs and its `mod` lines differ"
    );
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    let order = map_order(&lib);
    let layer = |name: &str| order.iter().position(|m| m == name);
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(src())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if REGISTRY.contains(&relative.as_str()) {
            continue;
        }
        let Some(from) = relative
            .split(['/', '.'])
            .next()
            .filter(|m| layer(m).is_some())
        else {
            continue;
        };
        for to in uses(&fs::read_to_string(&file).unwrap()) {
            let (Some(a), Some(b)) = (layer(from), layer(&to)) else {
                continue;
            };
            if b < a && !ALLOWED_UP.contains(&(from, to.as_str())) {
                wrong.push(format!(
                    "{relative} uses crate::{to}, which is above `{from}` on the map"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the map:\n{}",
        wrong.join("\n")
    );
}
