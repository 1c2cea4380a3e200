//! `pipeline`: the main job in one command. The generator's traffic goes through a queue to
//! the converter's handler and lands in a lake, then a summary accounts for every event.
//!
//! On embedded defaults (no AWS account) the queue is in-process, with SQS's batch and
//! visibility semantics, and the lake is a local directory. With `--queue-url` (and
//! `--endpoint-url` for moto or LocalStack) and an `s3://` lake, the same flow runs on real
//! SQS and S3. The generator and the converter never see each other: they meet here, through
//! the wire format only.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use behavior_converter::lake::{Lake, LakeUri, S3Options};
use behavior_converter::poll::{PollOptions, poll};
use behavior_converter::queue::{MemoryQueue, SqsQueue, sqs_client};
use behavior_converter::{BatchReport, Handler};
use behavior_generator::pack::Packer;
use behavior_generator::sqs::{QueueRef, SqsOptions, SqsSink};
use behavior_generator::{Config, Defect, Dirty, Simulation};
use behavior_runtime::Limits;
use behavior_runtime::wire::BodyEncoding;
use clap::Parser;

/// Generates shop traffic, queues it, converts it to typed Parquet and reports what landed.
///
/// Example: `pipeline --count 200000 --dirty-rate 0.01 --lake ./lake`
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Events to generate.
    #[arg(long, default_value_t = 200_000)]
    count: u64,
    /// Seed of the generator: the same seed gives the same events.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of events given a defect (each invalid one must end in the quarantine).
    #[arg(long, default_value_t = 0.01)]
    dirty_rate: f64,
    /// The lake: a directory or s3://bucket/prefix.
    #[arg(long, default_value = "lake")]
    lake: String,
    /// Use this SQS queue instead of the in-process one.
    #[arg(long)]
    queue_url: Option<String>,
    /// AWS endpoint (moto, LocalStack) for SQS and S3, addressed path-style.
    // Read from the environment here, not only by the SDK, so an endpoint given either way
    // also gets path-style S3 addressing (moto and LocalStack need it).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    /// Largest message body; events are packed as NDJSON up to it.
    #[arg(long, default_value_t = 64 * 1024)]
    max_body_bytes: usize,
    /// How message bodies are encoded: `zstd` (compressed NDJSON in base64, ~5× the events
    /// per body) or `plain` NDJSON.
    #[arg(long, default_value_t = BodyEncoding::Zstd)]
    body_encoding: BodyEncoding,
    /// Messages per converter batch.
    #[arg(long, default_value_t = 1000)]
    batch_size: usize,
    /// Stop gathering a batch once its bodies reach this many bytes (Lambda: 6 MB).
    #[arg(long, default_value_t = 6 * 1024 * 1024)]
    max_batch_bytes: usize,
    /// With SQS: stop once the queue has been empty this many seconds after sending.
    #[arg(long, default_value_t = 5.0)]
    idle_exit: f64,
}

