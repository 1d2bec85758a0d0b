//! Criterion benchmarks on the 17k-product measurement catalog (read at bench time from
//! `$KHAACHO_DATA/catalog/products_south_asia.csv`, default `../shared/data` beside the
//! crate, then `/work/shared/data`; skipped with a message when absent):
//! - `match_phrase/3_word_misspelled`: one 3-word misspelled phrase, plus a printed p50/p99
//!   over a round of such phrases (criterion reports means, the contract is a p99);
//! - `index_build/17k`: building the engine (analysis, fst maps, tantivy in RAM) from scratch;
//! - `upsert/17k`: one product edit on the 17k engine, visible to the next match on return.

use criterion::{Criterion, criterion_group, criterion_main};
use khaacho::matching::{CatalogItem, MatchContext, MatchEngine};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The same allocator as the server binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Three-word shop phrases with one slip each (typo, transposition, doubled letter).
const PHRASES: &[&str] = &[
    "meghdoot shampoo herabl",
    "pigeon baby warrmer",
    "britania bourbon biscuts",
    "amul buter garlic",
    "tata salt iodised",
    "maggi nodles masala",
    "everest chiken masala",
    "dettol handwash orignal",
    "colgate toothpaste strng",
    "fortune sunflower oill",
    "haldiram bhujia sev",
    "parle biscuit glucoze",
];

fn data_file() -> Option<PathBuf> {
    let rel = "catalog/products_south_asia.csv";
    let mut roots: Vec<PathBuf> = std::env::var_os("KHAACHO_DATA")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    roots.push(PathBuf::from("/work/shared/data"));
    roots.into_iter().map(|r| r.join(rel)).find(|p| p.exists())
}

/// The measurement catalog as import items: name, brand, and the pack size where the source
/// gives one ("500 gm", or grams).
fn load(path: &PathBuf) -> Vec<CatalogItem> {
    let mut reader = csv::Reader::from_path(path).expect("catalog readable");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (id, name, brand, pack, grams, display) = (
        col("id"),
        col("product_name"),
        col("brand"),
        col("pack_size"),
        col("weight_g"),
        col("display_name"),
    );
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            let get = |i: usize| r.get(i).unwrap_or("").trim().to_string();
            let (size, unit) = pack_size(&get(pack), &get(grams));
            let name = Some(get(name))
                .filter(|n| !n.is_empty())
                .unwrap_or(get(display));
            Some(CatalogItem {
                product_id: get(id).parse().ok()?,
                sku: format!("SA-{}", get(id)),
                name,
                brand: Some(get(brand)).filter(|b| !b.is_empty()),
                category: None,
                pack_size: size,
                unit,
                aliases: Vec::new(),
                active: true,
            })
        })
        .collect()
}

fn pack_size(pack: &str, grams: &str) -> (Option<Decimal>, Option<String>) {
    let mut parts = pack.split_whitespace();
    if let (Some(n), Some(u)) = (parts.next(), parts.next()) {
        let unit = match u.to_lowercase().as_str() {
            "gm" | "g" => "g",
            "kg" => "kg",
            "ml" => "ml",
            "l" => "l",
            "u" | "pcs" | "pc" | "unit" => "pcs",
            _ => return (None, None),
        };
        return (Decimal::from_str(n).ok(), Some(unit.to_string()));
    }
    match Decimal::from_str(grams) {
        Ok(g) => (Some(g), Some("g".into())),
        Err(_) => (None, None),
    }
}

fn benches(c: &mut Criterion) {
    let Some(path) = data_file() else {
        eprintln!("matching benches skipped: products_south_asia.csv not found (set KHAACHO_DATA)");
        return;
    };
    let items = load(&path);
    let engine = MatchEngine::open(None, items.clone(), 1).expect("engine");
    let ctx = MatchContext::default();
    print_percentiles(&engine, &ctx);
    let mut group = c.benchmark_group("match_phrase");
    group.bench_function("3_word_misspelled", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % PHRASES.len();
            black_box(engine.match_phrase(black_box(PHRASES[i]), &ctx))
        })
    });
    // Ten kilobytes of what is not an order (a pasted document, emoji, control bytes): the
    // matcher must give up quickly rather than explore every candidate.
    let garbage = [
        "chamal ".repeat(1500),
        "🍚".repeat(2600),
        "\u{0}\u{1}\u{7}\u{1b}[31m".repeat(2000),
        "चामल५किलो".repeat(400),
        "9".repeat(10_240),
        "a".repeat(10_240),
        "x-".repeat(5000) + "RICE-1KG",
    ];
    group.sample_size(20);
    group.bench_function("10kb_garbage", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % garbage.len();
            black_box(engine.match_phrase(black_box(&garbage[i]), &ctx))
        })
    });
    group.finish();
    let mut group = c.benchmark_group("upsert");
    group.sample_size(20);
    group.bench_function("17k", |b| {
        let mut edited = items[0].clone();
        let mut version = 1;
        b.iter(|| {
            version += 1;
            edited.aliases = vec![format!("alias {version}")];
            engine.upsert(edited.clone(), version).expect("upsert")
        })
    });
    group.finish();
    let mut group = c.benchmark_group("index_build");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("17k", |b| {
        b.iter(|| black_box(MatchEngine::open(None, items.clone(), 1).expect("engine")))
    });
    group.finish();
}

/// p50 and p99 of single matches over rounds of the phrases.
fn print_percentiles(engine: &MatchEngine, ctx: &MatchContext<'_>) {
    let mut micros: Vec<u128> = (0..200)
        .flat_map(|_| PHRASES.iter())
        .map(|p| {
            let start = Instant::now();
            black_box(engine.match_phrase(p, ctx));
            start.elapsed().as_micros()
        })
        .collect();
    micros.sort_unstable();
    let at = |q: usize| micros[(micros.len() * q).div_ceil(100) - 1];
    println!(
        "match_phrase/3_word_misspelled: {} matches, p50 {} µs, p99 {} µs",
        micros.len(),
        at(50),
        at(99)
    );
}

criterion_group!(matching, benches);
criterion_main!(matching);
