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

/// Polls until `shutdown` turns true or the queue has been idle for `idle_exit`. A batch
/// being gathered or processed when shutdown comes is finished first: its messages are already
/// invisible, and abandoning them would cost each a receive towards the dead-letter queue.
/// `on_batch` sees every batch's report (runners log it).
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
        let gathered = match gather(queue, options, &mut report, &mut shutdown).await {
            Ok(gathered) => gathered,
            Err(error) => {
                tracing::warn!(error, "receiving from the queue failed; retrying");
                report.queue_errors += 1;
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => return report,
                }
                backoff = (backoff * 2).min(Duration::from_secs(20));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        let Gathered {
            messages,
            since,
            stopping,
        } = gathered;
        let empty = messages.is_empty();
        if !empty {
            let batch_report = process(queue, handler, options, messages, since, &mut report).await;
            on_batch(&batch_report);
            report.batches += 1;
            report.total.add(&batch_report);
            idle_since = Instant::now();
        }
        if stopping {
            return report;
        }
        // A closed in-process queue answers at once when it has nothing ready: wait here as a
        // long poll would, for a redelivery or the shutdown, instead of spinning.
        if empty && queue.exhausted() {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = shutdown.changed() => return report,
            }
        }
        if empty
            && options
                .idle_exit
                .is_some_and(|idle| idle_since.elapsed() >= idle)
        {
            return report;
        }
    }
}

/// A gathered batch.
struct Gathered {
    messages: Vec<Received>,
    /// When the receive that returned the first message was sent: the batch's visibility
    /// timeout runs from (at the latest) then.
    since: Instant,
    /// Shutdown came while gathering: process what there is, then stop.
    stopping: bool,
}

/// One batch, gathered like the event source mapping does. Empty when the queue stayed empty
/// for one long poll (or the idle limit), or shutdown came first.
async fn gather<Q: Queue>(
    queue: &Q,
    options: &PollOptions,
    report: &mut PollReport,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Gathered, String> {
    let mut batch: Vec<Received> = Vec::new();
    let mut bytes = 0;
    let mut first_at = None;
    let mut since = Instant::now();
    let done = |messages, since, stopping| {
        Ok(Gathered {
            messages,
            since,
            stopping,
        })
    };
    loop {
        let wait = match first_at {
            None => options
                .idle_exit
                .map_or(LONG_POLL, |idle| idle.min(LONG_POLL)),
            Some(first) => options.window.saturating_sub(Instant::now() - first),
        };
        let want = (options.batch_size - batch.len()).min(10);
        let asked = Instant::now();
        // Dropping a receive SQS has just answered would strand its messages until their
        // visibility timeout; that takes an answer in the instant shutdown comes, a smaller
        // risk than outliving the runner's stop grace period waiting out a long poll.
        let received = tokio::select! {
            received = queue.receive(want, wait, options.visibility) => received,
            _ = shutdown.changed() => return done(batch, since, true),
        };
        let got = match received {
            Ok(got) => got,
            // Keep what was gathered: those messages are invisible and must be processed.
            Err(error) if !batch.is_empty() => {
                tracing::warn!(
                    error,
                    "receiving from the queue failed; processing what we have"
                );
                report.queue_errors += 1;
                return done(batch, since, false);
            }
            Err(error) => return Err(error),
        };
        if got.is_empty() && first_at.is_none() {
            return done(batch, since, false);
        }
        if first_at.is_none() {
            since = asked;
        }
        first_at.get_or_insert_with(Instant::now);
        bytes += got.iter().map(|r| r.message.body.len()).sum::<usize>();
        let drained = got.is_empty();
        batch.extend(got);
        let window_over = first_at.is_some_and(|first| first.elapsed() >= options.window);
        if batch.len() >= options.batch_size
            || bytes >= options.max_batch_bytes
            || window_over
            || (drained && (options.window.is_zero() || queue.exhausted()))
        {
            return done(batch, since, false);
        }
    }
}

/// Handles one batch while keeping it invisible, then deletes what was stored.
async fn process<Q: Queue>(
    queue: &Q,
    handler: &Handler,
    options: &PollOptions,
    batch: Vec<Received>,
    since: Instant,
    report: &mut PollReport,
) -> BatchReport {
    // The bodies move to the handler; the receipts and ids stay for extending and deleting.
    let mut receipts = Vec::with_capacity(batch.len());
    let mut ids = Vec::with_capacity(batch.len());
    let messages: Vec<Message> = batch
        .into_iter()
        .map(|r| {
            receipts.push(r.receipt);
            ids.push(r.message.id.clone());
            r.message
        })
        .collect();
    let handling = handler.handle(messages);
    tokio::pin!(handling);
    // Extend every half visibility timeout, counted from the first receive (at once if
    // gathering took longer than that): the runners hold the window to at most half the
    // timeout, so nothing has expired yet.
    let period = (options.visibility / 2).max(Duration::from_millis(100));
    let first = tokio::time::Instant::from_std(since) + period;
    let mut ticker = tokio::time::interval_at(first, period);
    // One extension for however many periods the gathering took, not one per period.
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
    let stored: Vec<String> = receipts
        .into_iter()
        .zip(&ids)
        .filter(|(_, id)| !batch_report.failed.contains(id))
        .map(|(receipt, _)| receipt)
        .collect();
    if !stored.is_empty() {
        match queue.delete(&stored).await {
            Ok(deleted) => {
                report.deleted += deleted;
                // Some deletions failed (an expired receipt, a failed batch entry; the queue
                // says why): those messages come back, as below, and count as a queue error.
                if deleted < stored.len() {
                    report.queue_errors += 1;
                }
            }
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
