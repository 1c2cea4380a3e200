// The decode_body fuzz target's contract, shared by the target (fuzz/fuzz_targets/) and by
// the test that replays the committed seeds on every test run (schema/tests/it/fuzz_seeds.rs).
// Included with `include!`, so no inner attributes or doc comments here.
//
// The input: arbitrary bytes as a batch of bodies (split at `0xFF`, which no JSON text holds,
// so most inputs are one body), through
// `BatchDecoder::decode_bodies`, `finish` and the Parquet writer, against the real catalog.
//
// Beyond "nothing panics", it asserts the decoder's contract: every body gets an outcome and
// every event exactly one, and the counts agree with them; rows are numbered densely per type
// (a rejected event leaves nothing behind in the builders); the finished batches hold exactly
// the accepted rows; every batch writes to Parquet; and the bodies decoded together (their
// events grouped by type) come out exactly as each decoded alone with `decode_body`, one after
// another.
use behavior_runtime::parquet::write_parquet;
use behavior_runtime::{BatchDecoder, ErrorKind, Limits, Outcome, wire};

/// A first byte at or above this is never the start of JSON (nor of any UTF-8 text), so it is
/// free to carry options: it selects small limits and is not part of the body. Plain JSON seeds
/// keep the default limits.
const LIMITS_MARKER: u8 = 0xF0;
/// Chosen around the size of one real event (~500 bytes) so both sides of each limit are hit.
const BODY_LIMITS: [usize; 4] = [0, 256, 1024, 4096];
const EVENT_LIMITS: [usize; 4] = [0, 128, 512, 2048];

/// Separates the bodies of one input.
const BODY_SEPARATOR: u8 = 0xFF;

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

/// One reported outcome, comparable: the body, then the row or the rejection.
type Reported = (usize, Result<(usize, usize), (Vec<u8>, ErrorKind, String)>);

fn reported(body: usize, outcome: &Outcome<'_>) -> Reported {
    (
        body,
        match outcome {
            Outcome::Accepted { kind, row } => Ok((*kind, *row)),
            Outcome::Rejected { raw, error } => Err((raw.to_vec(), error.kind, error.path())),
        },
    )
}

/// Checks the decoder's contract on one fuzz input.
pub fn check(data: &[u8]) {
    let registry = behavior_schema::registry();
    let (limits, capacity, input) = split(data);
    let bodies: Vec<&[u8]> = input.split(|&b| b == BODY_SEPARATOR).collect();
    let too_large: Vec<bool> = bodies
        .iter()
        .map(|body| body.len() > limits.max_body_bytes)
        .collect();
    // A compressed body's events are slices of its decompressed text, not of the body.
    let compressed: Vec<bool> = bodies
        .iter()
        .zip(&too_large)
        .map(|(body, &too_large)| !too_large && wire::is_compressed(body))
        .collect();
    let mut decoder = BatchDecoder::new(registry, limits, capacity);

    let mut accepted_per_kind = vec![0usize; registry.len()];
    let mut per_body = vec![0usize; bodies.len()];
    let (mut accepted, mut rejected) = (0usize, 0usize);
    let mut together = Vec::new();
    let counts = decoder.decode_bodies(&bodies, |body, outcome| {
        together.push(reported(body, &outcome));
        assert!(body < bodies.len(), "outcome for body {body} of {}", bodies.len());
        per_body[body] += 1;
        match outcome {
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
                    compressed[body] || within(raw, bodies[body]),
                    "rejected raw bytes are not part of their body"
                );
                if too_large[body] {
                    assert_eq!(error.kind, ErrorKind::BodyTooLarge);
                }
                // What the quarantine writes: rendering must not panic either.
                let _ = (error.to_string(), error.path());
                rejected += 1;
            }
        }
    });

    assert!(
        per_body.iter().all(|&n| n >= 1),
        "every body has an outcome: {per_body:?}"
    );
    for (body, &n) in per_body.iter().enumerate() {
        if too_large[body] {
            assert_eq!(n, 1, "a body over the limit is one rejection");
        }
    }
    assert_eq!(
        counts.accepted + counts.rejected,
        counts.received,
        "{counts:?}"
    );
    assert_eq!(accepted, counts.accepted, "Accepted outcomes vs {counts:?}");
    assert_eq!(rejected, counts.rejected, "Rejected outcomes vs {counts:?}");
    for (kind, &rows) in accepted_per_kind.iter().enumerate() {
        assert_eq!(decoder.rows(kind), rows, "builder rows of kind {kind}");
    }

    let mut alone = BatchDecoder::new(registry, limits, capacity);
    let mut one_by_one = Vec::new();
    for (body, bytes) in bodies.iter().enumerate() {
        alone.decode_body(bytes, |outcome| one_by_one.push(reported(body, &outcome)));
    }
    assert_eq!(together, one_by_one, "decoded together vs each alone");

    let batches = decoder
        .finish()
        .unwrap_or_else(|e| panic!("finish failed after {counts:?}: {e}"));
    assert!(
        alone.finish().ok().as_ref() == Some(&batches),
        "finished batches: together vs each alone"
    );
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
}
