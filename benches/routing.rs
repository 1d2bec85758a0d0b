//! Criterion benchmarks for routing on a synthetic market of 300 vendors (a fixed-seed
//! generator, so every run sees the same market):
//! - `decide/20_lines_300_vendors`: one routing decision, the contract's "well under 1 ms";
//! - `split/20_lines_300_vendors_greedy`: splitting that cart (beyond the exact bound);
//! - `split/12_lines_300_vendors_exact`: splitting a 12-product cart by exact minimum cover.
//!
//! Each vendor offers about 85 % of the cart's products (so about a dozen can fill all 20
//! lines) plus 20 products outside the cart, with stock and prices that vary around the need.

use criterion::{Criterion, criterion_group, criterion_main};
use khaacho::routing::{Config, Line, Offer, Place, Vendor, VendorStats, decide, split};
use std::hint::black_box;

/// The same allocator as the server binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A small xorshift generator: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const PLACES: [(&str, &str); 6] = [
    ("Kaski", "Gandaki"),
    ("Tanahun", "Gandaki"),
    ("Syangja", "Gandaki"),
    ("Kathmandu", "Bagmati"),
    ("Chitwan", "Bagmati"),
    ("Jhapa", "Koshi"),
];

fn stats(rng: &mut Rng) -> VendorStats {
    let accepted = rng.below(200) as u32;
    let rejected = rng.below(30) as u32;
    let cancelled = accepted / 20;
    VendorStats {
        offered: accepted + rejected,
        accepted,
        rejected,
        expired: rng.below(5) as u32,
        cancelled_after_accept: cancelled,
        delivered: accepted - cancelled,
        total_accept_secs: u64::from(accepted) * (300 + rng.below(3_000)),
        total_fulfil_secs: u64::from(accepted - cancelled) * (3_600 + rng.below(100_000)),
    }
}

fn market(cart_products: u64, vendors: u64, seed: u64) -> (Vec<Line>, Vec<Vendor>) {
    let mut rng = Rng(seed);
    let lines: Vec<Line> = (0..cart_products)
        .map(|p| Line {
            product_id: p,
            quantity: 1 + rng.below(20) as u32,
            name: format!("Product {p}"),
        })
        .collect();
    let vendors = (1..=vendors)
        .map(|vendor_id| {
            let mut offers = Vec::new();
            for line in &lines {
                if rng.below(100) < 85 {
                    let q = i64::from(line.quantity);
                    offers.push(Offer {
                        product_id: line.product_id,
                        listing_id: vendor_id * 1_000 + line.product_id,
                        price_paisa: 10_000 + rng.below(2_000) as i64,
                        stock: q + rng.below(3 * q as u64 + 5) as i64,
                        orderable: true,
                    });
                }
            }
            for extra in 0..20 {
                offers.push(Offer {
                    product_id: 1_000 + rng.below(500) + extra,
                    listing_id: vendor_id * 1_000 + 500 + extra,
                    price_paisa: 5_000,
                    stock: 100,
                    orderable: true,
                });
            }
            let (district, province) = PLACES[rng.below(PLACES.len() as u64) as usize];
            Vendor {
                vendor_id,
                name: format!("Vendor {vendor_id}"),
                district: district.into(),
                province: province.into(),
                active: rng.below(50) != 0,
                open_orders: rng.below(30) as u32,
                stats: stats(&mut rng),
                offers,
            }
        })
        .collect();
    (lines, vendors)
}

/// Nanoseconds this thread has spent on a CPU (Linux), so a busy shared machine does not
/// inflate the figure the way wall time does; `None` elsewhere.
fn on_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Prints the mean on-CPU time of `f` over `runs` calls, next to criterion's wall-clock figure.
fn print_on_cpu<T>(name: &str, runs: u64, mut f: impl FnMut() -> T) {
    let Some(start) = on_cpu_ns() else { return };
    for _ in 0..runs {
        black_box(f());
    }
    if let Some(end) = on_cpu_ns() {
        let mean = (end - start) / runs.max(1);
        println!(
            "{name}: on-CPU mean {:.1} µs over {runs} calls",
            mean as f64 / 1000.0
        );
    }
}

fn retailer() -> Place {
    Place {
        district: "Kaski".into(),
        province: "Gandaki".into(),
    }
}

fn bench_decide(c: &mut Criterion) {
    let (lines, vendors) = market(20, 300, 0x5eed_cafe);
    let cfg = Config::default();
    let d = decide(&lines, &vendors, &retailer(), &[], &cfg);
    let eligible = d.candidates.iter().filter(|c| c.eligible).count();
    println!(
        "decide: {} candidates, {eligible} eligible; {}",
        d.candidates.len(),
        d.reason
    );
    print_on_cpu("decide/20_lines_300_vendors", 2_000, || {
        decide(
            black_box(&lines),
            black_box(&vendors),
            &retailer(),
            &[],
            &cfg,
        )
    });
    c.bench_function("decide/20_lines_300_vendors", |b| {
        b.iter(|| {
            decide(
                black_box(&lines),
                black_box(&vendors),
                &retailer(),
                &[],
                &cfg,
            )
        })
    });
}

fn bench_split(c: &mut Criterion) {
    let cfg = Config::default();
    for (name, products) in [
        ("split/20_lines_300_vendors_greedy", 20),
        ("split/12_lines_300_vendors_exact", 12),
    ] {
        let (lines, mut vendors) = market(products, 300, 0xfeed_beef);
        // Keep every vendor from filling the whole cart, so the split has work to do.
        for v in &mut vendors {
            v.offers.retain(|o| o.product_id % 7 != v.vendor_id % 7);
        }
        match split(&lines, &vendors, &retailer(), &[], &cfg) {
            Ok(s) => println!(
                "{name}: {} parts ({:?}): {}",
                s.parts.len(),
                s.method,
                s.reason
            ),
            Err(e) => println!("{name}: unsplittable: {}", e.reason),
        }
        print_on_cpu(name, 500, || {
            split(black_box(&lines), &vendors, &retailer(), &[], &cfg)
        });
        c.bench_function(name, |b| {
            b.iter(|| {
                split(
                    black_box(&lines),
                    black_box(&vendors),
                    &retailer(),
                    &[],
                    &cfg,
                )
            })
        });
    }
}

criterion_group!(benches, bench_decide, bench_split);
criterion_main!(benches);
