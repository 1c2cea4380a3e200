//! Fuzzes the message-body decoder: arbitrary bytes as one body, through
//! `BatchDecoder::decode_body`, `finish` and the Parquet writer, against the real catalog.
//!
//! Beyond "nothing panics", it asserts the decoder's contract: every event gets exactly one
//! outcome and the counts agree with them; rows are numbered densely per type (a rejected event
//! leaves nothing behind in the builders); the finished batches hold exactly the accepted rows;
//! and every batch writes to Parquet.
#![no_main]

use behavior_runtime::parquet::write_parquet;
use behavior_runtime::{BatchDecoder, ErrorKind, Limits, Outcome, wire};
use libfuzzer_sys::fuzz_target;

/// A first byte at or above this is never the start of JSON (nor of any UTF-8 text), so it is
/// free to carry options: it selects small limits and is not part of the body. Plain JSON seeds
/// keep the default limits.
const LIMITS_MARKER: u8 = 0xF0;
/// Chosen around the size of one real event (~500 bytes) so both sides of each limit are hit.
const BODY_LIMITS: [usize; 4] = [0, 256, 1024, 4096];
const EVENT_LIMITS: [usize; 4] = [0, 128, 512, 2048];

/// The limits, builder capacity and body an input stands for.
fn split(data: &[u8]) -> (Limits, usize, &[u8]) {
    match data.split_first() {
        Some((&control, body)) if control >= LIMITS_MARKER => {
            let n = usize::from(control & 0x0f);
            let limits = Limits {
                max_body_bytes: BODY_LIMITS[n >> 2],
                max_event_bytes: EVENT_LIMITS[n & 3],
            };
            (limits, 0, body)
        }
        _ => (Limits::default(), 16, data),
    }
}

/// Whether `part` lies inside `whole` (a rejection's raw bytes are cut from the body).
fn within(part: &[u8], whole: &[u8]) -> bool {
    let (start, end) = (
        whole.as_ptr() as usize,
        whole.as_ptr() as usize + whole.len(),
    );
    let at = part.as_ptr() as usize;
    start <= at && at + part.len() <= end
}

fuzz_target!(|data: &[u8]| {
    let registry = behavior_schema::registry();
    let (limits, capacity, body) = split(data);
    let too_large = body.len() > limits.max_body_bytes;
    // A compressed body's events are slices of its decompressed text, not of the body.
    let compressed = !too_large && wire::is_compressed(body);
    let mut decoder = BatchDecoder::new(registry, limits, capacity);

    let mut accepted_per_kind = vec![0usize; registry.len()];
    let (mut accepted, mut rejected) = (0usize, 0usize);
    let counts = decoder.decode_body(body, |outcome| match outcome {
        Outcome::Accepted { kind, row } => {
            assert!(kind < registry.len(), "accepted into unknown kind {kind}");
            assert_eq!(
                row, accepted_per_kind[kind],
                "rows of kind {kind} must be numbered densely"
            );
            accepted_per_kind[kind] += 1;
            accepted += 1;
        }
        Outcome::Rejected { raw, error } => {
            assert!(
                compressed || within(raw, body),
                "rejected raw bytes are not part of the body"
            );
            if too_large {
                assert_eq!(error.kind, ErrorKind::BodyTooLarge);
            }
            // What the quarantine writes: rendering must not panic either.
            let _ = (error.to_string(), error.path());
            rejected += 1;
        }
    });

    assert!(
        counts.received >= 1,
        "every body has an outcome: {counts:?}"
    );
    assert_eq!(
        counts.accepted + counts.rejected,
        counts.received,
        "{counts:?}"
    );
    assert_eq!(accepted, counts.accepted, "Accepted outcomes vs {counts:?}");
    assert_eq!(rejected, counts.rejected, "Rejected outcomes vs {counts:?}");
    if too_large {
        assert_eq!((counts.received, counts.rejected), (1, 1), "{counts:?}");
    }
    for (kind, &rows) in accepted_per_kind.iter().enumerate() {
        assert_eq!(decoder.rows(kind), rows, "builder rows of kind {kind}");
    }

    let batches = decoder
        .finish()
        .unwrap_or_else(|e| panic!("finish failed after {counts:?}: {e}"));
    let mut rows = 0;
    let mut previous = None;
    for (kind, batch) in &batches {
        assert!(previous < Some(*kind), "batches out of registry order");
        previous = Some(*kind);
        assert_eq!(
            batch.num_rows(),
            accepted_per_kind[*kind],
            "batch rows of kind {kind}"
        );
        rows += batch.num_rows();
        let descriptor = registry.kinds()[*kind].descriptor();
        if let Err(e) = write_parquet(descriptor, std::slice::from_ref(batch)) {
            panic!(
                "Parquet write of kind {kind} ({} rows) failed: {e}",
                batch.num_rows()
            );
        }
    }
    assert_eq!(rows, counts.accepted, "finished rows vs {counts:?}");
    assert_eq!(decoder.input_bytes(), 0, "finish resets the batch input");
});
