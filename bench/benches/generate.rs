//! Generation to NDJSON on one core: the behavioural model, clean and with 5% dirty traffic,
//! written to a sink (no I/O cost). Throughput in events and bytes.
//! Run: `taskset -c 0 cargo bench -p behavior-bench --bench generate`.

use std::hint::black_box;
use std::io::Write;

use behavior_generator::{Config, Dirty, Simulation};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const EVENTS: usize = 100_000;

fn write_all(lines: impl Iterator<Item = Vec<u8>>) -> u64 {
    let mut out = std::io::sink();
    let mut bytes = 0;
    for line in lines {
        out.write_all(&line).unwrap();
        out.write_all(b"\n").unwrap();
        bytes += line.len() as u64 + 1;
    }
    bytes
}

fn bench(c: &mut Criterion) {
    let registry = behavior_schema::registry();
    let clean = || Simulation::new(registry, Config::default()).take(EVENTS);
    let bytes = write_all(clean());
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(5));
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("clean_events", |b| b.iter(|| black_box(write_all(clean()))));
    group.bench_function("dirty_5pct_events", |b| {
        b.iter(|| black_box(write_all(Dirty::new(clean(), 0.05, 1))))
    });
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("clean_bytes", |b| b.iter(|| black_box(write_all(clean()))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
