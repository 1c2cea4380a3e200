//! The whole system against real SQS and S3 APIs (`moto_server` on a loopback port): the
//! `generator` binary sends dirty traffic to a queue, `converter poll` lands it in an S3 lake,
//! and pyarrow reads every object back. Then the faults: S3 down for a while (a proxy
//! answering 503) loses nothing, and a message that keeps failing reaches the dead-letter queue.

use std::collections::BTreeMap;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use behavior_tests::moto::Moto;
use behavior_tests::proxy::FaultProxy;
use behavior_tests::{bin, check, expected_kind, python, python_script};
use serde_json::Value;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends `count` events with `dirty_rate`; returns the generator's JSON summary.
fn generate(moto: &Moto, queue_url: &str, count: u64, seed: u64, dirty_rate: f64) -> Value {
    let output = moto
        .command(bin("generator"))
        .args(["--count", &count.to_string(), "--seed", &seed.to_string()])
        .args(["--dirty-rate", &dirty_rate.to_string(), "--json"])
        .args(["--queue-url", queue_url, "--endpoint-url", &moto.url])
        .output()
        .unwrap();
    let output = check(output, "generator");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .expect("the generator's JSON summary");
    serde_json::from_str(line).unwrap()
}

/// `converter poll` as a child process; S3 may go through another endpoint (the proxy).
fn poll(moto: &Moto, queue_url: &str, s3_endpoint: &str, lake: &str, args: &[&str]) -> Child {
    moto.command(bin("converter"))
        .env("AWS_ENDPOINT_URL_SQS", &moto.url)
        .env("AWS_ENDPOINT_URL_S3", s3_endpoint)
        .env("RUST_LOG", "warn")
        .args(["poll", "--queue-url", queue_url, "--lake", lake])
        .args(["--s3-force-path-style", "--window", "0.5"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `converter poll` to exit by itself (its `--idle-exit`); kills it and fails after
/// `limit`, so a poller that never goes idle fails the test instead of hanging it. Its output
/// is read meanwhile, so a full pipe cannot block it.
fn finish(mut child: Child, limit: Duration) -> Output {
    use std::io::Read;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "converter poll did not exit within {limit:?}:\n{}\n{}",
                String::from_utf8_lossy(&stdout.join().unwrap()),
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    check(output, "converter poll")
}

/// The per-batch summary lines `converter poll` printed (embedded metric format).
fn batch_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn read_lake(moto: &Moto, lake: &str) -> Value {
    let output = python()
        .arg(python_script("read_lake.py"))
        .args([lake, "--endpoint-url", &moto.url])
        .envs(moto.env())
        .output()
        .unwrap();
    let output = check(output, "read_lake.py");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn sum(batches: &[Value], field: &str) -> u64 {
    batches.iter().map(|b| b[field].as_u64().unwrap()).sum()
}

#[test]
fn dirty_traffic_lands_exactly_once_with_every_defect_quarantined() {
    let moto = Moto::start();
    let rt = runtime();
    let (queue, dlq) = rt.block_on(moto.queue_with_dlq("events", 5, 30));
    rt.block_on(moto.s3().create_bucket().bucket("lake").send())
        .unwrap();
    let lake = "s3://lake/events";

    let sent = generate(&moto, &queue, 20_000, 11, 0.05);
    assert_eq!(sent["report"]["events_sent"], 20_000, "{sent}");
    assert_eq!(sent["report"]["events_failed"], 0, "{sent}");
    let invalid = sent["invalid_injected"].as_u64().unwrap();
    let defects = sent["defects"].as_object().unwrap();
    assert!(invalid > 500, "{sent}");

    // The generator's default compressed bodies hold ~520 events each, so 20,000 events are
    // ~40 messages: batches of 10 still make several.
    let child = poll(
        &moto,
        &queue,
        &moto.url,
        lake,
        &["--idle-exit", "3", "--batch-size", "10"],
    );
    let output = finish(child, Duration::from_secs(300));
    let batches = batch_lines(&output);
    assert!(batches.len() > 1);
    assert!(batches.iter().all(|b| b["balanced"] == true));
    assert_eq!(sum(&batches, "received"), 20_000);
    assert_eq!(sum(&batches, "rejected"), invalid);
    assert_eq!(sum(&batches, "failed_messages"), 0);
    assert_eq!(rt.block_on(moto.queue_depth(&queue)), (0, 0), "all deleted");
    assert_eq!(rt.block_on(moto.queue_depth(&dlq)), (0, 0));

    let read = read_lake(&moto, lake);
    // Every accepted event exactly once, save the generator's deliberate re-sends.
    assert_eq!(read["rows"].as_u64().unwrap(), 20_000 - invalid, "{read}");
    assert_eq!(read["repeated_rows"], defects["duplicate"], "{read}");
    assert_eq!(read["quarantine_rows"].as_u64().unwrap(), invalid, "{read}");
    let mut expected: BTreeMap<&str, u64> = BTreeMap::new();
    for (defect, count) in defects {
        if let Some(kind) = expected_kind(defect) {
            *expected.entry(kind).or_default() += count.as_u64().unwrap();
        }
    }
    let found: BTreeMap<&str, u64> = read["quarantine"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(found, expected, "quarantine kinds vs injected defects");
    // One Parquet schema per table, every row in its event date's partition, nothing else.
    let tables = read["tables"].as_object().unwrap();
    assert!(tables.len() >= 7, "{read}");
    assert!(tables.values().all(|t| t["schemas"] == 1), "{read}");
    assert_eq!(
        read["rows_outside_their_date_partition"],
        Value::Array(vec![])
    );
    assert_eq!(read["stray_objects"], Value::Array(vec![]));
}

/// Waits until `done` holds, or fails after `limit`.
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_s3_outage_loses_nothing_and_poison_messages_reach_the_dead_letter_queue() {
    let moto = Moto::start();
    let rt = runtime();
    rt.block_on(moto.s3().create_bucket().bucket("lake").send())
        .unwrap();
    let upstream = moto.url.trim_start_matches("http://").to_string();
    let proxy = FaultProxy::start(&upstream);
    let lake = "s3://lake/events";

    // 1. S3 goes down while events arrive, then comes back: every event lands once.
    let (queue, dlq) = rt.block_on(moto.queue_with_dlq("events", 10, 30));
    let child = poll(
        &moto,
        &queue,
        &proxy.url,
        lake,
        &["--idle-exit", "12", "--visibility-timeout", "2"],
    );
    // The converter checks the bucket at start-up, through the proxy: once S3 has answered
    // that check, the outage starts.
    wait_for(Duration::from_secs(30), "the converter to start", || {
        proxy.answers() > 0
    });
    proxy.set_failing(true);
    let sent = generate(&moto, &queue, 3_000, 5, 0.0);
    assert_eq!(sent["report"]["events_sent"], 3_000);
    wait_for(Duration::from_secs(60), "failed writes", || {
        proxy.refused() >= 6
    });
    std::thread::sleep(Duration::from_secs(3));
    let refused = proxy.refused();
    proxy.set_failing(false);
    let output = finish(child, Duration::from_secs(300));
    let batches = batch_lines(&output);
    assert!(
        sum(&batches, "failed_messages") > 0,
        "the outage failed some batches"
    );
    let read = read_lake(&moto, lake);
    assert_eq!(
        read["rows"], 3_000,
        "after recovery every event landed: {read}"
    );
    assert_eq!(read["distinct_event_ids"], 3_000, "{read}");
    assert_eq!(read["quarantine_rows"], 0);
    assert_eq!(rt.block_on(moto.queue_depth(&queue)), (0, 0));
    assert_eq!(rt.block_on(moto.queue_depth(&dlq)), (0, 0));
    eprintln!("outage: {refused} S3 connections refused; lake {read}");

    // 2. S3 stays down: after maxReceiveCount deliveries the message is in the dead-letter
    //    queue, not lost and not deleted.
    let (poison, poison_dlq) = rt.block_on(moto.queue_with_dlq("poison", 2, 30));
    // Counted before the converter starts: its start-up check may be answered at once.
    let before = proxy.answers();
    let child = poll(
        &moto,
        &poison,
        &proxy.url,
        "s3://lake/poison",
        &["--idle-exit", "12", "--visibility-timeout", "1"],
    );
    wait_for(Duration::from_secs(30), "the converter to start", || {
        proxy.answers() > before
    });
    proxy.set_failing(true);
    let sent = generate(&moto, &poison, 5, 9, 0.0);
    assert_eq!(sent["report"]["messages_sent"], 1);
    let output = finish(child, Duration::from_secs(300));
    let batches = batch_lines(&output);
    assert!(batches.len() >= 2, "delivered at least twice: {batches:?}");
    assert!(batches.iter().all(|b| b["failed_messages"] == 1));
    assert_eq!(rt.block_on(moto.queue_depth(&poison)), (0, 0));
    assert_eq!(rt.block_on(moto.queue_depth(&poison_dlq)), (1, 0));
}

/// A batch that takes longer than its visibility timeout to store stays invisible: while S3 is
/// slow (the proxy holds the writes for three timeouts) the poller extends it, so no other
/// consumer receives it, and it lands once, in one batch.
#[test]
fn a_batch_slower_than_the_visibility_timeout_is_not_delivered_again() {
    let moto = Moto::start();
    let rt = runtime();
    rt.block_on(moto.s3().create_bucket().bucket("lake").send())
        .unwrap();
    let proxy = FaultProxy::start(moto.url.trim_start_matches("http://"));
    let (queue, dlq) = rt.block_on(moto.queue_with_dlq("slow", 10, 30));
    let lake = "s3://lake/slow";
    let child = poll(
        &moto,
        &queue,
        &proxy.url,
        lake,
        &["--idle-exit", "12", "--visibility-timeout", "4"],
    );
    wait_for(Duration::from_secs(30), "the converter to start", || {
        proxy.answers() > 0
    });
    proxy.set_stalled(true);
    let sent = generate(&moto, &queue, 300, 3, 0.0);
    assert_eq!(sent["report"]["messages_sent"], 1, "{sent}");
    wait_for(Duration::from_secs(30), "a write held by the stall", || {
        proxy.held() > 0
    });
    // Another consumer watches for three visibility timeouts: without extensions the message
    // would be visible again after the first.
    let sqs = moto.sqs();
    let watch_until = Instant::now() + Duration::from_secs(12);
    while Instant::now() < watch_until {
        let received = rt
            .block_on(
                sqs.receive_message()
                    .queue_url(&queue)
                    .max_number_of_messages(10)
                    .visibility_timeout(0)
                    .wait_time_seconds(1)
                    .send(),
            )
            .unwrap();
        assert!(
            received.messages.unwrap_or_default().is_empty(),
            "a message of the batch being stored became visible again"
        );
    }
    assert_eq!(
        rt.block_on(moto.queue_depth(&queue)),
        (0, 1),
        "in flight, not yet deleted: its writes are still held"
    );
    proxy.set_stalled(false);
    let output = finish(child, Duration::from_secs(120));
    let batches = batch_lines(&output);
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_eq!(batches[0]["received"], 300);
    assert_eq!(batches[0]["failed_messages"], 0);
    let read = read_lake(&moto, lake);
    assert_eq!(read["rows"], 300, "{read}");
    assert_eq!(read["distinct_event_ids"], 300, "{read}");
    assert_eq!(rt.block_on(moto.queue_depth(&queue)), (0, 0));
    assert_eq!(rt.block_on(moto.queue_depth(&dlq)), (0, 0));
}
