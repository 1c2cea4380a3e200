//! The batch handler every runner shares (Lambda, the poller, the file converter): convert a
//! batch, write its files, and say which messages are durably stored. It knows nothing of how it
//! is run: runners turn [`BatchReport::failed`] into batch item failures, or into messages left
//! on the queue.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use behavior_runtime::{Counts, Limits, Registry, Timestamp};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::batch::{Converted, Converter, Message};
use crate::lake::Lake;

/// Files of one batch written at once.
const WRITES_IN_FLIGHT: usize = 16;

pub struct Handler {
    lake: Lake,
    converter: ConverterThread,
}

/// Converts batches one after another on one long-lived thread, with one [`Converter`] kept
/// across batches (buffers sized to the last batch).
///
/// Always the same thread: glibc's allocator gives threads arenas of their own and keeps what
/// an arena once held, so conversions spread over the blocking pool's threads grew the process
/// by about a batch's memory per thread used, with the input instead of the batch size
/// (`converter convert`, 100,000-line batches: 310 MB peak RSS at 500,000 events, 603 MB at
/// 1,000,000, 889 MB at 2,000,000).
struct ConverterThread {
    jobs: std::sync::mpsc::Sender<Job>,
}

struct Job {
    batch: Arc<Vec<Message>>,
    reply: tokio::sync::oneshot::Sender<Result<Converted, String>>,
}

impl ConverterThread {
    fn start(registry: &'static Registry, limits: Limits) -> Self {
        let (jobs, queued) = std::sync::mpsc::channel::<Job>();
        let work = move || {
            // Made (again) inside `catch_unwind`, so no panic can end the thread.
            let mut converter: Option<Converter<'static>> = None;
            // Ends when the handler, and with it the sender, is dropped.
            for Job { batch, reply } in queued {
                // A caller that has gone (a runner shutting down) wants no result.
                if reply.is_closed() {
                    continue;
                }
                let converted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    converter
                        .get_or_insert_with(|| Converter::new(registry, limits))
                        .convert(&batch, now())
                }));
                let result = match converted {
                    Ok(converted) => converted.map_err(|error| error.to_string()),
                    // Only a bug could panic here (nothing panics on input): the batch is
                    // retried, by a converter without the state the panic left behind.
                    Err(panic) => {
                        converter = None;
                        let message = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        Err(format!("the conversion panicked: {message}"))
                    }
                };
                let _ = reply.send(result);
            }
        };
        std::thread::Builder::new()
            .name("converter".into())
            .spawn(work)
            .expect("the operating system starts the converter's thread");
        Self { jobs }
    }

    /// Converts on the thread; the caller's runtime meanwhile goes on with its other work (the
    /// poller extends the batch's visibility while it converts).
    async fn convert(&self, batch: Arc<Vec<Message>>) -> Result<Converted, String> {
        let (reply, converted) = tokio::sync::oneshot::channel();
        let stopped = || "the converter's thread stopped".to_string();
        self.jobs
            .send(Job { batch, reply })
            .map_err(|_| stopped())?;
        converted.await.map_err(|_| stopped())?
    }
}

/// What one batch did. `counts.accepted + counts.rejected == counts.received`; every event is
/// in a written file unless its message is in `failed`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BatchReport {
    pub messages: usize,
    pub counts: Counts,
    /// Messages skipped as repeats of one already in the batch (same message id).
    pub duplicate_messages: usize,
    pub files: usize,
    pub bytes: usize,
    /// Rows written per `<event_type>/v<version>` (and `_rejected`).
    pub rows: BTreeMap<String, usize>,
    /// Ids of messages not (completely) stored: the queue must deliver them again.
    pub failed: Vec<String>,
    /// Why, one line per failed write (at most a few).
    pub errors: Vec<String>,
    #[serde(skip)]
    pub duration: Duration,
}

/// Failed writes quoted in a report; the rest are counted in `failed`.
const MAX_ERRORS: usize = 5;

impl BatchReport {
    /// True when the batch had messages and none of them was stored: the runner should fail
    /// the whole invocation rather than report every item.
    pub fn nothing_stored(&self) -> bool {
        self.messages > 0 && self.failed.len() == self.messages - self.duplicate_messages
    }

    /// Adds another batch's report (for run totals).
    pub fn add(&mut self, other: &BatchReport) {
        self.messages += other.messages;
        self.counts.add(other.counts);
        self.duplicate_messages += other.duplicate_messages;
        self.files += other.files;
        self.bytes += other.bytes;
        for (table, rows) in &other.rows {
            *self.rows.entry(table.clone()).or_default() += rows;
        }
        self.failed.extend(other.failed.iter().cloned());
        for error in &other.errors {
            if self.errors.len() < MAX_ERRORS {
                self.errors.push(error.clone());
            }
        }
        self.duration += other.duration;
    }
}

impl Handler {
    pub fn new(registry: &'static Registry, lake: Lake, limits: Limits) -> Self {
        Self {
            lake,
            converter: ConverterThread::start(registry, limits),
        }
    }

    pub fn lake(&self) -> &Lake {
        &self.lake
    }

    /// Converts and stores one batch. Never fails as a whole: what could not be stored is
    /// listed in the report's `failed` (all of it when [`BatchReport::nothing_stored`]).
    pub async fn handle(&self, messages: Vec<Message>) -> BatchReport {
        let started = Instant::now();
        let mut report = BatchReport {
            messages: messages.len(),
            ..BatchReport::default()
        };
        // Converting is CPU work, up to a second or more for the largest batches: it runs on
        // the converter's own thread.
        let messages = Arc::new(messages);
        let converted = match self.converter.convert(messages.clone()).await {
            Ok(converted) => converted,
            Err(error) => {
                report.failed = distinct_ids(&messages, 0..messages.len());
                report.errors.push(format!("conversion failed: {error}"));
                report.duration = started.elapsed();
                return report;
            }
        };
        report.counts = converted.counts;
        report.duplicate_messages = converted.duplicate_messages;
        let limit = Arc::new(Semaphore::new(WRITES_IN_FLIGHT));
        let mut writes = JoinSet::new();
        for file in converted.files {
            let lake = self.lake.clone();
            let limit = limit.clone();
            writes.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let size = file.bytes.len();
                let result = lake.put(&file.key, file.bytes).await;
                (file.key, file.table, file.rows, file.messages, size, result)
            });
        }
        let mut failed = BTreeSet::new();
        while let Some(joined) = writes.join_next().await {
            let Ok((key, table, rows, file_messages, size, result)) = joined else {
                // A write task cannot panic short of a bug; fail the whole batch to be safe.
                failed.extend(0..messages.len() as u32);
                report.errors.push("a write task failed".into());
                continue;
            };
            match result {
                Ok(()) => {
                    report.files += 1;
                    report.bytes += size;
                    *report.rows.entry(table).or_default() += rows;
                }
                Err(error) => {
                    failed.extend(file_messages);
                    if report.errors.len() < MAX_ERRORS {
                        report.errors.push(format!("{key}: {error}"));
                    }
                }
            }
        }
        report.failed = distinct_ids(&messages, failed.into_iter().map(|m| m as usize));
        report.duration = started.elapsed();
        report
    }
}

/// The distinct ids of `indices`' messages, in batch order.
fn distinct_ids(messages: &[Message], indices: impl Iterator<Item = usize>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    indices
        .filter_map(|i| messages.get(i))
        .filter(|m| seen.insert(m.id.as_str()))
        .map(|m| m.id.clone())
        .collect()
}

pub fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    Timestamp::from_micros(micros)
}
