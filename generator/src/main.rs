//! `generator`: simulated shop traffic as NDJSON.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use behavior_generator::pace::Paced;
use behavior_generator::sqs::{QueueRef, SqsOptions, SqsSink};
use behavior_generator::{Config, Defect, Dirty, Simulation};
use behavior_runtime::wire::BodyEncoding;
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Simulates a shop's visitors (sessions, funnels, a Zipf-skewed catalog) and writes their
/// events as NDJSON, in event-time order.
///
/// Example: `generator --count 100000 --seed 7 --output events.ndjson`
#[derive(Parser)]
#[command(version)]
struct Args {
    /// How many events to write (default 10,000, or unlimited with --duration).
    #[arg(long)]
    count: Option<u64>,
    /// Events per second in wall-clock time; event times then follow the wall clock.
    /// Without it, events are written as fast as possible in simulated time (a day of traffic
    /// in seconds).
    #[arg(long)]
    rate: Option<f64>,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// Seed of the random source: the same seed and options give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Size of the visitor population.
    #[arg(long, default_value_t = 10_000)]
    users: u32,
    /// Share of visitors who never sign in, in [0, 1].
    #[arg(long, default_value_t = 0.6)]
    anonymous_share: f64,
    /// Mean new sessions per simulated second (5 is ~430,000 sessions a simulated day).
    #[arg(long, default_value_t = 5.0)]
    sessions_per_second: f64,
    /// Flat arrivals instead of a day curve.
    #[arg(long)]
    no_diurnal: bool,
    /// Share of events, in [0, 1], given a defect real pipelines see: malformed or truncated
    /// JSON, wrong types, missing fields, unknown or mixed-case event types, epoch timestamps,
    /// strings over their bound, invalid UTF-8, re-sends, late and out-of-order events.
    #[arg(long, default_value_t = 0.0)]
    dirty_rate: f64,
    /// Print the final summary as JSON (on stderr; stdout may be the events).
    #[arg(long)]
    json: bool,
    /// Output file; `-` (the default) is stdout. Ignored when sending to SQS.
    #[arg(long, default_value = "-")]
    output: PathBuf,
    /// Send to this SQS queue URL instead of writing NDJSON.
    #[arg(long, conflicts_with = "queue")]
    queue_url: Option<String>,
    /// Send to the SQS queue of this name (resolved with GetQueueUrl).
    #[arg(long)]
    queue: Option<String>,
    /// SQS endpoint (moto, LocalStack); also read from AWS_ENDPOINT_URL. Region and
    /// credentials come from the standard AWS chain.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// Largest SQS message body, events packed as NDJSON up to it; 0 sends one event per
    /// message. Never more than the queue's maximum message size.
    #[arg(long, default_value_t = 64 * 1024)]
    max_body_bytes: usize,
    /// How SQS message bodies are encoded: `zstd` (NDJSON compressed, then base64: ~5× the
    /// events per 64 KiB SQS bills, read by the converter as is) or `plain` NDJSON.
    #[arg(long, default_value_t = BodyEncoding::Zstd)]
    body_encoding: BodyEncoding,
    /// SendMessageBatch requests in flight at once.
    #[arg(long, default_value_t = 8)]
    in_flight: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.anonymous_share) {
        anyhow::bail!(
            "--anonymous-share must be within [0, 1], got {}",
            args.anonymous_share
        );
    }
    if !(args.sessions_per_second > 0.0 && args.sessions_per_second.is_finite()) {
        anyhow::bail!(
            "--sessions-per-second must be a positive number, got {}",
            args.sessions_per_second
        );
    }
    if !(0.0..=1.0).contains(&args.dirty_rate) {
        anyhow::bail!(
            "--dirty-rate must be within [0, 1], got {}",
            args.dirty_rate
        );
    }
    if args.users == 0 {
        anyhow::bail!("--users must be at least 1");
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        anyhow::bail!("--rate must be a positive number of events per second");
    }
    if args.duration.is_some_and(|d| !(d > 0.0 && d.is_finite())) {
        anyhow::bail!("--duration must be a positive number of seconds");
    }
    let mut config = Config {
        seed: args.seed,
        users: args.users,
        anonymous_share: args.anonymous_share,
        sessions_per_second: args.sessions_per_second,
        diurnal: !args.no_diurnal,
        ..Config::default()
    };
    if let Some(rate) = args.rate {
        // Wall-clock traffic: sessions start now and arrive at the rate that yields `rate`
        // events per second (about 5.5 events per session with the default funnel).
        config.start = behavior_runtime::Timestamp::from_micros(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64),
        );
        config.sessions_per_second = rate / 5.5;
        config.diurnal = false;
    }
    let queue = match (&args.queue_url, &args.queue) {
        (Some(url), _) => Some(QueueRef::Url(url.clone())),
        (None, Some(name)) => Some(QueueRef::Name(name.clone())),
        (None, None) => None,
    };
    if let Some(queue) = queue {
        return send_to_sqs(&args, config, queue);
    }
    let mut out: Box<dyn Write> = if args.output.as_os_str() == "-" {
        Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout().lock()))
    } else {
        let file = std::fs::File::create(&args.output)
            .with_context(|| format!("--output {}: cannot create", args.output.display()))?;
        Box::new(BufWriter::with_capacity(1 << 20, file))
    };
    let started = std::time::Instant::now();
    let mut bytes = 0u64;
    let mut events = 0u64;
    let mut stream = Dirty::new(
        Simulation::new(behavior_schema::registry(), config),
        args.dirty_rate,
        args.seed,
    );
    let bar = progress();
    for line in Paced::new(
        stream.by_ref(),
        args.rate,
        args.duration.map(Duration::from_secs_f64),
    )
    .take(limit(&args))
    {
        if events.is_multiple_of(4096) {
            bar.set_position(events);
            bar.set_message(format!("{} MB", bytes >> 20));
        }
        out.write_all(&line)?;
        out.write_all(b"\n")?;
        bytes += line.len() as u64 + 1;
        events += 1;
    }
    out.flush()?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let invalid = stream.invalid_injected();
    let summary = serde_json::json!({
        "events": events,
        "bytes": bytes,
        "seconds": seconds,
        "events_per_second": events as f64 / seconds.max(1e-9),
        "invalid_injected": invalid,
        "defects": stream.counts(),
    });
    print_summary(
        args.json,
        &summary,
        format!(
            "{events} events, {bytes} bytes in {seconds:.2} s ({:.0} events/s)",
            events as f64 / seconds.max(1e-9)
        ),
    );
    Ok(())
}

