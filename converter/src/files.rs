//! The file runner: NDJSON files or stdin → lake, for backfills and local runs. Each line is
//! one message whose id is `<source>:<line>:<xxh3 of the line>`: converting the same input
//! again overwrites the same files instead of adding rows, and another input read from the
//! same source (stdin again, a regenerated file) gets other file names instead of
//! overwriting the first one's.

use std::io::{BufRead, BufReader, Read};

use crate::batch::Message;
use crate::handler::{BatchReport, Handler};

/// A line's message id. Position alone would name the files of two different inputs read
/// from one source alike (the file names hash the ids), and the second would replace the
/// first; the content hash keeps them apart while the same input still maps to the same names.
fn message_id(source: &str, line_number: u64, line: &[u8]) -> String {
    let hash = twox_hash::XxHash3_64::oneshot(line);
    format!("{source}:{line_number}:{hash:016x}")
}

/// Input bytes per batch at most: memory stays flat whatever the input size.
pub const MAX_BATCH_BYTES: usize = 64 << 20;

/// Converts every line of `reader` in batches of at most `batch_events` lines; `on_batch` sees
/// each batch's report. Stops at the first batch that could not be stored completely (a
/// backfill is rerun as a whole; its files are overwritten, not duplicated).
pub async fn convert_reader(
    handler: &Handler,
    source: &str,
    reader: impl Read,
    batch_events: usize,
    mut on_batch: impl FnMut(&BatchReport),
) -> anyhow::Result<BatchReport> {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut total = BatchReport::default();
    let mut batch: Vec<Message> = Vec::with_capacity(batch_events.min(100_000));
    let mut bytes = 0;
    let mut line_number = 0u64;
    loop {
        let mut line = Vec::new();
        let read = reader.read_until(b'\n', &mut line)?;
        if read > 0 {
            line_number += 1;
            bytes += line.len();
            batch.push(Message::new(message_id(source, line_number, &line), line));
        }
        let full = batch.len() >= batch_events.max(1) || bytes >= MAX_BATCH_BYTES;
        if full || (read == 0 && !batch.is_empty()) {
            let report = handler.handle(std::mem::take(&mut batch)).await;
            on_batch(&report);
            total.add(&report);
            if !report.failed.is_empty() {
                anyhow::bail!(
                    "{source}: {} lines could not be stored: {}",
                    report.failed.len(),
                    report.errors.join("; ")
                );
            }
            bytes = 0;
        }
        if read == 0 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use behavior_runtime::{Faker, Limits};

    use super::*;
    use crate::lake::{Lake, LakeUri, S3Options};

    /// `count` valid events, one per line, different for each seed.
    fn ndjson(seed: u64, count: usize) -> Vec<u8> {
        let kinds = behavior_schema::registry().kinds();
        let page_view = kinds
            .iter()
            .find(|k| k.descriptor().event_type == "page_view")
            .unwrap();
        let mut faker = Faker::new(seed);
        let mut out = Vec::new();
        for _ in 0..count {
            page_view.fake_json(&mut faker, &mut out);
            out.push(b'\n');
        }
        out
    }

    fn parquet_rows(root: &std::path::Path) -> usize {
        use parquet::file::reader::FileReader;
        let mut rows = 0;
        for entry in walkdir::WalkDir::new(root) {
            let path = entry.unwrap().into_path();
            if path.extension().is_some_and(|e| e == "parquet") {
                let file = std::fs::File::open(&path).unwrap();
                let reader = parquet::file::reader::SerializedFileReader::new(file).unwrap();
                rows += reader.metadata().file_metadata().num_rows() as usize;
            }
        }
        rows
    }

    #[tokio::test]
    async fn two_inputs_from_one_source_both_land_and_a_rerun_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(
            &LakeUri::Local(dir.path().to_path_buf()),
            &S3Options::default(),
        )
        .await
        .unwrap();
        let handler = Handler::new(behavior_schema::registry(), lake, Limits::default());
        // As many lines each: by position alone, the second would be named as the first.
        let (first, second) = (ndjson(1, 300), ndjson(2, 300));
        for input in [&first, &second, &first] {
            let report = convert_reader(&handler, "stdin", &input[..], 1000, |_| ())
                .await
                .unwrap();
            assert!(report.failed.is_empty(), "{:?}", report.errors);
        }
        // The first input twice (same names, overwritten), the second beside it.
        assert_eq!(parquet_rows(dir.path()), 600);
    }
}
