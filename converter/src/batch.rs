//! One batch of messages → the files it becomes, in memory: one Parquet file per (event type,
//! version, event date) and one quarantine file for the rejects. Pure CPU, no I/O: the handler
//! writes the files, and benchmarks measure exactly this.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray, TimestampMicrosecondArray, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::record_batch::RecordBatch;
use base64::Engine;
use behavior_runtime::logical::UTC;
use behavior_runtime::parquet::write_parquet;
use behavior_runtime::registry::GROUP_BYTES;
use behavior_runtime::types::{Date, MICROS_PER_DAY, Timestamp};
use behavior_runtime::wire;
use behavior_runtime::{BatchDecoder, Counts, Limits, Outcome, Registry};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One queue message: its id (unique per message, stable across redeliveries) and its body.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    pub body: Vec<u8>,
}

impl Message {
    pub fn new(id: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            id: id.into(),
            body: body.into(),
        }
    }
}

/// A file to put in the lake, and which messages have rows in it: if the write fails, exactly
/// those messages are not stored.
#[derive(Debug)]
pub struct OutputFile {
    /// The key under the lake's prefix.
    pub key: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
    /// `<event_type>/v<version>`, or `_rejected` for the quarantine.
    pub table: String,
    /// Indices into the batch's messages.
    pub messages: Vec<u32>,
}

/// What one batch becomes.
#[derive(Debug, Default)]
pub struct Converted {
    pub counts: Counts,
    pub files: Vec<OutputFile>,
    /// Messages skipped because the batch already held a message with the same id (SQS may
    /// deliver a message twice, even within one batch): their events are counted once.
    pub duplicate_messages: usize,
}

/// Why a batch could not be converted at all: never the input's fault (bad input is
/// quarantined), so every message of the batch is retried.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("building Arrow arrays: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("writing Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("writing the quarantine: {0}")]
    Quarantine(#[from] serde_json::Error),
}

/// Input bytes decoded before the builders are flushed into files: bounds memory per batch and
/// stays far below Arrow's 32-bit offsets ([`behavior_runtime::registry::MAX_BATCH_INPUT_BYTES`]).
pub const CHUNK_INPUT_BYTES: usize = 256 << 20;

/// Rows each event type's column builders are sized for at the start of a batch; they grow
/// from there.
pub const INITIAL_ROWS: usize = 4096;

/// Prefix under which rejected events land.
pub const QUARANTINE_PREFIX: &str = "_rejected";

/// One rejected event as the quarantine stores it (one NDJSON line): loadable as JSON by any
/// warehouse, and exact: `raw_base64` holds the bytes as received even when they are not UTF-8.
#[derive(Debug, Serialize)]
pub struct Rejection<'a> {
    pub message_id: &'a str,
    /// The event's ordinal in its message body, from 1 (blank lines not counted): with
    /// `message_id` the rejection's key, the same however often the message is delivered
    /// (a redelivered message quarantines its bad events again, in another batch's file).
    pub ordinal: u32,
    pub received_at: String,
    /// The event type when the envelope could be read.
    pub event_type: Option<&'a str>,
    pub error_kind: &'static str,
    /// JSONPath of the offending value (`$` for the event as a whole).
    pub field_path: String,
    pub error_message: &'a str,
    /// The event's bytes as text (invalid UTF-8 replaced by U+FFFD).
    pub raw: String,
    pub raw_base64: String,
}

/// Converts batch after batch, keeping what one batch teaches for the next: column buffers
/// sized to the last batch (they do not grow, and get copied, again) and the decompression
/// context. Batches convert one at a time (`&mut self`); a handler keeps one.
pub struct Converter<'r> {
    decoder: BatchDecoder<'r>,
    limits: Limits,
    chunk_input_bytes: usize,
}

impl<'r> Converter<'r> {
    pub fn new(registry: &'r Registry, limits: Limits) -> Self {
        Self {
            decoder: BatchDecoder::new(registry, limits, INITIAL_ROWS),
            limits,
            chunk_input_bytes: CHUNK_INPUT_BYTES,
        }
    }

