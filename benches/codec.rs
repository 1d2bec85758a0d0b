//! The storage codec on real values: per table, how long a value's bincode body is, what it
//! takes stored, and how long packing and unpacking take with today's codec (zstd against the
//! built-in dictionary, `storage::codec`).
//!
//!     cargo bench --bench codec -- FILE [DUMP_DIR]
//!
//! FILE is a database file no server holds (a copy, or a backup). With DUMP_DIR, every value's
//! bincode body is also written there, one `<table>.bin` per table (each body a little-endian
//! u32 length, then the bytes): the samples `benches/codec_train.py` trained
//! `src/storage/codec_dictionary_v1.bin` from.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use khaacho::storage::{codec, tables};
use redb::ReadableDatabase;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Values timed per table (the sizes count every value).
const TIMED: usize = 5_000;

#[derive(Default)]
struct Seen {
    rows: u64,
    stored: u64,
    plain: u64,
    bodies: Vec<Vec<u8>>,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(file) = args.first() else {
        eprintln!("usage: cargo bench --bench codec -- FILE [DUMP_DIR]");
        std::process::exit(2);
    };
    let db = redb::Database::builder()
        .open(file)
        .unwrap_or_else(|e| panic!("opening {file}: {e}"));
    let tx = db.begin_read().expect("a read transaction");
    let mut seen: BTreeMap<&'static str, Seen> = BTreeMap::new();
    tables::each_value(&tx, &mut |table, stored| {
        let body = codec::body(stored).expect("every value decodes");
        let s = seen.entry(table).or_default();
        s.rows += 1;
        s.stored += stored.len() as u64;
        s.plain += body.len() as u64 + 1;
        s.bodies.push(body.into_owned());
    })
    .expect("reading every table");
    if let Some(dir) = args.get(1) {
        dump(dir, &seen);
    }
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "table", "rows", "plain B", "stored B", "packed B", "pack us", "unpack us"
    );
    for (table, s) in seen.iter().filter(|(_, s)| s.rows > 0) {
        let (packed, pack_us, unpack_us) = timed(&s.bodies);
        println!(
            "{table:<26} {:>9} {:>9.1} {:>9.1} {:>9.1} {:>10.2} {:>10.2}",
            s.rows,
            s.plain as f64 / s.rows as f64,
            s.stored as f64 / s.rows as f64,
            packed,
            pack_us,
            unpack_us
        );
    }
}

/// Today's codec on up to [`TIMED`] bodies spread over the table: bytes per value as it would
/// store them, and µs to pack and to unpack one.
fn timed(bodies: &[Vec<u8>]) -> (f64, f64, f64) {
    let step = bodies.len().div_ceil(TIMED).max(1);
    let sample: Vec<&Vec<u8>> = bodies.iter().step_by(step).collect();
    let start = Instant::now();
    let stored: Vec<Vec<u8>> = sample
        .iter()
        .map(|b| {
            codec::pack(b)
                .expect("packing")
                .unwrap_or_else(|| [&[1u8][..], b].concat())
        })
        .collect();
    let pack_us = start.elapsed().as_secs_f64() * 1e6 / sample.len() as f64;
    let start = Instant::now();
    for (s, b) in stored.iter().zip(&sample) {
        assert_eq!(&codec::body(s).expect("unpacking")[..], &b[..]);
    }
    let unpack_us = start.elapsed().as_secs_f64() * 1e6 / sample.len() as f64;
    let bytes = stored.iter().map(Vec::len).sum::<usize>() as f64 / sample.len() as f64;
    (bytes, pack_us, unpack_us)
}

fn dump(dir: &str, seen: &BTreeMap<&'static str, Seen>) {
    std::fs::create_dir_all(dir).expect("the dump directory");
    for (table, s) in seen {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(format!("{dir}/{table}.bin")).expect("a dump file"),
        );
        for b in &s.bodies {
            f.write_all(&(b.len() as u32).to_le_bytes())
                .expect("writing");
            f.write_all(b).expect("writing");
        }
    }
}
