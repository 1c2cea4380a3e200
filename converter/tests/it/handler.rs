//! The Lambda handler, called the way the runtime calls it
//! (`LambdaEvent::new(payload, Context::default())`), against a local lake in a temporary
//! directory: mixed batches, multi-event bodies, every kind of bad body, redeliveries and
//! write failures. The files written are read back with the parquet crate's reader.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use base64::Engine;
use behavior_converter::lake::{Lake, LakeUri, S3Options};
use behavior_converter::{Handler, Message, lambda};
use behavior_runtime::wire::BodyEncoding;
use behavior_runtime::{Faker, Limits};
use lambda_runtime::{Context, LambdaEvent};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use walkdir::WalkDir;

/// A valid event of `event_type` with a chosen id and day (March 2026).
fn event(event_type: &str, id: u32, day: u32) -> String {
    let kind = behavior_schema::registry()
        .kinds()
        .iter()
        .find(|k| k.descriptor().event_type == event_type)
        .unwrap();
    let mut fake = Vec::new();
    kind.fake_json(&mut Faker::new(u64::from(id)), &mut fake);
    let mut value: Value = serde_json::from_slice(&fake).unwrap();
    value["event_id"] = Value::from(format!("00000000-0000-4000-8000-{id:012}"));
    value["event_time"] = Value::from(format!("2026-03-{day:02}T12:00:00.000000Z"));
    value.to_string()
}

fn sqs_event(messages: &[(&str, String)]) -> LambdaEvent<SqsEvent> {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .map(|(id, body)| {
            let mut message = SqsMessage::default();
            message.message_id = Some(id.to_string());
            message.body = Some(body.clone());
            message
        })
        .collect();
    LambdaEvent::new(event, Context::default())
}

async fn handler(root: &Path) -> Handler {
    let uri = LakeUri::Local(root.to_path_buf());
    let lake = Lake::open(&uri, &S3Options::default()).await.unwrap();
    Handler::new(behavior_schema::registry(), lake, Limits::default())
}

/// Every file under `root`, relative, with its row count (Parquet) or line count (NDJSON).
fn files(root: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for entry in WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_dir() {
            continue;
        }
        let path = entry.path();
        let key = path.strip_prefix(root).unwrap().display().to_string();
        assert!(!key.contains(".tmp"), "a temporary file was left: {key}");
        let rows = if key.ends_with(".parquet") {
            let file = std::fs::File::open(path).unwrap();
            ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap()
                .map(|b| b.unwrap().num_rows())
                .sum()
        } else {
            std::fs::read_to_string(path).unwrap().lines().count()
        };
        out.insert(key, rows);
    }
    out
}

fn rows(files: &BTreeMap<String, usize>, prefix: &str) -> usize {
    files
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, r)| r)
        .sum()
}

fn quarantine(root: &Path) -> Vec<Value> {
    files(root)
        .keys()
        .filter(|k| k.starts_with("_rejected/"))
        .flat_map(|k| {
            std::fs::read_to_string(root.join(k))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Value>>()
        })
        .collect()
}

