//! `converter`: one handler, three ways to run it.
//!
//! - `converter lambda` (or no subcommand inside Lambda): the SQS-triggered function;
//! - `converter poll --queue-url URL`: long-polls SQS like Lambda's event source mapping;
//! - `converter convert FILES`: NDJSON files or stdin into the lake.
//!
//! Settings come from flags or the environment variables named in `--help` (the Lambda's
//! configuration); a missing or wrong one fails at start-up with one line naming it.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use behavior_converter::lake::{Lake, LakeUri, S3Options};
use behavior_converter::metrics::{emit_summary, peak_rss_text};
use behavior_converter::poll::{PollOptions, poll};
use behavior_converter::queue::SqsQueue;
use behavior_converter::{BatchReport, Handler, contract, files, lambda};
use behavior_runtime::Limits;
use clap::{Args, Parser, Subcommand};

/// Converts raw JSON events into typed, date-partitioned Parquet in a data lake.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Settings {
    /// The lake: a directory, file:///path or s3://bucket/prefix.
    #[arg(long, env = contract::ENV_LAKE_URI, default_value = "lake", global = true)]
    lake: String,
    /// AWS endpoint override (moto, LocalStack); the SDK also reads AWS_ENDPOINT_URL.
    #[arg(long, global = true)]
    endpoint_url: Option<String>,
    /// Path-style S3 addressing (moto, LocalStack, MinIO).
    #[arg(long, env = contract::ENV_S3_FORCE_PATH_STYLE, global = true)]
    s3_force_path_style: bool,
    /// One event over this many bytes is quarantined.
    #[arg(long, env = contract::ENV_MAX_EVENT_BYTES, default_value_t = Limits::default().max_event_bytes, global = true)]
    max_event_bytes: usize,
    /// One message body over this many bytes is quarantined whole.
    #[arg(long, env = contract::ENV_MAX_BODY_BYTES, default_value_t = Limits::default().max_body_bytes, global = true)]
    max_body_bytes: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Lambda invocations (SQS events); the default inside Lambda.
    Lambda,
    /// Long-poll an SQS queue and convert its messages, like Lambda's event source mapping.
    ///
    /// Example: `converter poll --queue-url $URL --lake s3://my-lake/events`
    Poll {
        /// The queue's URL.
        #[arg(long, env = contract::ENV_QUEUE_URL)]
        queue_url: String,
        /// Messages per batch.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        batch_size: u32,
        /// Seconds to keep gathering a batch after its first message.
        #[arg(long, default_value_t = 5.0)]
        window: f64,
        /// Stop gathering once bodies reach this many bytes.
        #[arg(long, default_value_t = 6 * 1024 * 1024)]
        max_batch_bytes: usize,
        /// Seconds received messages stay invisible (extended while a batch is processed).
        #[arg(long, default_value_t = 120)]
        visibility_timeout: u64,
        /// Exit after the queue has been empty this many seconds (default: run until stopped).
        #[arg(long)]
        idle_exit: Option<f64>,
    },
    /// NDJSON files (or stdin) into the lake.
    ///
    /// Example: `converter convert events.ndjson --lake ./lake`
    Convert {
        /// Input files; none or `-` reads stdin.
        inputs: Vec<PathBuf>,
        /// Lines per batch (one Parquet file per type and date per batch).
        #[arg(long, default_value_t = 100_000)]
        batch_events: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = match cli.command {
        Some(command) => command,
        // Lambda runs the image's entry point without arguments.
        None if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() => Command::Lambda,
        None => {
            anyhow::bail!("no command: try `converter convert`, `converter poll` or `--help`")
        }
    };
    init_logs(matches!(command, Command::Lambda));
    // The default lake is a local directory: never what a function wants, so say so at once.
    if matches!(command, Command::Lambda) && std::env::var_os(contract::ENV_LAKE_URI).is_none() {
        anyhow::bail!(
            "{} is not set: the function needs its lake, e.g. s3://bucket/prefix",
            contract::ENV_LAKE_URI
        );
    }
    if matches!(command, Command::Lambda) {
        lambda::check_environment().map_err(anyhow::Error::msg)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli.settings, command))
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        // At trace level the Lambda runtime logs every invocation's payload, i.e. the users'
        // events, into CloudWatch; no log level of this function should do that.
        .add_directive(
            "lambda_runtime::layers::api_response=debug"
                .parse()
                .expect("a valid directive"),
        );
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json().with_current_span(false).init();
    } else {
        logs.compact().init();
    }
}

