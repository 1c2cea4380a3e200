//! Decode into Arrow builders, side by side on the same NDJSON, in one run:
//! - `direct`: this project's generated decoder (the converter's path, dispatch included);
//! - `arrow_json`: `arrow_json::ReaderBuilder` given the same Arrow schema;
//! - `serde_struct`: `serde_json` into the event struct, then appended to the same builders.
//!
//! Per event type and for a realistic mix. Throughput is in events (criterion's elements/s).
//! The mix is the generator's. Run: `taskset -c 0 cargo bench -p behavior-bench --bench decode`.
//! Criterion measures one path after another; on a VM whose speed drifts, `decode_ratio`
//! (the same paths, interleaved round by round) gives steadier ratios.

use std::hint::black_box;

use arrow::record_batch::RecordBatch;
use behavior_bench::decode::{arrow_json, direct, serde_struct, workloads};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    for (name, lines) in &workloads() {
        let bytes: usize = lines.iter().map(|l| l.1.len() + 1).sum();
        // The three paths must agree before their speed means anything.
        let rows: usize = direct(lines).iter().map(|b| b.1.num_rows()).sum();
        assert_eq!(rows, lines.len());
        assert_eq!(
            arrow_json(lines)
                .iter()
                .map(RecordBatch::num_rows)
                .sum::<usize>(),
            lines.len()
        );
        let mut group = c.benchmark_group(format!("decode/{name}"));
        group.throughput(Throughput::Elements(lines.len() as u64));
        group.sample_size(10);
        group.warm_up_time(std::time::Duration::from_millis(500));
        group.measurement_time(std::time::Duration::from_secs(2));
        eprintln!(
            "{name}: {} events, {:.0} bytes/event",
            lines.len(),
            bytes as f64 / lines.len() as f64
        );
        group.bench_function("direct", |b| b.iter(|| black_box(direct(lines))));
        group.bench_function("arrow_json", |b| b.iter(|| black_box(arrow_json(lines))));
        group.bench_function("serde_struct", |b| {
            b.iter(|| black_box(serde_struct(lines)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
