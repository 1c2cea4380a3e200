//! The SQS sink: events packed into NDJSON message bodies, sent with `SendMessageBatch`, a
//! bounded number of batches in flight, and retries. Nothing is dropped silently: what could
//! not be sent after the retries is counted and reported.
//!
//! Throttling, 5xx and network errors are retried by the SDK's standard retry strategy
//! (exponential backoff with jitter); entries that a successful `SendMessageBatch` reports as
//! failed are retried here, with backoff, unless SQS says the fault is the sender's.
//!
//! Lines come from an iterator ([`SqsSink::send_all`], as fast as they are made) or from a
//! channel as they are released ([`SqsSink::send_stream`]), where a body or batch that fills
//! slowly is sent anyway once its oldest event has waited the linger.

use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::pack::{Body, Packer};
use behavior_runtime::Limits;
use behavior_runtime::wire::BodyEncoding;

/// Where to send: a queue URL, or a name resolved with `GetQueueUrl`.
#[derive(Clone, Debug)]
pub enum QueueRef {
    Url(String),
    Name(String),
}

#[derive(Clone, Debug)]
pub struct SqsOptions {
    /// Largest message body; several events are packed into one up to this size. 0 sends one
    /// event per message. Capped by the queue's `MaximumMessageSize`.
    pub max_body_bytes: usize,
    /// How bodies are encoded: zstd (the default) carries ~4× the events per billed 64 KiB.
    pub encoding: BodyEncoding,
    /// `SendMessageBatch` requests in flight at once.
    pub in_flight: usize,
    /// Retries of entries a batch reported as failed.
    pub max_retries: u32,
    /// With [`SqsSink::send_stream`], the longest an event waits for its body or batch to
    /// fill before they are sent as they are. Zero sends whatever is gathered as soon as no
    /// line is waiting in the channel.
    pub linger: Duration,
}

impl Default for SqsOptions {
    fn default() -> Self {
        // 64 KiB: SQS bills each 64 KiB chunk of a request as one request.
        Self {
            max_body_bytes: 64 * 1024,
            encoding: BodyEncoding::default(),
            in_flight: 8,
            max_retries: 8,
            // Events reach the queue within about a second of their release, like a Kinesis
            // producer's linger; a body sent part-full costs one request, as a full one does.
            linger: Duration::from_secs(1),
        }
    }
}

/// What a run sent.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct SendReport {
    pub events_sent: u64,
    pub messages_sent: u64,
    pub requests: u64,
    /// Events not sent after every retry (or too large for any message).
    pub events_failed: u64,
    /// Events handed to batches (sent + failed, less the oversize).
    #[serde(skip)]
    pub dispatched: u64,
}

impl SendReport {
    fn add(&mut self, other: &SendReport) {
        self.events_sent += other.events_sent;
        self.messages_sent += other.messages_sent;
        self.requests += other.requests;
        self.events_failed += other.events_failed;
        self.dispatched += other.dispatched;
    }
}

pub struct SqsSink {
    client: Client,
    queue_url: String,
    /// Cap on one body and on one batch's total payload (the queue's maximum message size).
    queue_max: usize,
    options: SqsOptions,
}

/// One message: its body, how many events it carries, and when the first of them arrived.
struct Message {
    body: String,
    events: u64,
    since: Instant,
}

/// Events packed into bodies, and bodies into batches of up to ten entries and the queue's
/// maximum size in total; it knows when its oldest waiting event arrived, for the linger.
struct Batcher {
    packer: Packer,
    /// Cap on one event and on one batch's total payload (the queue's maximum message size).
    queue_max: usize,
    batch: Vec<Message>,
    batch_bytes: usize,
    /// Events in the packer, and when the first of them arrived.
    gathered: u64,
    gathered_since: Option<Instant>,
    /// Events too large for any message: counted as failed, never sent.
    oversize: u64,
}

impl Batcher {
    /// Adds one event; returns a batch when it is full.
    fn push(&mut self, line: Vec<u8>) -> Option<Vec<Message>> {
        // SQS bodies are Unicode text; the generator only produces UTF-8 for this sink.
        let line = String::from_utf8(line)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        if line.len() > self.queue_max {
            self.oversize += 1;
            return None;
        }
        // The clock is read once per body, not per event.
        let since = *self.gathered_since.get_or_insert_with(Instant::now);
        self.gathered += 1;
        let body = self.packer.push(line.as_bytes())?;
        self.gathered -= body.events;
        // The line just pushed starts the next body, unless a body cut short left older
        // events behind: they keep the older time (sent early rather than late).
        if self.gathered == 1 {
            self.gathered_since = Some(Instant::now());
        }
        self.add(body, since)
    }

