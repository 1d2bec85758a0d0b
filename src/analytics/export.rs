//! The day's export for a national roll-up: Parquet files any engine reads (DuckDB's
//! `read_parquet('…/*.parquet')`), one per table and Nepal day, named `TABLE-YYYY-MM-DD.parquet`,
//! with the box's region in every row. Money is Int64 paisa, times UTC microseconds, pages
//! ZSTD-compressed.
//!
//! - `orders-D.parquet`: the orders delivered on day D (by their Nepal delivery day), with the
//!   commission the ledger posted for each;
//! - `daily_facts-D.parquet`: the day's facts, one row per dimension.
//!
//! Files are written under a temporary name and renamed, so a reader never sees half a file.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DataType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;
use serde::Serialize;

use super::facts::{self, Fact};
use crate::ledger::{self, AccountKind, TransferCode};
use crate::orders::Order;
use crate::storage::{StoreError, TableRead, Tx, tables};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing {path}: {reason}")]
    Write { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub day: NaiveDate,
    pub files: Vec<PathBuf>,
    pub orders: usize,
    pub fact_rows: usize,
}

const ORDERS: &str = "
message orders {
  required binary region (STRING);
  required binary number (STRING);
  required int64 order_id;
  required int64 retailer_id;
  required int64 vendor_id;
  required binary state (STRING);
  required binary district (STRING);
  required int64 subtotal_paisa;
  required int64 vat_paisa;
  required int64 total_paisa;
  required int64 commission_paisa;
  required int32 lines;
  required int64 placed_at (TIMESTAMP(MICROS,true));
  optional int64 accepted_at (TIMESTAMP(MICROS,true));
  required int64 delivered_at (TIMESTAMP(MICROS,true));
  required int32 delivered_on (DATE);
}";

const FACTS: &str = "
message daily_facts {
  required binary region (STRING);
  required int32 date (DATE);
  required binary dimension (STRING);
  required int64 placed;
  required int64 accepted;
  required int64 delivered;
  required int64 cancelled;
  required int64 units_placed;
  required int64 units_delivered;
  required int64 gmv_paisa;
  required int64 gmv_excl_vat_paisa;
  required int64 vat_paisa;
  required int64 commission_paisa;
  required int64 reversed_paisa;
  required int64 credit_issued_paisa;
  required int64 repaid_paisa;
  required int64 invoices_paid;
  required int64 invoices_paid_late;
  required int64 days_late_total;
  required int64 previews;
}";

/// Days since 1970-01-01, as Parquet's DATE counts.
fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

/// The orders delivered on `day` with their net commission, in id order.
fn delivered_on(tx: &impl Tx, day: NaiveDate) -> Result<Vec<(Order, i64)>, StoreError> {
    let (start, end) = (
        facts::day_start(day),
        facts::day_start(day + Duration::days(1)),
    );
    let revenue = ledger::account_by_key(tx, AccountKind::PlatformRevenue, 0)?.map(|a| a.id);
    let transfers = tx.open(tables::LEDGER_TRANSFERS)?;
    let orders = tx.open(tables::ORDERS)?;
    let mut commission: HashMap<u64, i64> = HashMap::new();
    let mut ids = std::collections::BTreeSet::new();
    for entry in transfers.range(facts::first_at(&transfers, start, |t| t.at)?..)? {
        let (_, t) = entry?;
        if t.at >= end {
            break;
        }
        let Some(order) = t.order_id else { continue };
        ids.insert(order);
        if t.code == TransferCode::Commission && Some(t.credit_account) == revenue {
            *commission.entry(order).or_default() += t.amount;
        }
    }
    let mut out = Vec::new();
    for id in ids {
        if let Some(o) = orders.get(id)?
            && o.delivered_at.is_some_and(|d| d >= start && d < end)
        {
            out.push((o, commission.get(&id).copied().unwrap_or(0)));
        }
    }
    Ok(out)
}

/// Writes the day's files into `dir` for `region`.
pub fn export_day(
    tx: &impl Tx,
    day: NaiveDate,
    region: &str,
    dir: &Path,
) -> Result<Exported, ExportError> {
    let fail = |path: &Path, e: &dyn std::fmt::Display| ExportError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, &e))?;
    let orders = delivered_on(tx, day)?;
    let mut districts: HashMap<u64, String> = HashMap::new();
    for (o, _) in &orders {
        if let std::collections::hash_map::Entry::Vacant(e) = districts.entry(o.retailer_id) {
            let r = crate::retailers::store::get(tx, o.retailer_id)?;
            e.insert(r.map_or_else(String::new, |r| r.district));
        }
    }
    let facts = facts::stored(tx, day, day, "")?
        .remove(&day)
        .unwrap_or_default();
    let orders_path = dir.join(format!("orders-{day}.parquet"));
    write_atomically(&orders_path, ORDERS, |rg| {
        write_orders(rg, &orders, region, &districts, day)
    })
    .map_err(|e| fail(&orders_path, &e))?;
    let facts_path = dir.join(format!("daily_facts-{day}.parquet"));
    let rows: Vec<(&String, &Fact)> = facts.iter().collect();
    write_atomically(&facts_path, FACTS, |rg| write_facts(rg, &rows, region, day))
        .map_err(|e| fail(&facts_path, &e))?;
    Ok(Exported {
        day,
        files: vec![orders_path, facts_path],
        orders: orders.len(),
        fact_rows: rows.len(),
    })
}