/// Each quarantined line's message id with its error kind.
fn kinds(rejected: &[Value]) -> BTreeMap<&str, &str> {
    rejected
        .iter()
        .map(|r| {
            (
                r["message_id"].as_str().unwrap(),
                r["error_kind"].as_str().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn mixed_batch_lands_good_events_and_quarantines_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let multi = [
        event("page_view", 2, 1),
        event("search", 3, 1),
        event("page_view", 4, 2),
    ]
    .join("\n");
    let deep = format!(
        r#"{{"deep":{}{},"event_type":"page_view"}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    let response = lambda::handle(
        &handler,
        sqs_event(&[
            ("m-good", event("purchase", 1, 1)),
            ("m-multi", multi),
            (
                "m-mixed",
                format!("{}\n{{\"event_type\":", event("search", 5, 1)),
            ),
            ("m-empty", String::new()),
            ("m-blank", " \n\t ".into()),
            ("m-deep", deep),
            ("m-huge", " ".repeat(2 << 20)),
            ("m-unknown", r#"{"event_type":"Page_View"}"#.into()),
        ]),
    )
    .await
    .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let files = files(dir.path());
    assert_eq!(rows(&files, "purchase/v1/event_date=2026-03-01/"), 1);
    assert_eq!(rows(&files, "page_view/v1/event_date=2026-03-01/"), 1);
    assert_eq!(rows(&files, "page_view/v1/event_date=2026-03-02/"), 1);
    assert_eq!(rows(&files, "search/v1/event_date=2026-03-01/"), 2);
    let rejected = quarantine(dir.path());
    assert_eq!(
        kinds(&rejected),
        BTreeMap::from([
            ("m-blank", "empty"),
            ("m-deep", "too_deep"),
            ("m-empty", "empty"),
            ("m-huge", "body_too_large"),
            ("m-mixed", "malformed_json"),
            ("m-unknown", "unknown_event_type"),
        ])
    );
    assert_eq!(rejected.len(), 6);
    // Each rejection's ordinal in its body (events counted from 1): its key with the message id.
    for r in &rejected {
        let expected = if r["message_id"] == "m-mixed" { 2 } else { 1 };
        assert_eq!(r["ordinal"], expected, "{r}");
    }
    let unknown = rejected
        .iter()
        .find(|r| r["message_id"] == "m-unknown")
        .unwrap();
    assert_eq!(unknown["field_path"], "$.event_type");
    assert_eq!(unknown["raw"], r#"{"event_type":"Page_View"}"#);
    assert!(unknown["received_at"].as_str().unwrap().ends_with('Z'));
}

/// Compressed bodies (zstd + base64, what the generator sends by default) decode like plain
/// ones, event by event; a corrupt or inflating one is quarantined whole with its reason.
#[tokio::test]
async fn compressed_bodies_land_and_bad_ones_are_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let zstd =
        |ndjson: &str| String::from_utf8(BodyEncoding::Zstd.encode(ndjson.as_bytes())).unwrap();
    let good = [event("page_view", 1, 1), event("search", 2, 1)].join("\n");
    let mixed = format!("{}\n{{\"event_type\":\"nope\"}}", event("purchase", 3, 2));
    // Cut short on a base64 boundary: valid base64, a zstd frame that ends too early.
    let corrupt = {
        let whole = zstd(&good);
        whole[..whole.len() / 2 / 4 * 4].to_string()
    };
    let bomb = zstd(&" ".repeat(4 << 20));
    let response = lambda::handle(
        &handler,
        sqs_event(&[
            ("z-good", zstd(&good)),
            ("z-mixed", zstd(&mixed)),
            ("z-corrupt", corrupt.clone()),
            ("z-bomb", bomb),
            ("z-not-base64", "KLUv/ not base64".into()),
        ]),
    )
    .await
    .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let files = files(dir.path());
    assert_eq!(rows(&files, "page_view/v1/event_date=2026-03-01/"), 1);
    assert_eq!(rows(&files, "search/v1/event_date=2026-03-01/"), 1);
    assert_eq!(rows(&files, "purchase/v1/event_date=2026-03-02/"), 1);
    let rejected = quarantine(dir.path());
    assert_eq!(
        kinds(&rejected),
        BTreeMap::from([
            ("z-bomb", "body_too_large"),
            ("z-corrupt", "bad_encoding"),
            ("z-mixed", "unknown_event_type"),
            ("z-not-base64", "bad_encoding"),
        ])
    );
    // Inside a compressed body the quarantine keeps the event's own bytes, decompressed;
    // a body that cannot be read is kept as received.
    let raw = |id: &str| rejected.iter().find(|r| r["message_id"] == id).unwrap()["raw"].clone();
    assert_eq!(raw("z-mixed"), r#"{"event_type":"nope"}"#);
    assert_eq!(raw("z-corrupt"), corrupt.as_str());
}

#[tokio::test]
async fn a_batch_of_only_bad_messages_is_quarantined_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let response = lambda::handle(
        &handler,
        sqs_event(&[
            ("a", "not json".into()),
            ("b", "{}".into()),
            ("c", "[1]".into()),
        ]),
    )
    .await
    .unwrap();
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(quarantine(dir.path()).len(), 3);
    assert!(
        files(dir.path())
            .keys()
            .all(|k| k.starts_with("_rejected/"))
    );
}

/// Two byte-identical bad events in one body are two rejections, told apart by their ordinal
/// (the good event between them counts too, the blank line does not); delivered again in
/// another batch, the message is quarantined again under the same keys.
#[tokio::test]
async fn rejections_are_keyed_by_message_and_ordinal() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let bad = r#"{"event_type":"search","oops":1}"#;
    let body = format!("{bad}\n\n{}\n{bad}", event("search", 8, 1)).into_bytes();
    let first = handler.handle(vec![Message::new("m1", body.clone())]).await;
    let again = handler
        .handle(vec![
            Message::new("m1", body),
            Message::new("m2", event("search", 9, 1).into_bytes()),
        ])
        .await;
    assert_eq!((first.counts.rejected, again.counts.rejected), (2, 2));
    let mut keys: Vec<(String, u64)> = quarantine(dir.path())
        .iter()
        .map(|r| {
            assert_eq!(r["raw"], bad);
            assert_eq!(r["event_type"], "search", "{r}");
            assert_eq!(r["error_kind"], "unknown_field", "{r}");
            assert_eq!(r["field_path"], "$.oops", "{r}");
            assert!(r["error_message"].as_str().unwrap().contains("oops"), "{r}");
            (
                r["message_id"].as_str().unwrap().to_string(),
                r["ordinal"].as_u64().unwrap(),
            )
        })
        .collect();
    keys.sort();
    let m1 = |ordinal| ("m1".to_string(), ordinal);
    assert_eq!(keys, [m1(1), m1(1), m1(3), m1(3)]);
}

/// Records without a message id (SQS always sets one) are not taken for repeats of each other.
#[tokio::test]
async fn records_without_a_message_id_are_each_converted() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let mut event = sqs_event(&[
        ("", event("search", 1, 1)),
        ("", event("search", 2, 1)),
        ("", "{".into()),
    ]);
    for record in &mut event.payload.records {
        record.message_id = None;
    }
    let response = lambda::handle(&handler, event).await.unwrap();
    assert!(response.batch_item_failures.is_empty());
    let files = files(dir.path());
    assert_eq!(rows(&files, "search/v1/"), 2);
    assert_eq!(rows(&files, "_rejected/"), 1);
}

#[tokio::test]
async fn invalid_utf8_is_quarantined_byte_exact() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let mut body = event("search", 7, 1).into_bytes();
    let at = body.len() - 3;
    body[at] = 0xff;
    let report = handler
        .handle(vec![Message::new("bad-utf8", body.clone())])
        .await;
    assert_eq!(report.counts.rejected, 1);
    let rejected = quarantine(dir.path());
    assert_eq!(rejected[0]["error_kind"], "invalid_utf8");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rejected[0]["raw_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(raw, body);
}

#[tokio::test]
async fn a_redelivered_batch_overwrites_its_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let batch = [
        ("m1", event("page_view", 1, 1)),
        ("m2", format!("{}\n{}", event("search", 2, 1), "oops")),
    ];
    lambda::handle(&handler, sqs_event(&batch)).await.unwrap();
    let first = files(dir.path());
    assert_eq!(first.values().sum::<usize>(), 3);
    // The same batch again, in another order (SQS does not keep order): same files, same rows.
    let reversed = [batch[1].clone(), batch[0].clone()];
    lambda::handle(&handler, sqs_event(&reversed))
        .await
        .unwrap();
    assert_eq!(files(dir.path()), first);

    // A message delivered twice within one batch is counted and written once.
    let dir = tempfile::tempdir().unwrap();
    let handler = self::handler(dir.path()).await;
    let messages = vec![
        Message::new("m1", batch[0].1.as_bytes()),
        Message::new("m1", batch[0].1.as_bytes()),
    ];
    let report = handler.handle(messages).await;
    assert_eq!(report.duplicate_messages, 1);
    assert_eq!(report.counts.received, 1);
    assert_eq!(files(dir.path()).values().sum::<usize>(), 1);
}

#[tokio::test]
async fn failed_writes_are_reported_for_exactly_the_messages_they_held() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    // A plain file where the purchase table's directory must go: every write under it fails.
    std::fs::write(dir.path().join("purchase"), b"in the way").unwrap();
    let response = lambda::handle(
        &handler,
        sqs_event(&[
            ("only-page-view", event("page_view", 1, 1)),
            (
                "has-purchase",
                format!("{}\n{}", event("search", 2, 1), event("purchase", 3, 1)),
            ),
            ("purchase-other-day", event("purchase", 4, 9)),
            ("bad", "{".into()),
        ]),
    )
    .await
    .unwrap();
    let mut failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    failed.sort();
    assert_eq!(failed, ["has-purchase", "purchase-other-day"]);
    let files = files(dir.path());
    assert_eq!(rows(&files, "page_view/"), 1);
    assert_eq!(rows(&files, "_rejected/"), 1);
}