    /// Adds a packed body to the batch; returns the batch before it when that one is full.
    fn add(&mut self, body: Body, since: Instant) -> Option<Vec<Message>> {
        let message = Message {
            // Every line was made valid UTF-8 in `push`, and newlines are ASCII.
            body: String::from_utf8(body.bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            events: body.events,
            since,
        };
        let mut full = None;
        if self.batch.len() == 10 || self.batch_bytes + message.body.len() > self.queue_max {
            full = Some(std::mem::take(&mut self.batch));
            self.batch_bytes = 0;
        }
        self.batch_bytes += message.body.len();
        self.batch.push(message);
        full
    }

    /// Everything gathered, as batches: the packer's events sealed into bodies, then the
    /// part-full batch.
    fn finish(&mut self) -> Vec<Vec<Message>> {
        let since = self.gathered_since.take().unwrap_or_else(Instant::now);
        self.gathered = 0;
        let mut batches = Vec::new();
        while let Some(body) = self.packer.finish() {
            batches.extend(self.add(body, since));
        }
        if !self.batch.is_empty() {
            self.batch_bytes = 0;
            batches.push(std::mem::take(&mut self.batch));
        }
        batches
    }

    /// When the oldest event still gathered arrived (bodies are made in arrival order).
    fn oldest(&self) -> Option<Instant> {
        self.batch.first().map(|m| m.since).or(self.gathered_since)
    }

    /// The batches holding events that have waited `linger`: the part-full batch, with the
    /// part-full body too when its first event has waited that long.
    fn take_due(&mut self, linger: Duration) -> Vec<Vec<Message>> {
        if self.gathered_since.is_some_and(|t| t.elapsed() >= linger) {
            return self.finish();
        }
        if self
            .batch
            .first()
            .is_some_and(|m| m.since.elapsed() >= linger)
        {
            self.batch_bytes = 0;
            return vec![std::mem::take(&mut self.batch)];
        }
        Vec::new()
    }
}

impl SqsSink {
    /// Resolves the queue and reads its maximum message size: an unreachable or missing queue
    /// fails here, before anything is sent.
    pub async fn connect(
        client: Client,
        queue: QueueRef,
        options: SqsOptions,
    ) -> anyhow::Result<Self> {
        let queue_url = match queue {
            QueueRef::Url(url) => url,
            QueueRef::Name(name) => client
                .get_queue_url()
                .queue_name(&name)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("--queue {name}: {}", describe(&e)))?
                .queue_url
                .ok_or_else(|| anyhow::anyhow!("--queue {name}: no URL returned"))?,
        };
        let attributes = client
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(QueueAttributeName::MaximumMessageSize)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("queue {queue_url}: {}", describe(&e)))?;
        let queue_max = attributes
            .attributes
            .and_then(|a| {
                a.get(&QueueAttributeName::MaximumMessageSize)
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(256 * 1024);
        Ok(Self {
            client,
            queue_url,
            queue_max,
            options,
        })
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Sends every line; returns when all batches are done. Bodies and batches go out as they
    /// fill, so this is for lines made as fast as they can be.
    pub async fn send_all(&self, lines: impl Iterator<Item = Vec<u8>>) -> SendReport {
        let mut batcher = self.batcher();
        let mut tasks = JoinSet::new();
        let mut report = SendReport::default();
        for line in lines {
            if let Some(full) = batcher.push(line) {
                self.spawn(&mut tasks, full, &mut report).await;
            }
        }
        self.finish(batcher, tasks, report).await
    }

    /// Sends lines as they arrive on the channel, until it closes; returns when all batches
    /// are done. A body or batch still filling is sent once its oldest event has waited
    /// `linger`, so slow traffic reaches the queue promptly. Waiting on the channel (not on
    /// a blocking iterator) keeps the runtime free to drive the batches in flight.
    pub async fn send_stream(&self, mut lines: mpsc::Receiver<Vec<u8>>) -> SendReport {
        let linger = self.options.linger;
        let mut batcher = self.batcher();
        let mut tasks = JoinSet::new();
        let mut report = SendReport::default();
        loop {
            let deadline = batcher.oldest().and_then(|t| t.checked_add(linger));
            let next = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline.into(), lines.recv()).await,
                None => Ok(lines.recv().await),
            };
            let batches = match next {
                Ok(Some(line)) => batcher.push(line).into_iter().collect(),
                Ok(None) => break,
                Err(_lingered) => batcher.take_due(linger),
            };
            for batch in batches {
                self.spawn(&mut tasks, batch, &mut report).await;
            }
        }
        self.finish(batcher, tasks, report).await
    }