/// The SQS sink: fails before sending when the queue is unreachable, and exits non-zero,
/// saying how many, when events could not be sent.
fn send_to_sqs(args: &Args, config: Config, queue: QueueRef) -> anyhow::Result<()> {
    if args.in_flight == 0 {
        anyhow::bail!("--in-flight must be at least 1");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = behavior_generator::sqs::client(args.endpoint_url.as_deref()).await;
        let options = SqsOptions {
            max_body_bytes: args.max_body_bytes,
            encoding: args.body_encoding,
            in_flight: args.in_flight,
            ..SqsOptions::default()
        };
        let sink = SqsSink::connect(client, queue, options).await?;
        let started = std::time::Instant::now();
        let mut stream = Dirty::new(
            Simulation::new(behavior_schema::registry(), config),
            args.dirty_rate,
            args.seed,
        )
        .without(Defect::InvalidUtf8);
        let bar = progress();
        let lines = Paced::new(
            stream.by_ref(),
            args.rate,
            args.duration.map(Duration::from_secs_f64),
        )
        .take(limit(args))
        .inspect(|_| bar.inc(1));
        let report = sink.send_all(lines).await;
        bar.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        let invalid = stream.invalid_injected();
        let summary = serde_json::json!({
            "queue_url": sink.queue_url(),
            "report": report,
            "seconds": seconds,
            "events_per_second": report.events_sent as f64 / seconds.max(1e-9),
            "invalid_injected": invalid,
            "defects": stream.counts(),
        });
        print_summary(
            args.json,
            &summary,
            format!(
                "{} events in {} messages ({} requests) to {} in {seconds:.2} s",
                report.events_sent,
                report.messages_sent,
                report.requests,
                sink.queue_url()
            ),
        );
        if report.events_failed > 0 {
            anyhow::bail!(
                "{} events were not sent after retries",
                report.events_failed
            );
        }
        Ok(())
    })
}

/// Events to produce: `--count`, else unlimited with `--duration`, else 10,000.
fn limit(args: &Args) -> usize {
    match (args.count, args.duration) {
        (Some(count), _) => count as usize,
        (None, Some(_)) => usize::MAX,
        (None, None) => 10_000,
    }
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (pipes, CI).
fn progress() -> ProgressBar {
    let bar = ProgressBar::no_length();
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} events ({per_sec}), {msg}, {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

/// The final summary on stderr (stdout may carry the events): JSON, or one line for people.
fn print_summary(json: bool, summary: &serde_json::Value, what: String) {
    if json {
        eprintln!("{summary}");
    } else {
        eprintln!(
            "generator: {what}; {} invalid injected; defects: {}",
            summary["invalid_injected"], summary["defects"]
        );
    }
}