type Rg<'a> = SerializedRowGroupWriter<'a, File>;

fn write_atomically(
    path: &Path,
    schema: &str,
    fill: impl FnOnce(&mut Rg<'_>) -> Result<(), ParquetError>,
) -> Result<(), ParquetError> {
    let tmp = path.with_extension("parquet.tmp");
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_created_by("khaacho".into())
        .build();
    let mut w = SerializedFileWriter::new(
        File::create(&tmp)?,
        Arc::new(parse_message_type(schema)?),
        Arc::new(props),
    )?;
    let mut rg = w.next_row_group()?;
    fill(&mut rg)?;
    rg.close()?;
    w.close()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn col<T: DataType>(
    rg: &mut Rg<'_>,
    values: &[T::T],
    defs: Option<&[i16]>,
) -> Result<(), ParquetError> {
    let mut c = rg
        .next_column()?
        .ok_or_else(|| ParquetError::General("the schema has fewer columns".into()))?;
    c.typed::<T>().write_batch(values, defs, None)?;
    c.close()
}

fn text(rg: &mut Rg<'_>, values: impl Iterator<Item = String>) -> Result<(), ParquetError> {
    let v: Vec<ByteArray> = values.map(|s| ByteArray::from(s.into_bytes())).collect();
    col::<ByteArrayType>(rg, &v, None)
}

fn int(rg: &mut Rg<'_>, values: impl Iterator<Item = i64>) -> Result<(), ParquetError> {
    col::<Int64Type>(rg, &values.collect::<Vec<_>>(), None)
}

fn write_orders(
    rg: &mut Rg<'_>,
    orders: &[(Order, i64)],
    region: &str,
    districts: &HashMap<u64, String>,
    day: NaiveDate,
) -> Result<(), ParquetError> {
    let o = || orders.iter().map(|(o, _)| o);
    let micros = |t: chrono::DateTime<chrono::Utc>| t.timestamp_micros();
    text(rg, o().map(|_| region.to_string()))?;
    text(rg, o().map(|o| o.number.clone()))?;
    int(rg, o().map(|o| o.id as i64))?;
    int(rg, o().map(|o| o.retailer_id as i64))?;
    int(rg, o().map(|o| o.vendor_id as i64))?;
    text(rg, o().map(|o| o.state.as_str().to_string()))?;
    text(
        rg,
        o().map(|o| districts.get(&o.retailer_id).cloned().unwrap_or_default()),
    )?;
    int(rg, o().map(|o| o.subtotal_paisa.paisa()))?;
    int(rg, o().map(|o| o.vat_paisa.paisa()))?;
    int(rg, o().map(|o| o.total_paisa.paisa()))?;
    int(rg, orders.iter().map(|(_, c)| *c))?;
    col::<Int32Type>(
        rg,
        &o().map(|o| o.lines.len() as i32).collect::<Vec<_>>(),
        None,
    )?;
    int(rg, o().map(|o| micros(o.created_at)))?;
    let accepted: Vec<i64> = o().filter_map(|o| o.accepted_at.map(micros)).collect();
    let defs: Vec<i16> = o().map(|o| i16::from(o.accepted_at.is_some())).collect();
    col::<Int64Type>(rg, &accepted, Some(&defs))?;
    int(rg, o().map(|o| o.delivered_at.map_or(0, micros)))?;
    col::<Int32Type>(rg, &vec![epoch_days(day); orders.len()], None)
}

fn write_facts(
    rg: &mut Rg<'_>,
    rows: &[(&String, &Fact)],
    region: &str,
    day: NaiveDate,
) -> Result<(), ParquetError> {
    text(rg, rows.iter().map(|_| region.to_string()))?;
    col::<Int32Type>(rg, &vec![epoch_days(day); rows.len()], None)?;
    text(rg, rows.iter().map(|(d, _)| (*d).clone()))?;
    let fields: [fn(&Fact) -> i64; 17] = [
        |f| f.placed.into(),
        |f| f.accepted.into(),
        |f| f.delivered.into(),
        |f| f.cancelled.into(),
        |f| f.units_placed as i64,
        |f| f.units_delivered as i64,
        |f| f.gmv_paisa,
        |f| f.gmv_excl_vat_paisa,
        |f| f.vat_paisa,
        |f| f.commission_paisa,
        |f| f.reversed_paisa,
        |f| f.credit_issued_paisa,
        |f| f.repaid_paisa,
        |f| f.invoices_paid.into(),
        |f| f.invoices_paid_late.into(),
        |f| f.days_late_total,
        |f| f.previews.into(),
    ];
    for field in fields {
        int(rg, rows.iter().map(|(_, f)| field(f)))?;
    }
    Ok(())
}
