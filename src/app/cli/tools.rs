//! Tools that need no database: reading a message as the parser does, and the matcher's
//! evaluation.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// A message given as arguments, or read from stdin when there are none.
pub(super) fn message_text(args: &[String]) -> Result<String, String> {
    if !args.is_empty() {
        return Ok(args.join(" "));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .map_err(|e| format!("reading stdin: {e}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub(super) fn parse_command(args: &[String]) -> ExitCode {
    let text = match message_text(args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("khaacho: {e}");
            return ExitCode::FAILURE;
        }
    };
    let parsed = crate::parsing::parse_message(&text);
    print_json(&parsed)
}

/// Prints `value` as one line of JSON.
fn print_json(value: &impl serde::Serialize) -> ExitCode {
    match serde_json::to_string(value) {
        Ok(json) => {
            let _ = writeln!(std::io::stdout(), "{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("khaacho: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(super) fn read_catalog(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|_| format!("{}: not UTF-8 text; save the CSV as UTF-8", path.display()))
}

pub(super) fn match_eval(catalog: &Path, queries: &Path, log: Option<&Path>) -> ExitCode {
    let report = match log {
        None => crate::matching::eval::run(catalog, queries),
        Some(path) => match std::fs::File::create(path) {
            Ok(mut file) => crate::matching::eval::run_with_log(catalog, queries, Some(&mut file)),
            Err(e) => {
                eprintln!("khaacho: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    match report
        .map_err(|e| e.to_string())
        .and_then(|r| serde_json::to_string(&r).map_err(|e| e.to_string()))
    {
        Ok(json) => {
            let _ = writeln!(std::io::stdout(), "{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("khaacho: match-eval: {e}");
            ExitCode::from(2)
        }
    }
}

/// `khaacho forecast-eval`: reads a long CSV (`unique_id,ds,y`, other columns ignored), runs
/// the backtest of every method and of the per-series choice, prints one JSON object.
pub(super) fn forecast_eval(args: &super::ForecastEvalArgs) -> ExitCode {
    let series = match read_series(&args.series) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("khaacho: {}: {e}", args.series.display());
            return ExitCode::from(2);
        }
    };
    let opts = crate::forecast::eval::EvalOptions {
        windows: crate::forecast::Windows {
            h: args.h,
            step: args.step.unwrap_or(args.h),
            count: args.windows,
        },
        season: args.season,
        mase_lag: args.mase_lag,
        drop_leading_zeros: args.drop_leading_zeros,
        combine: args.combine,
    };
    print_json(&crate::forecast::eval::evaluate(&series, &opts))
}

/// The series of a long CSV, each sorted by `ds` (numerically when every `ds` is a number,
/// else as text, which orders ISO dates), in order of first appearance.
fn read_series(path: &Path) -> Result<Vec<Vec<f64>>, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| format!("no column {name:?} in the header"))
    };
    let (id, ds, y) = (column("unique_id")?, column("ds")?, column("y")?);
    let mut order: Vec<String> = Vec::new();
    let mut rows: std::collections::HashMap<String, Vec<(String, f64)>> = Default::default();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let value: f64 = field(y)
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("row {}: y {:?} is not a number", line + 2, field(y)))?;
        let key = field(id).to_string();
        if !rows.contains_key(&key) {
            order.push(key.clone());
        }
        rows.entry(key)
            .or_default()
            .push((field(ds).to_string(), value));
    }
    let numeric = rows
        .values()
        .flatten()
        .all(|(d, _)| d.parse::<f64>().is_ok());
    Ok(order
        .into_iter()
        .filter_map(|k| rows.remove(&k))
        .map(|mut r| {
            if numeric {
                r.sort_by(|a, b| {
                    let (x, y) = (
                        a.0.parse::<f64>().unwrap_or(0.0),
                        b.0.parse::<f64>().unwrap_or(0.0),
                    );
                    x.total_cmp(&y)
                });
            } else {
                r.sort_by(|a, b| a.0.cmp(&b.0));
            }
            r.into_iter().map(|(_, v)| v).collect()
        })
        .collect())
}