    /// Flushes the builders into files after `bytes` of input instead of
    /// [`CHUNK_INPUT_BYTES`]: tests reach a batch of several chunks with a few kilobytes.
    pub fn with_chunk_input_bytes(mut self, bytes: usize) -> Self {
        self.chunk_input_bytes = bytes;
        self
    }

    /// Converts a batch. `received_at` is stamped on every row (`_ingested_at`) and names the
    /// quarantine's date partition. File names derive from the batch's message ids, so
    /// converting the same batch again (a redelivery) overwrites its files instead of
    /// duplicating rows.
    pub fn convert(
        &mut self,
        messages: &[Message],
        received_at: Timestamp,
    ) -> Result<Converted, ConvertError> {
        let result = convert_with(
            &mut self.decoder,
            messages,
            received_at,
            self.chunk_input_bytes,
        );
        if result.is_err() {
            // A batch that failed half-way may have left rows in the builders.
            self.decoder = BatchDecoder::new(self.decoder.registry(), self.limits, INITIAL_ROWS);
        }
        result
    }
}

/// Converts one batch with a fresh [`Converter`].
pub fn convert(
    registry: &Registry,
    limits: Limits,
    messages: &[Message],
    received_at: Timestamp,
) -> Result<Converted, ConvertError> {
    Converter::new(registry, limits).convert(messages, received_at)
}

fn convert_with(
    decoder: &mut BatchDecoder<'_>,
    messages: &[Message],
    received_at: Timestamp,
    chunk_input_bytes: usize,
) -> Result<Converted, ConvertError> {
    let registry = decoder.registry();
    let name = batch_name(messages);
    let mut out = Converted::default();
    let mut decoded = Decoded {
        row_messages: vec![Vec::new(); registry.len()],
        quarantine: Vec::new(),
        quarantine_messages: BTreeSet::new(),
        received_at,
    };
    let mut chunk = 0;
    // Messages are decoded a group at a time: consecutive plain bodies up to `GROUP_BYTES`,
    // whose events the decoder groups by type, ended early by a compressed body (which the
    // decoder decodes as a group of its own: a 64 KiB one holds ~330 KiB of NDJSON).
    let mut group: Vec<u32> = Vec::new();
    let mut group_bytes = 0;
    // In message id order, not delivery order (SQS keeps none): a redelivered batch splits
    // into the same chunks, so it overwrites each of its files instead of leaving a file of
    // the first delivery's chunk beside the second's, and the batch input limit rejects the
    // same events. A stable sort: of two deliveries of one message in a batch (now side by
    // side), the first counts.
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by(|&a, &b| messages[a].id.cmp(&messages[b].id));
    let mut previous: Option<&str> = None;
    for index in order {
        let message = &messages[index];
        if previous == Some(message.id.as_str()) {
            out.duplicate_messages += 1;
            continue;
        }
        previous = Some(message.id.as_str());
        if decoder.input_bytes() + group_bytes + message.body.len() > chunk_input_bytes {
            out.counts
                .add(decoded.decode(decoder, messages, &mut group));
            group_bytes = 0;
            flush(
                registry,
                decoder,
                &mut decoded.row_messages,
                messages,
                received_at,
                &chunk_name(&name, chunk),
                &mut out.files,
            )?;
            chunk += 1;
        }
        group.push(index as u32);
        group_bytes += message.body.len();
        if group_bytes >= GROUP_BYTES || wire::is_compressed(&message.body) {
            out.counts
                .add(decoded.decode(decoder, messages, &mut group));
            group_bytes = 0;
        }
    }
    out.counts
        .add(decoded.decode(decoder, messages, &mut group));
    flush(
        registry,
        decoder,
        &mut decoded.row_messages,
        messages,
        received_at,
        &chunk_name(&name, chunk),
        &mut out.files,
    )?;
    let Decoded {
        quarantine,
        quarantine_messages,
        ..
    } = decoded;
    if !quarantine.is_empty() {
        let mut body = String::new();
        for line in quarantine {
            body.push_str(&line?);
            body.push('\n');
        }
        out.files.push(OutputFile {
            key: format!(
                "{QUARANTINE_PREFIX}/event_date={}/{name}.ndjson",
                received_at.date()
            ),
            rows: out.counts.rejected,
            bytes: body.into_bytes(),
            table: QUARANTINE_PREFIX.into(),
            messages: quarantine_messages.into_iter().collect(),
        });
    }
    Ok(out)
}

