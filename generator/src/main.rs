//! `generator`: simulated shop traffic as NDJSON.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use behavior_generator::model::{EVENTS_PER_SESSION, Timed};
use behavior_generator::pace::Paced;
use behavior_generator::sqs::{QueueRef, SqsOptions, SqsSink};
use behavior_generator::{Config, Defect, Dirty, Simulation};
use behavior_runtime::wire::BodyEncoding;
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// The highest `--rate`, in events per second: a session's later events wait in memory for
/// their time, ~80 KB per event per second (8 GB here); more traffic takes several generators.
const MAX_RATE: f64 = 100_000.0;

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
    /// Events per second in wall-clock time, on average: sessions arrive at the rate that
    /// yields it, and each event is released when the clock reaches its event time (flat, no
    /// day curve; the stream starts with sessions already in progress). At most 100,000.
    /// Without it, events are written as fast as possible in simulated time (a day of
    /// traffic in seconds).
    #[arg(long)]
    rate: Option<f64>,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// Seed of the random source: the same seed and options give byte-identical output
    /// (without --rate and --duration, which follow the wall clock).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Size of the population of returning visitors (each has one session at a time and
    /// comes back no sooner than 30 minutes later); sessions for which none is free come from
    /// first-time visitors.
    #[arg(long, default_value_t = 200_000)]
    users: u32,
    /// Share of visitors who never sign in, in [0, 1].
    #[arg(long, default_value_t = 0.6)]
    anonymous_share: f64,
    /// Mean new sessions per simulated second (5 is ~430,000 sessions a simulated day).
    #[arg(long, default_value_t = 5.0)]
    sessions_per_second: f64,
    /// Flat arrivals instead of a day curve (peaking at 20:00 in each visitor's local time).
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
    /// With --rate, the longest an event waits for its SQS message body (and batch) to fill:
    /// then they are sent part-full. 0 sends as soon as no event is waiting. Without --rate
    /// bodies fill at once and this does not apply.
    #[arg(long, default_value_t = 1000)]
    linger_ms: u64,
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
    // The warm-up simulates ten minutes at the rate before the first event, and a session's
    // later events wait in memory for their time: both grow with the rate.
    if args.rate.is_some_and(|r| !(r > 0.0 && r <= MAX_RATE)) {
        anyhow::bail!("--rate must be a positive number of events per second, at most {MAX_RATE}");
    }
    if args.duration.is_some_and(|d| !(d > 0.0 && d.is_finite())) {
        anyhow::bail!("--duration must be a positive number of seconds");
    }
    if let Some(seconds) = args.duration {
        Duration::try_from_secs_f64(seconds)
            .map_err(|e| anyhow::anyhow!("--duration {seconds}: {e}"))?;
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
        // Wall-clock traffic: events from now on, sessions arriving at the rate that yields
        // `rate` events per second. Ten simulated minutes before now are run and dropped, so
        // the sessions in progress are there from the first second and the rate with them.
        config.start = behavior_runtime::Timestamp::from_micros(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64),
        );
        config.warm_up_seconds = 600.0;
        config.sessions_per_second = rate / EVENTS_PER_SESSION;
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
    let mut stream = Dirty::new(paced(&args, config), args.dirty_rate, args.seed);
    let bar = progress();
    // Paced by the clock, each line goes out when it is released: the pacer may sleep before
    // the next one for seconds at a low rate, and a line left in the buffer would wait too.
    for line in stream.by_ref().take(limit(&args)) {
        if events.is_multiple_of(4096) {
            bar.set_position(events);
            bar.set_message(format!("{} MB", bytes >> 20));
        }
        out.write_all(&line)?;
        out.write_all(b"\n")?;
        bytes += line.len() as u64 + 1;
        events += 1;
        if args.rate.is_some() {
            out.flush()?;
        }
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
    // Scoped, so the paced producer's thread can borrow the arguments.
    std::thread::scope(|scope| {
        runtime.block_on(async {
            let client = behavior_generator::sqs::client(args.endpoint_url.as_deref()).await;
            let options = SqsOptions {
                max_body_bytes: args.max_body_bytes,
                encoding: args.body_encoding,
                in_flight: args.in_flight,
                linger: Duration::from_millis(args.linger_ms),
                ..SqsOptions::default()
            };
            let sink = SqsSink::connect(client, queue, options).await?;
            let started = std::time::Instant::now();
            let bar = progress();
            let stream = || {
                Dirty::new(paced(args, config), args.dirty_rate, args.seed)
                    .without(Defect::InvalidUtf8)
            };
            let (report, invalid, defects) = if args.rate.is_some() {
                // Pacing sleeps until each event's time: on the runtime's thread that would
                // stall the requests in flight. The events are made on a thread of their own
                // instead, and a full channel holds it back when sending falls behind.
                let (lines, received) = tokio::sync::mpsc::channel(4096);
                let producer_bar = bar.clone();
                let producer = scope.spawn(move || {
                    let mut stream = stream();
                    for line in stream.by_ref().take(limit(args)) {
                        producer_bar.inc(1);
                        if lines.blocking_send(line).is_err() {
                            break;
                        }
                    }
                    (stream.invalid_injected(), stream.counts().clone())
                });
                let report = sink.send_stream(received).await;
                // The channel closed: the producer has returned or is returning.
                let (invalid, defects) = producer
                    .join()
                    .map_err(|_| anyhow::anyhow!("the event producer panicked"))?;
                (report, invalid, defects)
            } else {
                let mut stream = stream();
                let lines = stream.by_ref().take(limit(args)).inspect(|_| bar.inc(1));
                let report = sink.send_all(lines).await;
                (report, stream.invalid_injected(), stream.counts().clone())
            };
            bar.finish_and_clear();
            let seconds = started.elapsed().as_secs_f64();
            let summary = serde_json::json!({
                "queue_url": sink.queue_url(),
                "report": report,
                "seconds": seconds,
                "events_per_second": report.events_sent as f64 / seconds.max(1e-9),
                "invalid_injected": invalid,
                "defects": defects,
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
    })
}

/// The clean events, released by the clock with `--rate`, ending after `--duration`. Defects
/// are injected after pacing: the pacer reads clean event times, and re-sends held back when
/// the duration ends still go out.
fn paced(args: &Args, config: Config) -> Paced<Timed> {
    Paced::new(
        Simulation::new(behavior_schema::registry(), config).timed(),
        args.rate.is_some(),
        args.duration.map(Duration::from_secs_f64),
    )
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
