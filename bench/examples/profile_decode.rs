//! Decodes the generator's mix in a loop, for `perf record` (no benchmark harness around it).
//! `cargo run --release -p behavior-bench --example profile_decode -- 200`

use behavior_runtime::{BatchDecoder, Limits};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let registry = behavior_schema::registry();
    let lines = behavior_bench::generated_mix(registry, 20_000, 1);
    let started = std::time::Instant::now();
    let mut rows = 0;
    // One decoder for every round, as the converter keeps one from batch to batch.
    let mut decoder = BatchDecoder::new(
        registry,
        Limits::default(),
        behavior_converter::batch::INITIAL_ROWS,
    );
    for _ in 0..rounds {
        for line in &lines {
            decoder.decode_event(line).expect("valid");
        }
        rows += decoder
            .finish()
            .expect("finish")
            .iter()
            .map(|b| b.1.num_rows())
            .sum::<usize>();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{rows} events in {seconds:.2} s: {:.0} events/s",
        rows as f64 / seconds
    );
}
