//! Criterion benchmark: parsing a typical five-line mixed-script order message.

use criterion::{Criterion, criterion_group, criterion_main};
use khaacho::parsing::parse_message;
use std::hint::black_box;

/// The same allocator as the server binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TYPICAL: &str = "Namaste sahuji 🙏\n1. RICE-1KG x 10\n2. chini 5 kg ra tel 2 botal\n3. दाल ५ केजी\n4. Coke 500ml 12\n5. Rs 50 wala chips 6 pkt, dhanyabad";

fn bench(c: &mut Criterion) {
    c.bench_function("parse_message/typical_5_lines", |b| {
        b.iter(|| parse_message(black_box(TYPICAL)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
