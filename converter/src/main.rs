//! `converter`: NDJSON files or stdin → a local lake of typed Parquet (`converter convert`).

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use behavior_converter::batch::{BatchSummary, convert_batch};
use behavior_converter::lake::LocalLake;
use behavior_runtime::Timestamp;
use clap::{Parser, Subcommand};

/// Input bytes per batch at most (a batch is decoded, then written, as one unit).
const MAX_BATCH_BYTES: usize = 256 << 20;

/// Converts raw JSON events into typed, date-partitioned Parquet.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// NDJSON files (or stdin) into a local lake directory.
    ///
    /// Example: `converter convert events.ndjson --lake ./lake`
    Convert {
        /// Input files; none or `-` reads stdin.
        inputs: Vec<PathBuf>,
        /// The lake's root directory.
        #[arg(long, default_value = "lake")]
        lake: PathBuf,
        /// Events per batch (one Parquet file per type and date per batch).
        #[arg(long, default_value_t = 100_000)]
        batch_events: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let Cli {
        command:
            Command::Convert {
                inputs,
                lake,
                batch_events,
            },
    } = Cli::parse();
    if batch_events == 0 {
        anyhow::bail!("--batch-events must be at least 1");
    }
    let lake = LocalLake::new(&lake)
        .with_context(|| format!("--lake {}: cannot create", lake.display()))?;
    let registry = behavior_schema::registry();
    let started = Instant::now();
    let mut total = BatchSummary::default();
    let mut readers: Vec<(String, Box<dyn Read>)> = Vec::new();
    if inputs.is_empty() || inputs.iter().any(|p| p.as_os_str() == "-") {
        readers.push(("stdin".into(), Box::new(std::io::stdin())));
    }
    for path in inputs.iter().filter(|p| p.as_os_str() != "-") {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        readers.push((path.display().to_string(), Box::new(file)));
    }
    for (name, reader) in readers {
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let mut lines: Vec<Vec<u8>> = Vec::with_capacity(batch_events);
        let mut batch_bytes = 0usize;
        let mut batch = 0usize;
        loop {
            let mut line = Vec::new();
            let read = reader.read_until(b'\n', &mut line)?;
            if read > 0 {
                batch_bytes += line.len();
                lines.push(line);
            }
            // Bounded by bytes too: memory stays flat, and far from a batch's 1 GiB limit.
            let full = lines.len() == batch_events || batch_bytes >= MAX_BATCH_BYTES;
            if full || (read == 0 && !lines.is_empty()) {
                let bodies: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
                let key = format!("{name}#{batch}");
                let summary = convert_batch(registry, &lake, &bodies, &key, now())?;
                total.counts.add(summary.counts);
                total.files += summary.files;
                total.bytes += summary.bytes;
                for (table, rows) in summary.rows {
                    *total.rows.entry(table).or_default() += rows;
                }
                lines.clear();
                batch_bytes = 0;
                batch += 1;
            }
            if read == 0 {
                break;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let c = total.counts;
    println!(
        "converter: received {}, accepted {}, rejected {} (accepted + rejected = received: {})",
        c.received,
        c.accepted,
        c.rejected,
        c.accepted + c.rejected == c.received
    );
    println!(
        "converter: {} files, {} bytes in {}, {:.0} events/s",
        total.files,
        total.bytes,
        lake.root().display(),
        c.received as f64 / seconds.max(1e-9)
    );
    for (table, rows) in &total.rows {
        println!("  {table:28} {rows:>10} rows");
    }
    Ok(())
}

fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    Timestamp::from_micros(micros)
}