/// Where a batch's decoded events went so far.
struct Decoded {
    /// Per registry entry, the message index of each row: the `_message_id` column.
    row_messages: Vec<Vec<u32>>,
    /// The rejected events, as quarantine lines.
    quarantine: Vec<Result<String, serde_json::Error>>,
    /// The messages with an event in the quarantine.
    quarantine_messages: BTreeSet<u32>,
    received_at: Timestamp,
}

impl Decoded {
    /// Decodes the messages `group` indexes (and empties it).
    fn decode(
        &mut self,
        decoder: &mut BatchDecoder<'_>,
        messages: &[Message],
        group: &mut Vec<u32>,
    ) -> Counts {
        let bodies: Vec<&[u8]> = group
            .iter()
            .map(|&index| messages[index as usize].body.as_slice())
            .collect();
        // Outcomes come in input order, so an event's ordinal is a count per body.
        let mut ordinal = (usize::MAX, 0u32);
        let counts = decoder.decode_bodies(&bodies, |body, outcome| {
            let index = group[body];
            ordinal = if ordinal.0 == body {
                (body, ordinal.1 + 1)
            } else {
                (body, 1)
            };
            match outcome {
                Outcome::Accepted { kind, .. } => self.row_messages[kind].push(index),
                Outcome::Rejected { raw, error } => {
                    let message = &messages[index as usize];
                    self.quarantine_messages.insert(index);
                    self.quarantine.push(serde_json::to_string(&Rejection {
                        message_id: &message.id,
                        ordinal: ordinal.1,
                        received_at: self.received_at.to_string(),
                        event_type: error.event_type.as_deref(),
                        error_kind: error.kind.as_str(),
                        field_path: error.path(),
                        error_message: &error.message,
                        raw: String::from_utf8_lossy(raw).into_owned(),
                        raw_base64: base64::engine::general_purpose::STANDARD.encode(raw),
                    }));
                }
            }
        });
        group.clear();
        counts
    }
}

/// `part-<hash>`: a stable hash (SHA-256, not std's hasher, which may change between Rust
/// releases) of the batch's distinct message ids in sorted order, so the name does not depend
/// on delivery order.
pub fn batch_name(messages: &[Message]) -> String {
    let ids: BTreeSet<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    let mut hasher = Sha256::new();
    for id in ids {
        hasher.update(id.as_bytes());
        hasher.update(b"\n");
    }
    let digest = hasher.finalize();
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    format!("part-{hex}")
}

fn chunk_name(name: &str, chunk: usize) -> String {
    if chunk == 0 {
        name.to_string()
    } else {
        format!("{name}-{chunk}")
    }
}

/// Finishes the decoder's builders into Parquet files, one per (type, version, event date).
fn flush(
    registry: &Registry,
    decoder: &mut BatchDecoder<'_>,
    row_messages: &mut [Vec<u32>],
    messages: &[Message],
    received_at: Timestamp,
    name: &str,
    files: &mut Vec<OutputFile>,
) -> Result<(), ConvertError> {
    for (kind, batch) in decoder.finish()? {
        let descriptor = registry.kinds()[kind].descriptor();
        let rows = std::mem::take(&mut row_messages[kind]);
        let batch = with_lineage(descriptor, batch, &rows, messages, received_at)?;
        for (date, part, part_rows) in split_by_event_date(&batch, &rows)? {
            let table = format!("{}/v{}", descriptor.event_type, descriptor.version);
            let bytes = write_parquet(descriptor, std::slice::from_ref(&part))?;
            let distinct: BTreeSet<u32> = part_rows.into_iter().collect();
            files.push(OutputFile {
                key: format!("{table}/event_date={date}/{name}.parquet"),
                bytes,
                rows: part.num_rows(),
                table,
                messages: distinct.into_iter().collect(),
            });
        }
    }
    Ok(())
}

