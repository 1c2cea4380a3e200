//! Decode into Arrow builders, side by side on the same NDJSON message bodies (64 KiB), in one
//! run:
//! - `direct`: this project's generated decoder (the converter's path: `decode_bodies`);
//! - `arrow_json`: `arrow_json::ReaderBuilder` given the same Arrow schema;
//! - `serde_struct`: `serde_json` into the event struct, then appended to the same builders.
//!
//! Per event type and for a realistic mix. Throughput is in events (criterion's elements/s).
//! Each path keeps its builders or decoders from iteration to iteration, as the converter
//! keeps its own from batch to batch, and routes each line by its `event_type`.
//! The mix is the generator's. Run: `taskset -c 0 cargo bench -p behavior-bench --bench decode`.
//! Criterion measures one path after another; on a VM whose speed drifts, `decode_ratio`
//! (the same paths, interleaved round by round) gives steadier ratios.

use std::hint::black_box;

use arrow::record_batch::RecordBatch;
use behavior_bench::decode::{paths, workloads};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    for workload in &workloads() {
        let (name, bodies) = (&workload.name, &workload.bodies);
        let mut paths = paths();
        // The three paths must agree before their speed means anything.
        for (path, decode) in &mut paths {
            let rows: usize = decode.run(bodies).iter().map(RecordBatch::num_rows).sum();
            assert_eq!(rows, workload.events, "{path} on {name}");
        }
        let mut group = c.benchmark_group(format!("decode/{name}"));
        group.throughput(Throughput::Elements(workload.events as u64));
        group.sample_size(10);
        group.warm_up_time(std::time::Duration::from_millis(500));
        group.measurement_time(std::time::Duration::from_secs(2));
        eprintln!(
            "{name}: {} events in {} bodies, {:.0} bytes/event",
            workload.events,
            bodies.len(),
            workload.bytes as f64 / workload.events as f64
        );
        for (path, decode) in &mut paths {
            group.bench_function(*path, |b| b.iter(|| black_box(decode.run(bodies))));
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
