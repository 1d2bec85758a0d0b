//! Reading a catalog CSV: every row validated before anything is written.
//!
//! Header row first; required columns `sku,name`; optional `brand,category,pack_size,unit,
//! aliases` (aliases separated by `|`); unknown columns are ignored. Errors name the line,
//! the column and what is wrong, for every bad row at once.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;

use super::PackUnit;
use crate::types::sku::Sku;

/// One product as written in a catalog file or a create request.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductInput {
    pub sku: String,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub pack_size: Option<Decimal>,
    pub unit: Option<PackUnit>,
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

const MAX_ROWS: usize = 200_000;

/// Parses and validates a whole file; returns every problem found, or the rows.
pub fn parse(text: &str) -> Result<Vec<ProductInput>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let columns = header_columns(&mut reader)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(err(line, "", format!("unreadable CSV: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        match row(
            line,
            &Fields {
                record: &record,
                columns: &columns,
            },
        ) {
            Ok(p) => match seen.insert(p.sku.clone(), line) {
                Some(first) => {
                    errors.push(err(line, "sku", format!("{} repeats line {first}", p.sku)))
                }
                None => rows.push(p),
            },
            Err(mut e) => errors.append(&mut e),
        }
        if rows.len() > MAX_ROWS {
            errors.push(err(line, "", format!("more than {MAX_ROWS} rows")));
            break;
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn header_columns(
    reader: &mut csv::Reader<&[u8]>,
) -> Result<HashMap<String, usize>, Vec<RowError>> {
    let headers = reader
        .headers()
        .map_err(|e| vec![err(1, "", format!("unreadable header: {e}"))])?;
    let columns: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
        .collect();
    let missing: Vec<RowError> = ["sku", "name"]
        .iter()
        .filter(|c| !columns.contains_key(**c))
        .map(|c| err(1, c, "required column is missing from the header".into()))
        .collect();
    if missing.is_empty() {
        Ok(columns)
    } else {
        Err(missing)
    }
}

fn err(line: u64, column: &str, reason: String) -> RowError {
    RowError {
        line,
        column: column.to_string(),
        reason,
    }
}

/// One CSV record seen through the header's column positions.
struct Fields<'r> {
    record: &'r csv::StringRecord,
    columns: &'r HashMap<String, usize>,
}

impl<'r> Fields<'r> {
    fn get(&self, name: &str) -> &'r str {
        self.columns
            .get(name)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }
}

fn row(line: u64, f: &Fields<'_>) -> Result<ProductInput, Vec<RowError>> {
    let field = |name: &str| f.get(name);
    let mut errors = Vec::new();
    let mut check = |column: &str, r: Result<(), String>| {
        if let Err(reason) = r {
            errors.push(err(line, column, reason));
        }
    };
    let sku = match Sku::read(field("sku")) {
        Ok(sku) => sku.into_string(),
        Err(e) => {
            check("sku", Err(e));
            field("sku").trim().to_uppercase()
        }
    };
    let name = field("name").to_string();
    check("name", validate_text(&name, 200, true));
    let brand = optional(field("brand"));
    check("brand", optional_text(&brand, 100));
    let category = optional(field("category"));
    check("category", optional_text(&category, 100));
    let pack_size = parse_pack_size(field("pack_size"));
    let unit = parse_unit(field("unit"));
    check(
        "pack_size",
        pack_size.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    check("unit", unit.as_ref().map(|_| ()).map_err(Clone::clone));
    if let (Ok(size), Ok(unit)) = (&pack_size, &unit) {
        check("unit", pair_size_and_unit(*size, *unit));
    }
    let (pack_size, unit) = (pack_size.unwrap_or(None), unit.unwrap_or(None));
    let aliases = split_aliases(field("aliases"));
    check(
        "aliases",
        aliases
            .iter()
            .try_for_each(|a| validate_text(a, 100, false)),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ProductInput {
        sku,
        name,
        brand,
        category,
        pack_size,
        unit,
        aliases,
    })
}

/// A product's aliases as the API takes them: at most 100, each 1 to 100 characters.
pub fn validate_aliases(list: &[String]) -> Result<(), String> {
    if list.len() > 100 {
        return Err("at most 100".into());
    }
    list.iter().try_for_each(|a| validate_text(a, 100, true))
}

/// An optional text, when given: 1 to `max` characters.
fn optional_text(text: &Option<String>, max: usize) -> Result<(), String> {
    text.as_deref()
        .map_or(Ok(()), |t| validate_text(t, max, true))
}

pub fn validate_text(text: &str, max: usize, required: bool) -> Result<(), String> {
    if required && text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let len = text.chars().count();
    if len > max {
        return Err(format!("must be at most {max} characters (got {len})"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

fn optional(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_string())
}

pub fn parse_pack_size(raw: &str) -> Result<Option<Decimal>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match Decimal::from_str(t) {
        Ok(d) if d > Decimal::ZERO && d < Decimal::from(1_000_000) => Ok(Some(d.normalize())),
        _ => Err(format!("'{t}' is not a positive number, e.g. 1, 0.5 or 25")),
    }
}

fn parse_unit(raw: &str) -> Result<Option<PackUnit>, String> {
    let t = raw.trim();
    if t.is_empty() {
        Ok(None)
    } else {
        PackUnit::from_str(t).map(Some)
    }
}

pub fn pair_size_and_unit(size: Option<Decimal>, unit: Option<PackUnit>) -> Result<(), String> {
    match (size, unit) {
        (Some(_), None) => Err("a pack size needs its unit (g, kg, ml, l or pcs)".into()),
        (None, Some(_)) => Err("a unit needs a pack size".into()),
        _ => Ok(()),
    }
}

pub fn split_aliases(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in raw.split('|').map(str::trim).filter(|a| !a.is_empty()) {
        if !out.iter().any(|o| o == a) {
            out.push(a.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_is_read_with_optional_and_unknown_columns() {
        let csv = "sku,name,brand,unit,pack_size,aliases,colour\n\
                   rice-1kg,Mansuli Rice 1 kg,,kg,1,chamal|चामल|chamal,white\n\
                   SALT-1KG,Salt,Aayo,kg,1,,\n";
        let rows = parse(csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].sku, "RICE-1KG");
        assert_eq!(rows[0].aliases, vec!["chamal", "चामल"]);
        assert_eq!(rows[1].brand.as_deref(), Some("Aayo"));
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_column() {
        let csv =
            "sku,name,pack_size,unit\nOK-1,Fine,1,kg\n,No sku,1,kg\nBAD-2,,x,kg\nOK-1,Again,,\n";
        let errors = parse(csv).unwrap_err();
        let at: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert!(at.contains(&(3, "sku")), "{errors:?}");
        assert!(at.contains(&(4, "name")), "{errors:?}");
        assert!(at.contains(&(4, "pack_size")), "{errors:?}");
        assert!(at.contains(&(5, "sku")), "duplicate sku: {errors:?}");
    }

    #[test]
    fn a_header_without_required_columns_is_refused() {
        let errors = parse("code,title\nA,B\n").unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| e.line == 1));
    }

    #[test]
    fn a_pack_size_without_unit_is_refused() {
        let errors = parse("sku,name,pack_size\nA-1,Thing,5\n").unwrap_err();
        assert_eq!(errors[0].column, "unit");
    }
}
