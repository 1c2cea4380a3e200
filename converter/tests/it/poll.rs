//! The poller over the in-process queue (SQS's delivery semantics): a shutdown that comes while
//! a batch is being gathered finishes that batch instead of abandoning messages it already
//! made invisible, a receive failing mid-gathering still processes what it gathered, and the
//! last batch of a closed queue is not held for the batching window.

use std::time::Duration;

use behavior_converter::lake::{Lake, LakeUri, S3Options};
use behavior_converter::poll::{PollOptions, poll};
use behavior_converter::queue::MemoryQueue;
use behavior_converter::{Handler, queue::Queue};
use behavior_runtime::{Faker, Limits};

fn page_views(count: usize) -> Vec<Vec<u8>> {
    let kind = behavior_schema::registry()
        .kinds()
        .iter()
        .find(|k| k.descriptor().event_type == "page_view")
        .unwrap();
    let mut faker = Faker::new(7);
    (0..count)
        .map(|_| {
            let mut body = Vec::new();
            kind.fake_json(&mut faker, &mut body);
            body
        })
        .collect()
}

/// The shared handler over a local lake in `root`.
async fn handler(root: &std::path::Path) -> Handler {
    let uri = LakeUri::Local(root.to_path_buf());
    let lake = Lake::open(&uri, &S3Options::default()).await.unwrap();
    Handler::new(behavior_schema::registry(), lake, Limits::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_gathering_finishes_the_batch_gathered_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let queue = std::sync::Arc::new(FlakyQueue::new(0));
    for body in page_views(5) {
        queue.inner.send_blocking(body);
    }
    // A window far longer than the test: only the shutdown ends this batch's gathering.
    let options = minute_window();
    let watched = queue.clone();
    // Once all five are gathered (invisible to anyone else), however slow the machine.
    let gathered = move || watched.received.load(std::sync::atomic::Ordering::Relaxed) >= 5;
    let report = poll_until(
        &*queue,
        &handler,
        &options,
        gathered,
        Duration::from_secs(10),
    )
    .await
    .expect("the poller stops soon after shutdown");
    assert_eq!(report.batches, 1);
    assert_eq!(report.total.counts.accepted, 5);
    assert_eq!(report.deleted, 5);
    // Nothing left in flight to come back later with a higher receive count.
    queue.inner.close();
    assert!(queue.inner.is_drained());
    assert!(
        queue
            .inner
            .receive(10, Duration::ZERO, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Batches of up to 100 messages gathered for up to a minute, far longer than any test here.
fn minute_window() -> PollOptions {
    PollOptions {
        batch_size: 100,
        window: Duration::from_secs(60),
        visibility: Duration::from_secs(120),
        ..PollOptions::default()
    }
}

/// Polls until `done` holds, then shuts the poller down as the runners do (the sender outlives
/// the poll); `Err` when the poll has not returned within `limit`.
async fn poll_until<Q: Queue>(
    queue: &Q,
    handler: &Handler,
    options: &PollOptions,
    done: impl Fn() -> bool + Send + 'static,
    limit: Duration,
) -> Result<behavior_converter::poll::PollReport, tokio::time::error::Elapsed> {
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let stopper = tokio::spawn(async move {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.send(true).unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let report = tokio::time::timeout(limit, poll(queue, handler, options, shutdown, |_| ())).await;
    stopper.abort();
    report
}

/// A queue whose `fail_at`-th receive fails once (a throttled or dropped call; 0: none fails),
/// counting the messages it hands out.
struct FlakyQueue {
    inner: MemoryQueue,
    receives: std::sync::atomic::AtomicUsize,
    received: std::sync::atomic::AtomicUsize,
    fail_at: usize,
}

impl FlakyQueue {
    fn new(fail_at: usize) -> Self {
        FlakyQueue {
            inner: MemoryQueue::new(100),
            receives: Default::default(),
            received: Default::default(),
            fail_at,
        }
    }
}

impl Queue for FlakyQueue {
    async fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<behavior_converter::queue::Received>, String> {
        let n = 1 + self
            .receives
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n == self.fail_at {
            return Err("injected receive failure".into());
        }
        let messages = self.inner.receive(max, wait, visibility).await?;
        self.received
            .fetch_add(messages.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(messages)
    }

    async fn delete(&self, receipts: &[String]) -> Result<usize, String> {
        self.inner.delete(receipts).await
    }

    async fn extend(&self, receipts: &[String], visibility: Duration) -> Result<(), String> {
        self.inner.extend(receipts, visibility).await
    }

    fn exhausted(&self) -> bool {
        self.inner.exhausted()
    }
}

/// A receive that fails while a batch is being gathered ends the gathering, and the messages
/// already received (invisible until their timeout) are converted and deleted at once, not
/// left to come back a visibility timeout later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_receive_while_gathering_processes_what_was_gathered() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let queue = FlakyQueue::new(2);
    for body in page_views(5) {
        queue.inner.send_blocking(body);
    }
    let options = PollOptions {
        batch_size: 100,
        window: Duration::from_secs(1),
        visibility: Duration::from_secs(120),
        idle_exit: Some(Duration::from_secs(1)),
        ..PollOptions::default()
    };
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let report = tokio::time::timeout(
        Duration::from_secs(20),
        poll(&queue, &handler, &options, shutdown, |_| ()),
    )
    .await
    .expect("the poller goes idle");
    assert_eq!(report.queue_errors, 1);
    assert_eq!(report.batches, 1);
    assert_eq!(report.total.counts.accepted, 5);
    assert_eq!(report.deleted, 5);
    queue.inner.close();
    assert!(queue.inner.is_drained());
}

/// Once the producer has closed the in-process queue and nothing is ready, the batch being
/// gathered is complete: no message can join it, so it is converted at once instead of after
/// the batching window (here a minute; the local pipeline's last batch waited out its 1 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_batch_of_a_closed_queue_is_not_held_for_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let queue = std::sync::Arc::new(MemoryQueue::new(100));
    let bodies = page_views(5);
    // The producer closes while the poller waits for more (the race the pipeline runs into).
    let producer = {
        let queue = queue.clone();
        std::thread::spawn(move || {
            let mut bodies = bodies.into_iter();
            for body in bodies.by_ref().take(3) {
                queue.send_blocking(body);
            }
            std::thread::sleep(Duration::from_millis(200));
            for body in bodies {
                queue.send_blocking(body);
            }
            std::thread::sleep(Duration::from_millis(200));
            queue.close();
        })
    };
    let options = minute_window();
    let watched = queue.clone();
    let drained = move || watched.is_drained();
    let report = poll_until(
        &*queue,
        &handler,
        &options,
        drained,
        Duration::from_secs(20),
    )
    .await
    .expect("the last batch is converted without waiting out the 60 s window");
    producer.join().unwrap();
    assert_eq!(report.batches, 1);
    assert_eq!(report.total.counts.received, 5);
    assert_eq!(report.total.counts.accepted, 5);
    assert_eq!(report.deleted, 5);
    assert!(queue.is_drained());
}
