//! The poller over the in-process queue (SQS's delivery semantics): a shutdown that comes while
//! a batch is being gathered finishes that batch instead of abandoning messages it already
//! made invisible.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_gathering_finishes_the_batch_gathered_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(
        &LakeUri::Local(dir.path().to_path_buf()),
        &S3Options::default(),
    )
    .await
    .unwrap();
    let handler = Handler::new(behavior_schema::registry(), lake, Limits::default());
    let queue = MemoryQueue::new(100);
    for body in page_views(5) {
        queue.send_blocking(body);
    }
    // A window far longer than the test: only the shutdown ends this batch's gathering.
    let options = PollOptions {
        batch_size: 100,
        window: Duration::from_secs(60),
        visibility: Duration::from_secs(120),
        ..PollOptions::default()
    };
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.send(true).unwrap();
        // The sender outlives the poll, as in the runners.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let report = tokio::time::timeout(
        Duration::from_secs(10),
        poll(&queue, &handler, &options, shutdown, |_| ()),
    )
    .await
    .expect("the poller stops soon after shutdown");
    stopper.abort();
    assert_eq!(report.batches, 1);
    assert_eq!(report.total.counts.accepted, 5);
    assert_eq!(report.deleted, 5);
    // Nothing left in flight to come back later with a higher receive count.
    queue.close();
    assert!(queue.is_drained());
    assert!(
        queue
            .receive(10, Duration::ZERO, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty()
    );
}
