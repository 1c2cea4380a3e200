//! Converts one NDJSON file's events, packed into 64 KiB zstd bodies and 6 MiB batches as
//! `convert_throughput` does, in a loop: for `perf record`, whose samples then all belong to the
//! conversion (`convert_throughput` packs bodies as it goes, and that compression would mix
//! with the Parquet pages' in a profile). All batches are packed before the loop.
//!
//!   cargo build --release -p behavior-bench --example profile_convert
//!   perf record -e cpu-clock taskset -c 0 target/release/examples/profile_convert target/bench/mix-prefix.ndjson 5

use std::time::Instant;

use behavior_converter::Message;
use behavior_converter::batch::Converter;
use behavior_generator::pack::Packer;
use behavior_runtime::Limits;
use behavior_runtime::wire::BodyEncoding;

const BODY_BYTES: usize = 64 * 1024;
const BATCH_BYTES: usize = 6 * 1024 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: profile_convert <data.ndjson> [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let ndjson = std::fs::read(path)?;
    let limits = Limits::default();
    let mut packer = Packer::with_encoding(BODY_BYTES, BodyEncoding::Zstd, limits.max_body_bytes);
    let mut batches: Vec<Vec<Message>> = vec![Vec::new()];
    let mut batch_bytes = 0;
    let mut add = |body: Vec<u8>, batches: &mut Vec<Vec<Message>>| {
        if batch_bytes >= BATCH_BYTES {
            batches.push(Vec::new());
            batch_bytes = 0;
        }
        batch_bytes += body.len();
        let batch = batches.last_mut().expect("one batch at least");
        batch.push(Message::new(format!("m{}", batch.len()), body));
    };
    let mut events = 0u64;
    for line in ndjson.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        events += 1;
        if let Some(body) = packer.push(line) {
            add(body.bytes, &mut batches);
        }
    }
    while let Some(body) = packer.finish() {
        add(body.bytes, &mut batches);
    }
    // One converter for every round, as the handler keeps one.
    let mut converter = Converter::new(behavior_schema::registry(), limits);
    let started = Instant::now();
    let mut files = 0;
    for _ in 0..rounds {
        for batch in &batches {
            let converted = converter.convert(batch, behavior_converter::handler::now())?;
            files += converted.files.len();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} events in {} batches × {rounds} rounds, {files} files, {seconds:.2} s: {:.0} events/s",
        events,
        batches.len(),
        (events * rounds as u64) as f64 / seconds
    );
    Ok(())
}