/// What the generator side did.
struct Generated {
    events: u64,
    invalid: u64,
    defects: serde_json::Value,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if !(0.0..=1.0).contains(&args.dirty_rate) {
        anyhow::bail!("--dirty-rate must be in [0, 1]");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let uri: LakeUri = args
        .lake
        .parse()
        .map_err(|e| anyhow::anyhow!("--lake: {e}"))?;
    let s3 = S3Options {
        endpoint_url: args.endpoint_url.clone(),
        force_path_style: args.endpoint_url.is_some(),
    };
    let lake = Lake::open(&uri, &s3)
        .await
        .map_err(|e| anyhow::anyhow!("--lake: {e}"))?;
    let handler = Handler::new(behavior_schema::registry(), lake, Limits::default());
    let options = PollOptions {
        batch_size: args.batch_size.clamp(1, 10_000),
        window: Duration::from_secs(1),
        max_batch_bytes: args.max_batch_bytes,
        visibility: Duration::from_secs(120),
        idle_exit: None,
    };
    let started = Instant::now();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let last_batch = Arc::new(Mutex::new(Instant::now()));
    let on_batch = {
        let last_batch = last_batch.clone();
        move |_: &BatchReport| {
            *last_batch.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now()
        }
    };
    let (generated, report, queue_name) = match &args.queue_url {
        None => {
            let queue = Arc::new(MemoryQueue::new(256));
            let producer = {
                let queue = queue.clone();
                let (count, seed, dirty_rate) = (args.count, args.seed, args.dirty_rate);
                let packer = Packer::with_encoding(
                    args.max_body_bytes,
                    args.body_encoding,
                    Limits::default().max_body_bytes,
                );
                std::thread::spawn(move || produce_local(&queue, count, seed, dirty_rate, packer))
            };
            let watcher = {
                let queue = queue.clone();
                tokio::spawn(async move {
                    while !queue.is_drained() {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    let _ = stop.send(true);
                })
            };
            let report = poll(&*queue, &handler, &options, shutdown, on_batch).await;
            let generated = producer
                .join()
                .map_err(|_| anyhow::anyhow!("the generator thread failed"))?;
            watcher.await?;
            (generated, report, "in-process queue".to_string())
        }
        Some(url) => {
            let client = sqs_client(args.endpoint_url.as_deref()).await;
            let queue = SqsQueue::connect(client.clone(), url)
                .await
                .map_err(|e| anyhow::anyhow!("--queue-url: {e}"))?;
            let sink = SqsSink::connect(
                client,
                QueueRef::Url(url.clone()),
                SqsOptions {
                    max_body_bytes: args.max_body_bytes,
                    encoding: args.body_encoding,
                    ..SqsOptions::default()
                },
            )
            .await?;
            let (count, seed, dirty_rate) = (args.count, args.seed, args.dirty_rate);
            let idle = Duration::try_from_secs_f64(args.idle_exit)
                .context("--idle-exit: not a duration")?;
            let producer = tokio::spawn(async move {
                // SQS bodies are text: invalid UTF-8 cannot be sent, so that defect is left out.
                let mut stream =
                    Dirty::new(simulation(seed), dirty_rate, seed).without(Defect::InvalidUtf8);
                let sent = sink.send_all(stream.by_ref().take(count as usize)).await;
                let generated = Generated {
                    events: sent.events_sent,
                    invalid: stream.invalid_injected(),
                    defects: serde_json::to_value(stream.counts()).unwrap_or_default(),
                };
                (generated, sent.events_failed)
            });
            let watcher = {
                let last_batch = last_batch.clone();
                let done = producer;
                tokio::spawn(async move {
                    let result = done.await;
                    *last_batch.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
                    loop {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        let quiet = last_batch
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .elapsed();
                        if quiet >= idle {
                            break;
                        }
                    }
                    let _ = stop.send(true);
                    result
                })
            };
            let report = poll(&queue, &handler, &options, shutdown, on_batch).await;
            let (generated, failed) = watcher.await??;
            if failed > 0 {
                anyhow::bail!("{failed} events could not be sent to {url}");
            }
            (generated, report, url.clone())
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let total = &report.total;
    let c = total.counts;
    println!(
        "pipeline: generated {} events ({} with an invalid defect injected) → {queue_name} → {} batches → {}",
        generated.events, generated.invalid, report.batches, args.lake
    );
    println!(
        "pipeline: received {}, accepted {}, rejected {} (accepted + rejected = generated: {}); {} messages not stored",
        c.received,
        c.accepted,
        c.rejected,
        c.accepted + c.rejected == generated.events as usize,
        total.failed.len()
    );
    println!(
        "pipeline: {} files, {} bytes; {:.2} s, {:.0} events/s end to end, peak RSS {}",
        total.files,
        total.bytes,
        seconds,
        generated.events as f64 / seconds.max(1e-9),
        behavior_converter::metrics::peak_rss_text(),
    );
    for (table, rows) in &total.rows {
        println!("  {table:28} {rows:>10} rows");
    }
    println!("pipeline: defects injected: {}", generated.defects);
    if c.received != generated.events as usize || c.accepted + c.rejected != c.received {
        anyhow::bail!(
            "events unaccounted for: generated {}, received {}",
            generated.events,
            c.received
        );
    }
    Ok(())
}

fn simulation(seed: u64) -> Simulation {
    Simulation::new(
        behavior_schema::registry(),
        Config {
            seed,
            ..Config::default()
        },
    )
}

/// The generator side of the local pipeline: packs events into bodies on the in-process queue,
/// blocking while it is full, then closes it.
fn produce_local(
    queue: &MemoryQueue,
    count: u64,
    seed: u64,
    dirty_rate: f64,
    mut packer: Packer,
) -> Generated {
    let mut stream = Dirty::new(simulation(seed), dirty_rate, seed);
    let mut events = 0;
    for line in stream.by_ref().take(count as usize) {
        events += 1;
        if let Some(body) = packer.push(&line) {
            queue.send_blocking(body.bytes);
        }
    }
    while let Some(body) = packer.finish() {
        queue.send_blocking(body.bytes);
    }
    queue.close();
    Generated {
        events,
        invalid: stream.invalid_injected(),
        defects: serde_json::to_value(stream.counts()).unwrap_or_default(),
    }
}
