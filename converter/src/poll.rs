//! The poller: Lambda's SQS event source mapping, outside Lambda. It gathers a batch the way
//! the mapping does (up to `batch_size` messages, for at most the batching window, or until the
//! payload limit), runs the shared handler, keeps the batch invisible while it works, and
//! deletes only what the handler stored. What it does not delete comes back after the
//! visibility timeout, and after the queue's `maxReceiveCount` goes to the dead-letter queue.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::batch::Message;
use crate::handler::{BatchReport, Handler};
use crate::queue::{Queue, Received};

#[derive(Clone, Debug)]
pub struct PollOptions {
    /// Messages per batch (Lambda: 1 to 10,000).
    pub batch_size: usize,
    /// How long to keep gathering once a batch has a first message (Lambda: 0 to 300 s).
    pub window: Duration,
    /// Stop gathering once the bodies reach this many bytes (Lambda's payload limit: 6 MB).
    pub max_batch_bytes: usize,
    /// How long received messages stay invisible; extended while a batch is processed.
    pub visibility: Duration,
    /// Return after the queue has been empty this long (`None`: run until shutdown).
    pub idle_exit: Option<Duration>,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            window: Duration::from_secs(5),
            max_batch_bytes: 6 * 1024 * 1024,
            visibility: Duration::from_secs(120),
            idle_exit: None,
        }
    }
}

/// Longest single long poll SQS allows.
const LONG_POLL: Duration = Duration::from_secs(20);

/// What a run did.
#[derive(Debug, Default)]
pub struct PollReport {
    pub batches: usize,
    /// Every batch's report added up.
    pub total: BatchReport,
    pub deleted: usize,
    /// Queue calls that failed (and were retried).
    pub queue_errors: usize,
}

/// Polls until `shutdown` turns true (the current batch is finished first) or the queue has
/// been idle for `idle_exit`. `on_batch` sees every batch's report (runners log it).
pub async fn poll<Q: Queue>(
    queue: &Q,
    handler: &Handler,
    options: &PollOptions,
    mut shutdown: watch::Receiver<bool>,
    mut on_batch: impl FnMut(&BatchReport),
) -> PollReport {
    let mut report = PollReport::default();
    let mut idle_since = Instant::now();
    let mut backoff = Duration::from_millis(100);
    loop {
        if *shutdown.borrow() {
            return report;
        }
        let gathered = tokio::select! {
            gathered = gather(queue, options, &mut report) => gathered,
            _ = shutdown.changed() => return report,
        };
        let batch = match gathered {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(error, "receiving from the queue failed; retrying");
                report.queue_errors += 1;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(20));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        if batch.is_empty() {
            if options
                .idle_exit
                .is_some_and(|idle| idle_since.elapsed() >= idle)
            {
                return report;
            }
            continue;
        }
        let batch_report = process(queue, handler, options, &batch, &mut report).await;
        on_batch(&batch_report);
        report.batches += 1;
        report.total.add(&batch_report);
        idle_since = Instant::now();
    }
}

/// One batch, gathered like the event source mapping does. Empty when the queue stayed empty
/// for one long poll (or the idle limit).
async fn gather<Q: Queue>(
    queue: &Q,
    options: &PollOptions,
    report: &mut PollReport,
) -> Result<Vec<Received>, String> {
    let mut batch: Vec<Received> = Vec::new();
    let mut bytes = 0;
    let mut first_at = None;
    loop {
        let wait = match first_at {
            None => options
                .idle_exit
                .map_or(LONG_POLL, |idle| idle.min(LONG_POLL)),
            Some(first) => options.window.saturating_sub(Instant::now() - first),
        };
        let want = (options.batch_size - batch.len()).min(10);
        let got = match queue.receive(want, wait, options.visibility).await {
            Ok(got) => got,
            // Keep what was gathered: those messages are invisible and must be processed.
            Err(error) if !batch.is_empty() => {
                tracing::warn!(
                    error,
                    "receiving from the queue failed; processing what we have"
                );
                report.queue_errors += 1;
                return Ok(batch);
            }
            Err(error) => return Err(error),
        };
        if got.is_empty() && first_at.is_none() {
            return Ok(batch);
        }
        first_at.get_or_insert_with(Instant::now);
        bytes += got.iter().map(|r| r.message.body.len()).sum::<usize>();
        let drained = got.is_empty();
        batch.extend(got);
        let window_over = first_at.is_some_and(|first| first.elapsed() >= options.window);
        if batch.len() >= options.batch_size
            || bytes >= options.max_batch_bytes
            || window_over
            || (drained && options.window.is_zero())
        {
            return Ok(batch);
        }
    }
}

/// Handles one batch while keeping it invisible, then deletes what was stored.
async fn process<Q: Queue>(
    queue: &Q,
    handler: &Handler,
    options: &PollOptions,
    batch: &[Received],
    report: &mut PollReport,
) -> BatchReport {
    let messages: Vec<Message> = batch.iter().map(|r| r.message.clone()).collect();
    let receipts: Vec<String> = batch.iter().map(|r| r.receipt.clone()).collect();
    let handling = handler.handle(&messages);
    tokio::pin!(handling);
    // Extend at half the visibility timeout, counted from now: the gathering window is far
    // shorter than the timeout (the infrastructure enforces it), so nothing expired yet.
    let period = (options.visibility / 2).max(Duration::from_secs(1));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let batch_report = loop {
        tokio::select! {
            done = &mut handling => break done,
            _ = ticker.tick() => {
                if let Err(error) = queue.extend(&receipts, options.visibility).await {
                    tracing::warn!(error, "extending visibility failed");
                    report.queue_errors += 1;
                }
            }
        }
    };
    let stored: Vec<String> = batch
        .iter()
        .filter(|r| !batch_report.failed.contains(&r.message.id))
        .map(|r| r.receipt.clone())
        .collect();
    if !stored.is_empty() {
        match queue.delete(&stored).await {
            Ok(deleted) => report.deleted += deleted,
            // Stored but not deleted: the messages come back and overwrite their own files
            // (same batch, same names) or, in another batch, add duplicates that the
            // warehouse's dedup on event_id removes. Never a loss.
            Err(error) => {
                tracing::warn!(error, "deleting stored messages failed");
                report.queue_errors += 1;
            }
        }
    }
    batch_report
}