async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    let handler = handler(&settings).await?;
    match command {
        Command::Lambda => lambda::run(handler)
            .await
            .map_err(|e| anyhow::anyhow!("lambda runtime: {e}")),
        Command::Poll {
            queue_url,
            batch_size,
            window,
            max_batch_bytes,
            visibility_timeout,
            idle_exit,
        } => {
            let options = PollOptions {
                batch_size: batch_size as usize,
                window: seconds("--window", window)?,
                max_batch_bytes,
                visibility: Duration::from_secs(visibility_timeout.max(1)),
                idle_exit: idle_exit.map(|s| seconds("--idle-exit", s)).transpose()?,
            };
            // The batch's first messages were received when gathering began; the first
            // extension of their visibility comes half a timeout later at the earliest.
            if options.window > options.visibility / 2 {
                anyhow::bail!(
                    "--window {window}: at most half of --visibility-timeout ({} s), or a batch's \
                     first messages become visible again while it is still being gathered",
                    options.visibility.as_secs()
                );
            }
            let client =
                behavior_converter::queue::sqs_client(settings.endpoint_url.as_deref()).await;
            let queue = SqsQueue::connect(client, &queue_url)
                .await
                .map_err(|e| anyhow::anyhow!("--queue-url / QUEUE_URL: {e}"))?;
            let (stop, shutdown) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                wait_for_signal().await;
                let _ = stop.send(true);
            });
            let started = Instant::now();
            let report = poll(&queue, &handler, &options, shutdown, |batch| {
                emit_summary(batch, "poll");
            })
            .await;
            eprintln!(
                "converter poll: {} batches, {} messages deleted, {} queue errors",
                report.batches, report.deleted, report.queue_errors
            );
            print_totals(&report.total, &settings.lake, started);
            Ok(())
        }
        Command::Convert {
            inputs,
            batch_events,
        } => {
            let started = Instant::now();
            let mut total = BatchReport::default();
            let stdin = inputs.is_empty() || inputs.iter().any(|p| p.as_os_str() == "-");
            if stdin {
                let report = files::convert_reader(
                    &handler,
                    "stdin",
                    std::io::stdin(),
                    batch_events,
                    |_| (),
                )
                .await?;
                total.add(&report);
            }
            for path in inputs.iter().filter(|p| p.as_os_str() != "-") {
                let file = std::fs::File::open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?;
                let source = path.display().to_string();
                let report =
                    files::convert_reader(&handler, &source, file, batch_events, |_| ()).await?;
                total.add(&report);
            }
            print_totals(&total, &settings.lake, started);
            Ok(())
        }
    }
}

/// The handler from the settings: the lake is opened and checked here, once per process.
async fn handler(settings: &Settings) -> anyhow::Result<Handler> {
    let uri: LakeUri = settings
        .lake
        .parse()
        .map_err(|e| anyhow::anyhow!("--lake / LAKE_URI: {e}"))?;
    let s3 = S3Options {
        endpoint_url: settings.endpoint_url.clone(),
        force_path_style: settings.s3_force_path_style,
    };
    let lake = Lake::open(&uri, &s3)
        .await
        .map_err(|e| anyhow::anyhow!("--lake / LAKE_URI: {e}"))?;
    if settings.max_event_bytes == 0 || settings.max_body_bytes == 0 {
        anyhow::bail!(
            "--max-event-bytes / MAX_EVENT_BYTES and --max-body-bytes / MAX_BODY_BYTES must be positive"
        );
    }
    let limits = Limits {
        max_body_bytes: settings.max_body_bytes,
        max_event_bytes: settings.max_event_bytes,
    };
    Ok(Handler::new(behavior_schema::registry(), lake, limits))
}

fn seconds(flag: &str, value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| anyhow::anyhow!("{flag} {value}: not a duration in seconds"))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// The run's totals on stdout; like the summary lines, lost rather than a panic when stdout is
/// closed (`converter convert ... | head`): the lake has been written by then.
fn print_totals(total: &BatchReport, lake: &str, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    let c = total.counts;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "converter: received {}, accepted {}, rejected {} (accepted + rejected = received: {}); {} messages not stored",
        c.received,
        c.accepted,
        c.rejected,
        c.accepted + c.rejected == c.received,
        total.failed.len(),
    );
    let _ = writeln!(
        out,
        "converter: {} files, {} bytes in {lake}, {:.0} events/s, peak RSS {}",
        total.files,
        total.bytes,
        c.received as f64 / seconds.max(1e-9),
        peak_rss_text(),
    );
    for (table, rows) in &total.rows {
        let _ = writeln!(out, "  {table:28} {rows:>10} rows");
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}
