//! The `generator` binary paced by the clock (`--rate`) into a real SQS API (`moto_server` on a
//! loopback port): events reach the queue while the run goes on, within about a second of
//! their `event_time` (the linger), not once a body has filled, and every event sent arrives.

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use behavior_runtime::Timestamp;
use behavior_runtime::wire;
use behavior_tests::bin;
use behavior_tests::moto::Moto;

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

#[test]
fn paced_events_reach_the_queue_within_the_linger() {
    let moto = Moto::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sqs = moto.sqs();
    let queue = runtime.block_on(async {
        sqs.create_queue()
            .queue_name("paced")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap()
    });

    // 50 events/s for 6 s: ~300 events, under one compressed body (~520), so before the linger
    // nothing was sent until the run ended.
    let started = Instant::now();
    let mut generator = moto
        .command(bin("generator"))
        .args(["--rate", "50", "--duration", "6", "--json"])
        .args(["--queue-url", &queue, "--endpoint-url", &moto.url])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let mut first_message = None;
    let (mut received, mut worst_lag, mut exited_at) = (0u64, 0i64, None);
    let mut status = None;
    // Receives until the generator has exited and the queue has stayed empty for a second.
    while exited_at.is_none_or(|t: Instant| t.elapsed() < Duration::from_secs(1)) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the generator did not finish"
        );
        if status.is_none()
            && let Some(done) = generator.try_wait().unwrap()
        {
            status = Some(done);
            exited_at = Some(Instant::now());
        }
        let messages = runtime.block_on(async {
            sqs.receive_message()
                .queue_url(&queue)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default()
        });
        if messages.is_empty() {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        exited_at = exited_at.map(|_| Instant::now());
        let at = now_micros();
        first_message.get_or_insert(started.elapsed());
        for message in messages {
            let body = message.body.unwrap().into_bytes();
            let ndjson = if wire::is_compressed(&body) {
                wire::decompress(&body, 1 << 20).unwrap()
            } else {
                body
            };
            for line in ndjson.split(|&b| b == b'\n') {
                let event: serde_json::Value = serde_json::from_slice(line).unwrap();
                let time = Timestamp::parse(event["event_time"].as_str().unwrap()).unwrap();
                worst_lag = worst_lag.max(at - time.micros());
                received += 1;
            }
            runtime.block_on(async {
                sqs.delete_message()
                    .queue_url(&queue)
                    .receipt_handle(message.receipt_handle.unwrap())
                    .send()
                    .await
                    .unwrap()
            });
        }
    }

    let output = generator.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "generator failed:\n{stderr}");
    let summary: serde_json::Value = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("the generator's JSON summary");
    let report = &summary["report"];
    let first_message = first_message.expect("at least one message");
    eprintln!(
        "first message after {:.2} s, worst lag {:.2} s, {received} events, report {report}",
        first_message.as_secs_f64(),
        worst_lag as f64 / 1e6
    );
    assert_eq!(report["events_failed"], 0);
    assert_eq!(report["events_sent"], received, "every event sent arrives");
    assert!(
        (150..=600).contains(&received),
        "~300 events at 50/s for 6 s: {received}"
    );
    // A second of linger, the start-up and moto's latency; before, the one body went out at
    // the end of the run (6 s).
    assert!(
        first_message < Duration::from_secs(4),
        "first message after {first_message:?}"
    );
    assert!(
        worst_lag < 4_000_000,
        "an event reached the queue {:.2} s after its event_time",
        worst_lag as f64 / 1e6
    );
    // Part-full bodies go out about once a second, not one per event.
    let messages = report["messages_sent"].as_u64().unwrap();
    assert!(
        (3..=20).contains(&messages),
        "{messages} messages for a 6 s run with a 1 s linger"
    );
}