/// Appends `_ingested_at` and `_message_id` to a decoded batch: the lake schema.
fn with_lineage(
    descriptor: &behavior_runtime::EventDescriptor,
    batch: RecordBatch,
    rows: &[u32],
    messages: &[Message],
    received_at: Timestamp,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut columns = batch.columns().to_vec();
    columns.extend(lineage_columns(rows, messages, received_at));
    RecordBatch::try_new(descriptor.lake_schema(), columns)
}

/// The lineage columns of rows decoded from `messages` (`rows` holds each row's message
/// index), in the order of [`behavior_runtime::descriptor::LINEAGE_FIELDS`]: `_ingested_at`,
/// the same instant on every row, and `_message_id`.
pub fn lineage_columns(
    rows: &[u32],
    messages: &[Message],
    received_at: Timestamp,
) -> [ArrayRef; 2] {
    let ingested: ArrayRef = Arc::new(
        TimestampMicrosecondArray::from_value(received_at.micros(), rows.len()).with_timezone(UTC),
    );
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
        rows.iter().map(|&m| messages[m as usize].id.as_str()),
    ));
    [ingested, ids]
}

/// Rows grouped by the UTC date of their `event_time`, with each group's message indices.
fn split_by_event_date(
    batch: &RecordBatch,
    rows: &[u32],
) -> Result<Vec<(Date, RecordBatch, Vec<u32>)>, arrow::error::ArrowError> {
    let times = batch
        .column_by_name("event_time")
        .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
        .ok_or_else(|| {
            arrow::error::ArrowError::SchemaError(
                "every event needs an event_time microsecond timestamp".into(),
            )
        })?;
    let values = times.values();
    // Most batches cover one day: one comparison per row finds that out, and the batch is
    // written as it is, without a per-row map or a copy.
    let Some(&first) = values.first() else {
        return Ok(Vec::new());
    };
    let day = Timestamp::from_micros(first).date();
    let start = i64::from(day.0) * MICROS_PER_DAY;
    // Unsigned, an instant before `start` wraps to a large offset: one comparison per row.
    if values
        .iter()
        .all(|&m| (m.wrapping_sub(start) as u64) < MICROS_PER_DAY as u64)
    {
        return Ok(vec![(day, batch.clone(), rows.to_vec())]);
    }
    let mut groups: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
    for (row, micros) in values.iter().enumerate() {
        groups
            .entry(Timestamp::from_micros(*micros).date().0)
            .or_default()
            .push(row as u32);
    }
    groups
        .into_iter()
        .map(|(day, group)| {
            let messages = group.iter().map(|&r| rows[r as usize]).collect();
            let part = take_record_batch(batch, &UInt32Array::from(group))?;
            Ok((Date(day), part, messages))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows whose `event_time`s are `micros`, and what `split_by_event_date` makes of them:
    /// (day, rows of that day as indices).
    fn split(micros: &[i64]) -> Vec<(i32, Vec<u32>)> {
        let times: ArrayRef =
            Arc::new(TimestampMicrosecondArray::from(micros.to_vec()).with_timezone(UTC));
        let batch = RecordBatch::try_from_iter([("event_time", times)]).unwrap();
        let rows: Vec<u32> = (0..micros.len() as u32).collect();
        split_by_event_date(&batch, &rows)
            .unwrap()
            .into_iter()
            .map(|(date, part, part_rows)| {
                assert_eq!(part.num_rows(), part_rows.len());
                (date.0, part_rows)
            })
            .collect()
    }

    #[test]
    fn rows_split_at_utc_midnight_either_side_of_the_epoch() {
        let day = MICROS_PER_DAY;
        assert_eq!(split(&[]), vec![]);
        assert_eq!(split(&[5, day - 1, 0]), vec![(0, vec![0, 1, 2])]);
        assert_eq!(
            split(&[day - 1, day, 2 * day + 3, day + 1]),
            vec![(0, vec![0]), (1, vec![1, 3]), (2, vec![2])]
        );
        assert_eq!(split(&[-1, 0]), vec![(-1, vec![0]), (0, vec![1])]);
        assert_eq!(split(&[-day, -1]), vec![(-1, vec![0, 1])]);
        // Instants far apart, where `micros - start` would overflow.
        assert_eq!(
            split(&[i64::MIN / 2, i64::MAX / 2]).len(),
            2,
            "two days far apart"
        );
    }
}
