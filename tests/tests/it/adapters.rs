//! The converter's SQS queue and S3 lake adapters on their own, against `moto_server`: the
//! paths the end-to-end runs do not reach. A file over the multipart threshold is uploaded in
//! parts and reads back byte for byte, with no upload left open; batch calls whose entries
//! partly fail say so instead of passing for complete.

use std::time::Duration;

use behavior_converter::lake::{MULTIPART_THRESHOLD, S3Lake};
use behavior_converter::queue::{Queue, SqsQueue};
use behavior_tests::moto::Moto;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `len` bytes that differ from part to part (a part sent twice or out of order shows).
fn bytes(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[test]
fn files_over_the_multipart_threshold_upload_in_parts_and_read_back_whole() {
    let moto = Moto::start();
    let rt = runtime();
    let s3 = moto.s3();
    rt.block_on(s3.create_bucket().bucket("lake").send())
        .unwrap();
    let lake = S3Lake::new(s3.clone(), "lake", "events/");
    rt.block_on(lake.check()).unwrap();
    for (key, len) in [
        ("small.parquet", 1000),
        ("at-threshold.parquet", MULTIPART_THRESHOLD),
        ("large.parquet", MULTIPART_THRESHOLD + 5 * 1024 * 1024 + 7),
    ] {
        let sent = bytes(len);
        rt.block_on(lake.put(key, sent.clone())).unwrap();
        let object = rt
            .block_on(
                s3.get_object()
                    .bucket("lake")
                    .key(lake.object_key(key))
                    .send(),
            )
            .unwrap();
        let parts = object.parts_count;
        let got = rt.block_on(object.body.collect()).unwrap().into_bytes();
        assert_eq!(got.len(), len, "{key}");
        assert!(got == sent, "{key}: the object differs from what was sent");
        // A multipart upload's ETag ends in its part count; a single PutObject's has none.
        let head = rt
            .block_on(
                s3.head_object()
                    .bucket("lake")
                    .key(lake.object_key(key))
                    .send(),
            )
            .unwrap();
        let etag = head.e_tag.unwrap_or_default();
        let multipart = len > MULTIPART_THRESHOLD;
        assert_eq!(
            etag.contains('-'),
            multipart,
            "{key}: ETag {etag}, parts {parts:?}"
        );
    }
    let open = rt
        .block_on(s3.list_multipart_uploads().bucket("lake").send())
        .unwrap();
    assert!(
        open.uploads.unwrap_or_default().is_empty(),
        "an upload left open"
    );
}

#[test]
fn partly_failed_batch_calls_are_reported() {
    let moto = Moto::start();
    let rt = runtime();
    let sqs = moto.sqs();
    let url = rt
        .block_on(sqs.create_queue().queue_name("adapters").send())
        .unwrap()
        .queue_url
        .unwrap();
    for body in ["a", "b", "c"] {
        rt.block_on(sqs.send_message().queue_url(&url).message_body(body).send())
            .unwrap();
    }
    let queue = rt.block_on(SqsQueue::connect(sqs.clone(), &url)).unwrap();
    let mut received = Vec::new();
    while received.len() < 3 {
        let got = rt
            .block_on(queue.receive(10, Duration::from_secs(1), Duration::from_secs(30)))
            .unwrap();
        assert!(!got.is_empty(), "the three messages, received");
        received.extend(got);
    }
    let mut receipts: Vec<String> = received.iter().map(|r| r.receipt.clone()).collect();
    receipts.push("not-a-receipt".into());

    let error = rt
        .block_on(queue.extend(&receipts, Duration::from_secs(60)))
        .unwrap_err();
    assert!(
        error.starts_with("1 of 4 visibility extensions failed: ReceiptHandleIsInvalid"),
        "{error}"
    );
    // The valid three were extended all the same, and are deleted; the bad one is not counted.
    assert_eq!(rt.block_on(queue.delete(&receipts)), Ok(3));
    assert_eq!(rt.block_on(moto.queue_depth(&url)), (0, 0));
}
