//! The decode paths of the `decode` benchmark, interleaved: each round runs every path (in a
//! rotating order) three times back to back and keeps its best, so each path is measured warm
//! as criterion measures it, and drift in the machine's speed hits all paths alike: each round
//! gives its own ratios. Prints, per workload, the median events/s of
//! each path and the median of the per-round ratios, as a Markdown table. Run pinned:
//!
//!   taskset -c 0 target/release/decode_ratio [ROUNDS]

use std::hint::black_box;
use std::time::Instant;

use arrow::record_batch::RecordBatch;
use behavior_bench::decode::{paths, workloads};

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    println!(
        "| workload | direct | arrow_json | serde_struct | direct ÷ arrow_json | direct ÷ serde_struct |"
    );
    println!("|---|---|---|---|---|---|");
    for workload in &workloads() {
        let (name, bodies) = (&workload.name, &workload.bodies);
        let events = workload.events as f64;
        let mut paths = paths();
        // The paths must agree before their speed means anything.
        for (path, decode) in &mut paths {
            let rows: usize = decode.run(bodies).iter().map(RecordBatch::num_rows).sum();
            assert_eq!(rows, workload.events, "{path} on {name}");
        }
        let mut run = |path: usize| {
            let started = Instant::now();
            drop(black_box(paths[path].1.run(bodies)));
            events / started.elapsed().as_secs_f64()
        };
        let mut rates = [Vec::new(), Vec::new(), Vec::new()];
        let (mut vs_arrow, mut vs_serde) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let mut rate = [0.0; 3];
            for step in 0..3 {
                let path = (round + step) % 3;
                rate[path] = (0..3).map(|_| run(path)).fold(0.0, f64::max);
            }
            for path in 0..3 {
                rates[path].push(rate[path]);
            }
            vs_arrow.push(rate[0] / rate[1]);
            vs_serde.push(rate[0] / rate[2]);
        }
        let [d, a, s] = rates.map(median);
        println!(
            "| {name} | {:.0}k | {:.0}k | {:.0}k | {:.2}× | {:.2}× |",
            d / 1e3,
            a / 1e3,
            s / 1e3,
            median(vs_arrow),
            median(vs_serde)
        );
    }
}
