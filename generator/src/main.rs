//! `generator`: fake behavioral events as NDJSON.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

/// Writes fake events of every registered type as NDJSON.
///
/// Example: `generator --count 100000 --seed 7 --output events.ndjson`
#[derive(Parser)]
#[command(version)]
struct Args {
    /// How many events to write.
    #[arg(long, default_value_t = 10_000)]
    count: u64,
    /// Seed of the random source: the same seed and options give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file; `-` (the default) is stdout.
    #[arg(long, default_value = "-")]
    output: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let registry = behavior_schema::registry();
    let mut out: Box<dyn Write> = if args.output.as_os_str() == "-" {
        Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout().lock()))
    } else {
        let file = std::fs::File::create(&args.output)
            .with_context(|| format!("--output {}: cannot create", args.output.display()))?;
        Box::new(BufWriter::with_capacity(1 << 20, file))
    };
    let bytes = behavior_generator::write_ndjson(registry, args.count, args.seed, &mut out)?;
    out.flush()?;
    eprintln!("generator: {} events, {bytes} bytes", args.count);
    Ok(())
}
