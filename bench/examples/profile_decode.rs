//! Decodes the generator's mix in a loop the way the decode benchmark's direct path does (64 KiB
//! NDJSON bodies through `decode_bodies`), for `perf record` (no benchmark harness around it).
//! `cargo run --release -p behavior-bench --example profile_decode -- 200`

use behavior_bench::decode::{DecodePath, Direct, EVENTS, Workload};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let registry = behavior_schema::registry();
    let mix = Workload::new(
        "mix",
        behavior_bench::generated_mix(registry, EVENTS as u64, 1),
    );
    // One decoder for every round, as the converter keeps one from batch to batch.
    let mut direct = Direct::default();
    let started = std::time::Instant::now();
    let mut rows = 0;
    for _ in 0..rounds {
        rows += direct
            .run(&mix.bodies)
            .iter()
            .map(|b| b.num_rows())
            .sum::<usize>();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{rows} events in {seconds:.2} s: {:.0} events/s",
        rows as f64 / seconds
    );
}
