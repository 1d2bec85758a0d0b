//! `match-eval`: accuracy and latency of the matcher on a catalog CSV and a query TSV.
//!
//! Builds a throwaway in-RAM engine, matches every query once (after a short untimed warm-up)
//! and counts how the decisions compare with the expected SKU. An expected field may list
//! several SKUs separated by `|` when the products are indistinguishable by text; any of them
//! counts as right. Only the report goes to the caller; the binary prints it as JSON.

use super::catalog_csv::parse_lenient;
use super::engine::MatchEngine;
use super::types::{Decision, MatchContext, MatchDecision, MatchError};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const WARM_UP: usize = 50;

/// Counts of queries, and latency percentiles in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvalReport {
    pub queries: u64,
    pub top1: u64,
    pub top3: u64,
    pub matched: u64,
    pub matched_wrong: u64,
    pub ambiguous: u64,
    pub ambiguous_with_expected: u64,
    pub not_found: u64,
    pub p50_us: u64,
    pub p99_us: u64,
}

/// Runs the evaluation.
pub fn run(catalog_csv: &Path, queries_tsv: &Path) -> Result<EvalReport, MatchError> {
    run_with_log(catalog_csv, queries_tsv, None)
}

/// Runs the evaluation and, given a writer, logs every query as one JSON line (query,
/// expected, decision, whether it was matched right, and the ranked scores) for analysis.
pub fn run_with_log(
    catalog_csv: &Path,
    queries_tsv: &Path,
    mut log: Option<&mut dyn Write>,
) -> Result<EvalReport, MatchError> {
    let (items, skipped) = parse_lenient(catalog_csv)?;
    if !skipped.is_empty() {
        eprintln!(
            "match-eval: left out {} catalog rows without sku or name",
            skipped.len()
        );
    }
    let queries = read_queries(queries_tsv)?;
    let engine = MatchEngine::open(None, items, 1)?;
    let ctx = MatchContext::default();
    for (q, _) in queries.iter().take(WARM_UP) {
        engine.match_phrase(q, &ctx);
    }
    let mut report = EvalReport::default();
    let mut micros = Vec::with_capacity(queries.len());
    for (query, expected) in &queries {
        let start = Instant::now();
        let decision = engine.match_phrase(query, &ctx);
        micros.push(start.elapsed().as_micros() as u64);
        let right = count(&mut report, &decision, expected);
        if let Some(w) = log.as_deref_mut() {
            let scores = engine.diagnose(query, 5);
            let line = serde_json::json!({"query": query, "expected": expected, "right": right,
                "got": decision, "scores": scores});
            writeln!(w, "{line}").map_err(|e| MatchError::Io {
                path: "log".into(),
                source: e,
            })?;
        }
    }
    micros.sort_unstable();
    report.p50_us = percentile(&micros, 50);
    report.p99_us = percentile(&micros, 99);
    Ok(report)
}

/// Adds one query's outcome to the report; true when it was matched right.
fn count(report: &mut EvalReport, d: &MatchDecision, expected: &[String]) -> bool {
    let is_expected = |sku: &str| expected.iter().any(|e| e == sku);
    let rank = d.candidates.iter().position(|c| is_expected(&c.sku));
    report.queries += 1;
    report.top1 += u64::from(rank == Some(0));
    report.top3 += u64::from(rank.is_some_and(|r| r < 3));
    match d.decision {
        Decision::Matched => {
            report.matched += 1;
            report.matched_wrong += u64::from(rank != Some(0));
        }
        Decision::Ambiguous => {
            report.ambiguous += 1;
            report.ambiguous_with_expected += u64::from(rank.is_some());
        }
        Decision::NotFound => report.not_found += 1,
    }
    d.decision == Decision::Matched && rank == Some(0)
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted.get(i.min(sorted.len() - 1)).copied().unwrap_or(0)
}

/// Reads `query<TAB>expected_sku` lines after a header.
fn read_queries(path: &Path) -> Result<Vec<(String, Vec<String>)>, MatchError> {
    let text = std::fs::read_to_string(path).map_err(|e| MatchError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(query), Some(expected)) = (fields.next(), fields.next()) else {
            return Err(MatchError::Invalid(format!(
                "{}:{}: expected `query<TAB>expected_sku`",
                path.display(),
                n + 1
            )));
        };
        let expected = expected.split('|').map(|s| s.trim().to_string()).collect();
        out.push((query.to_string(), expected));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_rank_that_covers_the_share() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), 50);
        assert_eq!(percentile(&v, 99), 99);
        assert_eq!(percentile(&[], 99), 0);
        assert_eq!(percentile(&[7], 99), 7);
    }
}