    fn batcher(&self) -> Batcher {
        let body_cap = if self.options.max_body_bytes == 0 {
            0
        } else {
            self.options.max_body_bytes.min(self.queue_max)
        };
        Batcher {
            // A compressed body holds at most what the converter accepts once decompressed.
            packer: Packer::with_encoding(
                body_cap,
                self.options.encoding,
                Limits::default().max_body_bytes,
            ),
            queue_max: self.queue_max,
            batch: Vec::with_capacity(10),
            batch_bytes: 0,
            gathered: 0,
            gathered_since: None,
            oversize: 0,
        }
    }

    /// Sends what is still gathered and waits for every batch.
    async fn finish(
        &self,
        mut batcher: Batcher,
        mut tasks: JoinSet<SendReport>,
        mut report: SendReport,
    ) -> SendReport {
        for batch in batcher.finish() {
            self.spawn(&mut tasks, batch, &mut report).await;
        }
        while let Some(done) = tasks.join_next().await {
            if let Ok(done) = done {
                report.add(&done);
            }
        }
        // Every event handed to a batch is sent or failed, even if its task died: count from
        // what was confirmed sent, not from what tasks reported failing.
        report.events_failed = batcher.oversize + (report.dispatched - report.events_sent);
        report
    }

    /// Starts a batch, first waiting for a slot when `in_flight` batches are running.
    async fn spawn(
        &self,
        tasks: &mut JoinSet<SendReport>,
        batch: Vec<Message>,
        report: &mut SendReport,
    ) {
        report.dispatched += batch.iter().map(|m| m.events).sum::<u64>();
        while tasks.len() >= self.options.in_flight.max(1) {
            if let Some(Ok(done)) = tasks.join_next().await {
                report.add(&done);
            }
        }
        let client = self.client.clone();
        let url = self.queue_url.clone();
        let max_retries = self.options.max_retries;
        tasks.spawn(send_batch(client, url, batch, max_retries));
    }
}

/// Sends one batch, retrying entries reported as failed; counts what never got through.
async fn send_batch(
    client: Client,
    queue_url: String,
    batch: Vec<Message>,
    max_retries: u32,
) -> SendReport {
    let mut report = SendReport::default();
    let mut pending: Vec<(String, Message)> = batch
        .into_iter()
        .enumerate()
        .map(|(i, m)| (i.to_string(), m))
        .collect();
    let mut attempt = 0;
    while !pending.is_empty() {
        let entries = pending
            .iter()
            .map(|(id, m)| {
                SendMessageBatchRequestEntry::builder()
                    .id(id)
                    .message_body(&m.body)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>();
        let Ok(entries) = entries else {
            // Only missing required fields fail to build; both are always set.
            break;
        };
        report.requests += 1;
        let mut permanent = Vec::new();
        match client
            .send_message_batch()
            .queue_url(&queue_url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                let ok: Vec<String> = output.successful.into_iter().map(|s| s.id).collect();
                for failed in output.failed {
                    if failed.sender_fault {
                        permanent.push(failed.id);
                    }
                }
                pending.retain(|(id, m)| {
                    if ok.contains(id) {
                        report.events_sent += m.events;
                        report.messages_sent += 1;
                        false
                    } else if permanent.contains(id) {
                        report.events_failed += m.events;
                        false
                    } else {
                        true
                    }
                });
            }
            Err(error) => {
                tracing_error(&error);
            }
        }
        if pending.is_empty() {
            break;
        }
        attempt += 1;
        if attempt > max_retries {
            report.events_failed += pending.iter().map(|(_, m)| m.events).sum::<u64>();
            break;
        }
        // 50 ms, 100 ms, 200 ms ... capped at 5 s.
        tokio::time::sleep(Duration::from_millis((50u64 << attempt.min(7)).min(5_000))).await;
    }
    report
}

fn tracing_error<E: ProvideErrorMetadata + std::error::Error>(error: &E) {
    eprintln!(
        "generator: SendMessageBatch failed, retrying: {}",
        describe(error)
    );
}

/// One line: the service's error code and message, or the transport error's cause chain.
fn describe<E: ProvideErrorMetadata + std::error::Error>(error: &E) -> String {
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => aws_sdk_sqs::error::DisplayErrorContext(error).to_string(),
    }
}

/// An SQS client from the standard AWS chain (region, credentials, `AWS_ENDPOINT_URL`), with an
/// optional endpoint override for moto or LocalStack.
pub async fn client(endpoint_url: Option<&str>) -> Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(endpoint) = endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let config = loader.load().await;
    Client::new(&config)
}
