//! Reads the catalog import format: a CSV with a header row, required columns `sku,name`,
//! optional `brand,category,pack_size,unit,aliases` (aliases separated by `|`) and `active`;
//! unknown columns are ignored. Product ids are row numbers, starting at 1.
//!
//! It is lenient where a value is only a hint (an unreadable pack size is dropped) and strict
//! where the row would be meaningless (no sku or no name is an error naming the row).

use super::types::{CatalogItem, MatchError};
use rust_decimal::Decimal;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

/// Column positions found in the header.
struct Columns {
    sku: usize,
    name: usize,
    brand: Option<usize>,
    category: Option<usize>,
    pack_size: Option<usize>,
    unit: Option<usize>,
    aliases: Option<usize>,
    active: Option<usize>,
}

/// Reads a catalog CSV file.
pub fn read_catalog_csv(path: &Path) -> Result<Vec<CatalogItem>, MatchError> {
    let file = std::fs::File::open(path).map_err(|e| MatchError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    parse_catalog(file)
}

/// Reads catalog CSV from any reader; a row without sku or name is an error.
pub fn parse_catalog(input: impl Read) -> Result<Vec<CatalogItem>, MatchError> {
    let (items, skipped) = parse(input)?;
    match skipped.first() {
        Some(row) => Err(MatchError::Invalid(format!(
            "catalog row {row}: sku and name are required"
        ))),
        None => Ok(items),
    }
}

/// Reads catalog CSV, leaving out rows without sku or name; returns their row numbers too.
/// For measurements, where one bad row should not stop the run.
pub(crate) fn parse_lenient(path: &Path) -> Result<(Vec<CatalogItem>, Vec<u64>), MatchError> {
    let file = std::fs::File::open(path).map_err(|e| MatchError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    parse(file)
}

fn parse(input: impl Read) -> Result<(Vec<CatalogItem>, Vec<u64>), MatchError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let cols = columns(reader.headers()?)?;
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    for (row, record) in (1u64..).zip(reader.records()) {
        match item(row, &record?, &cols) {
            Some(item) => items.push(item),
            None => skipped.push(row),
        }
    }
    Ok((items, skipped))
}

fn columns(header: &csv::StringRecord) -> Result<Columns, MatchError> {
    let find = |name: &str| {
        header.iter().position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let required = |name: &str| {
        find(name).ok_or_else(|| MatchError::Invalid(format!("catalog has no `{name}` column")))
    };
    Ok(Columns {
        sku: required("sku")?,
        name: required("name")?,
        brand: find("brand"),
        category: find("category"),
        pack_size: find("pack_size"),
        unit: find("unit"),
        aliases: find("aliases"),
        active: find("active"),
    })
}

fn item(row: u64, record: &csv::StringRecord, cols: &Columns) -> Option<CatalogItem> {
    let get = |col: Option<usize>| {
        col.and_then(|c| record.get(c))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let sku = get(Some(cols.sku));
    let name = get(Some(cols.name));
    let (Some(sku), Some(name)) = (sku, name) else {
        return None;
    };
    Some(CatalogItem {
        product_id: row,
        sku: sku.to_string(),
        name: name.to_string(),
        brand: get(cols.brand).map(str::to_string),
        category: get(cols.category).map(str::to_string),
        pack_size: get(cols.pack_size).and_then(|s| Decimal::from_str(s).ok()),
        unit: get(cols.unit).map(str::to_lowercase),
        aliases: get(cols.aliases)
            .map(|a| {
                a.split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        active: get(cols.active)
            .is_none_or(|a| !matches!(a.to_lowercase().as_str(), "false" | "0" | "no" | "n")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_optional_and_unknown_columns_are_read_as_documented() {
        let csv = "name,sku,extra,aliases,pack_size,unit\n\
                   Basmati Rice,RICE-1KG,x,chamal|चामल,1,KG\n\
                   Sugar,SUGAR-1KG,,,,\n";
        let items = parse_catalog(csv.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].product_id, 1);
        assert_eq!(items[0].aliases, vec!["chamal", "चामल"]);
        assert_eq!(items[0].pack_size, Some(Decimal::ONE));
        assert_eq!(items[0].unit.as_deref(), Some("kg"));
        assert!(items[1].active && items[1].aliases.is_empty());
    }

    #[test]
    fn a_missing_required_column_or_value_is_an_error() {
        assert!(parse_catalog("name\nRice\n".as_bytes()).is_err());
        assert!(parse_catalog("sku,name\n,Rice\n".as_bytes()).is_err());
    }
}
