//! The SQS sink against a real SQS API (`moto_server`, started here on a free loopback port),
//! and its retries against the SDK's own test tooling (`aws-smithy-mocks`): a 500 answered by
//! the SDK's retry strategy, then a batch whose entries partly fail, retried by the sink.
//! Lines arriving slowly on a channel go out once the oldest has waited the linger.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;
use aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesOutput;
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchOutput;
use aws_sdk_sqs::types::{BatchResultErrorEntry, SendMessageBatchResultEntry};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use behavior_generator::sqs::{QueueRef, SendReport, SqsOptions, SqsSink};

use behavior_generator::{Config, Simulation};
use behavior_runtime::wire::{self, BodyEncoding};
use behavior_tests::moto::Moto;

fn event_ids(lines: impl IntoIterator<Item = Vec<u8>>) -> BTreeSet<String> {
    lines
        .into_iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_slice(&line).unwrap();
            event["event_id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Receives until the queue is empty; returns every line of every body and the message count.
async fn drain(client: &Client, url: &str) -> (Vec<Vec<u8>>, usize) {
    let (mut lines, mut messages, mut empty) = (Vec::new(), 0, 0);
    while empty < 2 {
        let out = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let received = out.messages.unwrap_or_default();
        if received.is_empty() {
            empty += 1;
            continue;
        }
        for message in received {
            messages += 1;
            let body = message.body.unwrap().into_bytes();
            let ndjson = if wire::is_compressed(&body) {
                wire::decompress(&body, 1 << 20).unwrap()
            } else {
                body
            };
            lines.extend(ndjson.split(|&b| b == b'\n').map(<[u8]>::to_vec));
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(message.receipt_handle.unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    (lines, messages)
}

async fn round_trip(
    moto: &Moto,
    queue: &str,
    events: usize,
    max_body_bytes: usize,
    encoding: BodyEncoding,
) -> (SendReport, usize) {
    let client = moto.sqs();
    client
        .create_queue()
        .queue_name(queue)
        .send()
        .await
        .unwrap();
    let options = SqsOptions {
        max_body_bytes,
        encoding,
        ..SqsOptions::default()
    };
    let sink = SqsSink::connect(client.clone(), QueueRef::Name(queue.into()), options)
        .await
        .unwrap();
    let sent: Vec<Vec<u8>> = Simulation::new(behavior_schema::registry(), Config::default())
        .take(events)
        .collect();
    let report = sink.send_all(sent.clone().into_iter()).await;
    let (received, messages) = drain(&client, sink.queue_url()).await;
    assert_eq!(received.len(), events, "every event arrives exactly once");
    assert_eq!(event_ids(received), event_ids(sent));
    (report, messages)
}

#[tokio::test]
async fn events_arrive_exactly_once_with_and_without_packing() {
    let moto = Moto::start();
    let (packed, messages) =
        round_trip(&moto, "packed", 5_000, 64 * 1024, BodyEncoding::Plain).await;
    assert_eq!((packed.events_sent, packed.events_failed), (5_000, 0));
    assert_eq!(packed.messages_sent as usize, messages);
    assert!(
        (45..100).contains(&messages),
        "5,000 events of ~650 bytes pack into few 64 KiB bodies: {messages}"
    );
    // Compressed (the default), the same events need about a quarter of the messages.
    let (zstd, compressed) = round_trip(&moto, "zstd", 5_000, 64 * 1024, BodyEncoding::Zstd).await;
    assert_eq!((zstd.events_sent, zstd.events_failed), (5_000, 0));
    assert_eq!(zstd.messages_sent as usize, compressed);
    assert!(
        compressed * 3 < messages,
        "{compressed} compressed bodies against {messages} plain ones"
    );
    let (single, messages) = round_trip(&moto, "single", 300, 0, BodyEncoding::Plain).await;
    assert_eq!(
        (single.events_sent, single.messages_sent, messages),
        (300, 300, 300)
    );
    assert_eq!(single.requests, 30, "ten entries per SendMessageBatch");
}

#[tokio::test]
async fn an_unreachable_queue_fails_before_sending() {
    let moto = Moto::start();
    let result = SqsSink::connect(
        moto.sqs(),
        QueueRef::Name("missing".into()),
        SqsOptions::default(),
    )
    .await;
    assert!(result.is_err());
}

fn ok_entry(id: &str) -> SendMessageBatchResultEntry {
    SendMessageBatchResultEntry::builder()
        .id(id)
        .message_id(format!("m{id}"))
        .md5_of_message_body("-")
        .build()
        .unwrap()
}

#[tokio::test]
async fn throttled_and_partly_failed_batches_are_retried() {
    let attributes = mock!(Client::get_queue_attributes)
        .then_output(|| GetQueueAttributesOutput::builder().build());
    // Three messages (ids 0, 1, 2) in one batch: first a 500 (retried by the SDK), then entry
    // 1 fails with a server-side error (retried by the sink), then it succeeds.
    let batch = mock!(Client::send_message_batch)
        .sequence()
        .http_status(500, None)
        .output(|| {
            SendMessageBatchOutput::builder()
                .successful(ok_entry("0"))
                .successful(ok_entry("2"))
                .failed(
                    BatchResultErrorEntry::builder()
                        .id("1")
                        .sender_fault(false)
                        .code("InternalError")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        })
        .output(|| {
            SendMessageBatchOutput::builder()
                .successful(ok_entry("1"))
                .set_failed(Some(vec![]))
                .build()
                .unwrap()
        })
        .build();
    let client = mock_client!(
        aws_sdk_sqs,
        RuleMode::MatchAny,
        [&attributes, &batch],
        |config| {
            config.retry_config(
                aws_sdk_sqs::config::retry::RetryConfig::standard().with_max_attempts(3),
            )
        }
    );
    // Bodies just over a third of 2 KiB: one event per message.
    let options = SqsOptions {
        max_body_bytes: 700,
        encoding: BodyEncoding::Plain,
        ..SqsOptions::default()
    };
    let sink = SqsSink::connect(client, QueueRef::Url("https://sqs.test/q".into()), options)
        .await
        .unwrap();
    let line = |n: u8| vec![b'a' + n; 600];
    let report = sink.send_all([line(0), line(1), line(2)].into_iter()).await;
    assert_eq!(
        (
            report.events_sent,
            report.messages_sent,
            report.requests,
            report.events_failed
        ),
        (3, 3, 2, 0)
    );
    assert_eq!(
        batch.num_calls(),
        3,
        "one 500, one partial failure, one retry of the failed entry"
    );
}

#[tokio::test]
async fn entries_that_keep_failing_are_counted_not_dropped() {
    let attributes = mock!(Client::get_queue_attributes)
        .then_output(|| GetQueueAttributesOutput::builder().build());
    let batch = mock!(Client::send_message_batch).then_output(|| {
        SendMessageBatchOutput::builder()
            .set_successful(Some(vec![]))
            .failed(
                BatchResultErrorEntry::builder()
                    .id("0")
                    .sender_fault(false)
                    .code("InternalError")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    });
    let client = mock_client!(aws_sdk_sqs, RuleMode::MatchAny, [&attributes, &batch]);
    let options = SqsOptions {
        max_body_bytes: 0,
        max_retries: 2,
        ..SqsOptions::default()
    };
    let sink = SqsSink::connect(client, QueueRef::Url("https://sqs.test/q".into()), options)
        .await
        .unwrap();
    let report = sink.send_all([b"{}".to_vec()].into_iter()).await;
    assert_eq!(
        (report.events_sent, report.events_failed, report.requests),
        (0, 1, 3)
    );
}

#[tokio::test]
async fn a_slow_stream_is_sent_once_its_oldest_event_has_lingered() {
    let moto = Moto::start();
    let client = moto.sqs();
    let url = client
        .create_queue()
        .queue_name("lingering")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let linger = Duration::from_millis(200);
    let options = SqsOptions {
        linger,
        ..SqsOptions::default()
    };
    let sink = SqsSink::connect(client.clone(), QueueRef::Url(url.clone()), options)
        .await
        .unwrap();
    let events: Vec<Vec<u8>> = Simulation::new(behavior_schema::registry(), Config::default())
        .take(10)
        .collect();
    let (lines, received) = tokio::sync::mpsc::channel(16);
    // The test's runtime is current-thread: the sink runs beside it whenever the test waits.
    let sending = tokio::spawn(async move { sink.send_stream(received).await });

    // Five events, far from filling a body, and the channel left open: they arrive anyway,
    // once the first has waited the linger.
    let started = Instant::now();
    for line in &events[..5] {
        lines.send(line.clone()).await.unwrap();
    }
    let first = loop {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "nothing arrived"
        );
        let (received, _) = drain(&client, &url).await;
        if !received.is_empty() {
            break received;
        }
    };
    let waited = started.elapsed();
    assert!(waited >= linger, "sent after {waited:?}, before the linger");
    assert_eq!(event_ids(first), event_ids(events[..5].to_vec()));

    for line in &events[5..] {
        lines.send(line.clone()).await.unwrap();
    }
    drop(lines);
    let report = sending.await.unwrap();
    let (rest, _) = drain(&client, &url).await;
    assert_eq!(event_ids(rest), event_ids(events[5..].to_vec()));
    assert_eq!(
        (
            report.events_sent,
            report.messages_sent,
            report.requests,
            report.events_failed
        ),
        (10, 2, 2, 0),
        "one part-full body on the linger, the other when the channel closed"
    );
}
