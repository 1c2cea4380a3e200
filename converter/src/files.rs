//! The file runner: NDJSON files or stdin → lake, for backfills and local runs. Each line is
//! one message whose id is `<source>:<line>`, so converting the same file again overwrites
//! the same files instead of adding rows.

use std::io::{BufRead, BufReader, Read};

use crate::batch::Message;
use crate::handler::{BatchReport, Handler};

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
            batch.push(Message::new(format!("{source}:{line_number}"), line));
        }
        let full = batch.len() >= batch_events.max(1) || bytes >= MAX_BATCH_BYTES;
        if full || (read == 0 && !batch.is_empty()) {
            let report = handler.handle(&batch).await;
            on_batch(&report);
            total.add(&report);
            if !report.failed.is_empty() {
                anyhow::bail!(
                    "{source}: {} lines could not be stored: {}",
                    report.failed.len(),
                    report.errors.join("; ")
                );
            }
            batch.clear();
            bytes = 0;
        }
        if read == 0 {
            return Ok(total);
        }
    }
}
