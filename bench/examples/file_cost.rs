//! The Parquet writer's fixed cost per file: `write_parquet` on files of a few rows, in a loop,
//! for each event type. With one row a file's time is almost all fixed cost (per column chunk:
//! the writer's codec, with its zstd compression and decompression contexts; the footer); run
//! it under `perf record` to split it.
//!
//!   cargo build --release -p behavior-bench --example file_cost
//!   taskset -c 0 target/release/examples/file_cost 2000 1

use std::time::Instant;

use behavior_runtime::Faker;
use behavior_runtime::parquet::write_parquet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let files: u32 = args.next().map_or(Ok(2000), |a| a.parse())?;
    let rows: usize = args.next().map_or(Ok(1), |a| a.parse())?;
    for (seed, kind) in behavior_schema::registry().kinds().iter().enumerate() {
        let descriptor = kind.descriptor();
        let (_, batch) = kind.fake_sample(&mut Faker::new(seed as u64), rows)?;
        let started = Instant::now();
        let mut bytes = 0;
        for _ in 0..files {
            bytes = std::hint::black_box(write_parquet(descriptor, std::slice::from_ref(&batch))?)
                .len();
        }
        let per_file = started.elapsed() / files;
        let fields = batch.schema().flattened_fields().len();
        println!(
            "{:<18} {rows} rows, {fields:>2} Arrow fields: {:>6.1} µs a file, {bytes} bytes",
            descriptor.event_type,
            per_file.as_secs_f64() * 1e6,
        );
    }
    Ok(())
}