#[tokio::test]
async fn the_invocation_fails_only_when_nothing_could_be_stored() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir.path().join("lake")).await;
    // The lake's root disappears and a file takes its place: no write can succeed.
    std::fs::remove_dir_all(dir.path().join("lake")).unwrap();
    std::fs::write(dir.path().join("lake"), b"not a directory").unwrap();
    let error = lambda::handle(
        &handler,
        sqs_event(&[("a", event("page_view", 1, 1)), ("b", "{".into())]),
    )
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("none of the 2 messages could be stored"),
        "{error}"
    );
}

/// A converter kept across batches (as the handler keeps one) sizes its buffers from the last
/// batch; what it writes must not depend on that. Batch after batch, small and large, clean
/// and with bad events, it writes byte for byte what a fresh converter writes.
#[test]
fn a_reused_converter_writes_what_a_fresh_one_writes() {
    use behavior_converter::batch::{Converter, convert};
    let registry = behavior_schema::registry();
    let types = [
        "page_view",
        "product_view",
        "purchase",
        "search",
        "refund_requested",
    ];
    let received_at = behavior_runtime::Timestamp::from_micros(1_780_000_000_000_000);
    let mut reused = Converter::new(registry, Limits::default());
    let mut id = 0;
    for (round, size) in [3000, 10, 5000, 1, 800].into_iter().enumerate() {
        let messages: Vec<Message> = (0..size)
            .map(|m| {
                id += 1;
                let body = if m % 97 == 5 {
                    // Bad events on the way: a half-decoded event must leave nothing behind.
                    format!(
                        "{}\n{}",
                        event(types[m % types.len()], id, 1 + (m % 3) as u32),
                        r#"{"event_type":"page_view","event_id":"not-a-uuid"}"#
                    )
                } else {
                    event(types[m % types.len()], id, 1 + (m % 3) as u32)
                };
                Message::new(format!("r{round}-m{m}"), body)
            })
            .collect();
        let fresh = convert(registry, Limits::default(), &messages, received_at).unwrap();
        let again = reused.convert(&messages, received_at).unwrap();
        assert_eq!(fresh.counts, again.counts, "round {round}");
        let bad = (0..size).filter(|m| m % 97 == 5).count();
        assert_eq!(fresh.counts.received, size + bad, "round {round}");
        assert_eq!(fresh.counts.rejected, bad, "round {round}");
        let bytes = |c: &behavior_converter::batch::Converted| {
            c.files
                .iter()
                .map(|f| (f.key.clone(), f.bytes.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(bytes(&fresh), bytes(&again), "round {round}");
    }
}

/// A batch over the chunk size is written a chunk at a time, each chunk its own files: every
/// event lands once, on a row naming the message it came in and the batch's receive time. The
/// same batch delivered in another order splits into the same chunks, so a redelivery
/// overwrites each of its files, byte for byte, instead of leaving one beside another.
#[test]
fn a_batch_of_several_chunks_lands_every_event_once_in_the_same_files_in_any_order() {
    use arrow::array::{AsArray, RecordBatch};
    use arrow::datatypes::TimestampMicrosecondType;
    use behavior_converter::batch::Converter;
    use std::io::Write;
    let registry = behavior_schema::registry();
    let received_at = behavior_runtime::Timestamp::from_micros(1_780_000_000_000_000);
    // Message m-NNN holds events 2N (a search) and 2N + 1 (a page view, on day 1 or 2).
    let messages: Vec<Message> = (0..60u32)
        .map(|m| {
            let body = [
                event("search", 2 * m, 1),
                event("page_view", 2 * m + 1, 1 + m % 2),
            ]
            .join("\n");
            Message::new(format!("m-{m:03}"), body)
        })
        .collect();
    let convert = |messages: &[Message]| -> BTreeMap<String, Vec<u8>> {
        let converted = Converter::new(registry, Limits::default())
            .with_chunk_input_bytes(8 * 1024)
            .convert(messages, received_at)
            .unwrap();
        assert_eq!(converted.counts.accepted, 120);
        converted
            .files
            .into_iter()
            .map(|f| (f.key, f.bytes))
            .collect()
    };
    let files = convert(&messages);
    let names: std::collections::BTreeSet<&str> = files
        .keys()
        .map(|k| k.rsplit('/').next().unwrap())
        .collect();
    assert!(names.len() >= 5, "{names:?}");
    assert_eq!(
        files.len(),
        files
            .keys()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );

    let mut ids = Vec::new();
    for bytes in files.values() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        let batches: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for batch in batches {
            let column = |name: &str| batch.column_by_name(name).unwrap().clone();
            let event_ids = column("event_id");
            let message_ids = column("_message_id");
            let ingested = column("_ingested_at");
            let ingested = ingested.as_primitive::<TimestampMicrosecondType>();
            for row in 0..batch.num_rows() {
                let id: u32 = event_ids.as_string::<i32>().value(row)[24..]
                    .parse()
                    .unwrap();
                assert_eq!(
                    message_ids.as_string::<i32>().value(row),
                    format!("m-{:03}", id / 2)
                );
                assert_eq!(ingested.value(row), received_at.micros());
                ids.push(id);
            }
        }
    }
    ids.sort_unstable();
    assert_eq!(ids, (0..120).collect::<Vec<u32>>());

    let mut shuffled = messages.clone();
    shuffled.reverse();
    shuffled.rotate_left(17);
    assert_eq!(convert(&shuffled), files);
}

/// Converting a large batch is CPU work that must not stall the caller's runtime: the poller
/// extends the batch's visibility from the same task while it converts. A ticker beside the
/// handler, on a single-threaded runtime, keeps ticking throughout.
#[tokio::test]
async fn the_runtime_keeps_running_while_a_large_batch_converts() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(dir.path()).await;
    let body = (0..400)
        .map(|i| event("search", i, 1 + i % 3))
        .collect::<Vec<_>>()
        .join("\n");
    let messages: Vec<Message> = (0..400)
        .map(|m| Message::new(format!("m{m}"), body.as_bytes()))
        .collect();
    let handling = handler.handle(messages);
    tokio::pin!(handling);
    let mut ticker = tokio::time::interval(Duration::from_millis(5));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    let mut last = started;
    let mut longest_gap = Duration::ZERO;
    let report = loop {
        tokio::select! {
            report = &mut handling => break report,
            _ = ticker.tick() => {
                longest_gap = longest_gap.max(last.elapsed());
                last = Instant::now();
            }
        }
    };
    let took = started.elapsed();
    eprintln!("the batch took {took:?}; longest gap between ticks {longest_gap:?}");
    assert_eq!(report.counts.accepted, 160_000, "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    // Long enough to tell: converting alone takes most of it (~0.3 s here).
    assert!(took >= Duration::from_millis(60), "the batch took {took:?}");
    assert!(
        longest_gap < took / 3,
        "the runtime stalled {longest_gap:?} of the batch's {took:?}"
    );
}
