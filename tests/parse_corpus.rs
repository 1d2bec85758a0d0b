//! The golden corpus: every message in `tests/data/parse_corpus.tsv` must parse exactly as
//! written there (phrase, quantity, unit of every item, and the message kind).
//!
//! Run with `cargo test --test parse_corpus -- --nocapture` to see the success rate.

use khaacho::parsing::{MessageKind, parse_message};
use rust_decimal::Decimal;

const CORPUS: &str = include_str!("data/parse_corpus.tsv");

/// One expected item: phrase, quantity, unit.
type Expected = (String, Option<String>, Option<String>);

struct Case {
    line: usize,
    message: String,
    items: Vec<Expected>,
    kind: MessageKind,
}

/// `\n`, `\r`, `\t` and `\\` inside a message cell.
fn unescape(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn cases() -> Vec<Case> {
    CORPUS
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(n, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "line {}: expected 3 columns", n + 1);
            let items: Vec<Expected> = serde_json::from_str(cols[1])
                .unwrap_or_else(|e| panic!("line {}: bad items JSON: {e}", n + 1));
            let kind = match cols[2].trim() {
                "order" => MessageKind::Order,
                "no_order" => MessageKind::NoOrder,
                other => panic!("line {}: unknown kind {other}", n + 1),
            };
            Case {
                line: n + 1,
                message: unescape(cols[0]),
                items,
                kind,
            }
        })
        .collect()
}

fn norm_phrase(p: &str) -> String {
    p.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn norm_quantity(q: Option<&str>) -> Option<Decimal> {
    q.map(|s| {
        s.parse::<Decimal>()
            .expect("quantity in corpus")
            .normalize()
    })
}

/// What the parser produced, in the corpus's shape, or `None` when it matches.
fn mismatch(case: &Case) -> Option<String> {
    let parsed = parse_message(&case.message);
    let got: Vec<(String, Option<Decimal>, Option<String>)> = parsed
        .items
        .iter()
        .map(|i| {
            (
                norm_phrase(&i.phrase),
                i.quantity.map(|q| q.normalize()),
                i.unit.map(|u| u.as_str().to_string()),
            )
        })
        .collect();
    let want: Vec<(String, Option<Decimal>, Option<String>)> = case
        .items
        .iter()
        .map(|(p, q, u)| (norm_phrase(p), norm_quantity(q.as_deref()), u.clone()))
        .collect();
    (got != want || parsed.kind != case.kind).then(|| {
        format!(
            "line {}: {:?}\n   want {:?} {:?}\n   got  {:?} {:?}",
            case.line, case.message, case.kind, want, parsed.kind, got
        )
    })
}

#[test]
fn every_corpus_message_parses_as_expected() {
    let cases = cases();
    assert!(
        cases.len() >= 320,
        "the corpus has only {} messages",
        cases.len()
    );
    let failures: Vec<String> = cases.iter().filter_map(mismatch).collect();
    let passed = cases.len() - failures.len();
    for failure in &failures {
        println!("{failure}");
    }
    let rate = passed as f64 * 100.0 / cases.len() as f64;
    println!(
        "parse corpus: {passed}/{} messages read exactly right ({rate:.1} %)",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} corpus messages regressed",
        failures.len()
    );
}
