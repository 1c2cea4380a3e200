//! One batch: decode bodies, group accepted rows by (event type, version, event date), write
//! one Parquet file per group and one quarantine file for the rejects.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use arrow::array::TimestampMicrosecondArray;
use arrow::compute::take_record_batch;
use arrow::record_batch::RecordBatch;
use behavior_runtime::parquet::write_parquet;
use behavior_runtime::types::{Date, Timestamp};
use behavior_runtime::{BatchDecoder, Counts, Limits, Outcome, Registry};

use crate::lake::LocalLake;

/// What one batch produced.
#[derive(Debug, Default)]
pub struct BatchSummary {
    pub counts: Counts,
    pub files: usize,
    pub bytes: usize,
    /// Rows written per `<event_type>/v<version>` table.
    pub rows: BTreeMap<String, usize>,
}

/// Converts `bodies` (each one message body) into files in `lake`. `batch_key` names the files,
/// so converting the same batch again overwrites them instead of adding duplicates.
pub fn convert_batch(
    registry: &Registry,
    lake: &LocalLake,
    bodies: &[&[u8]],
    batch_key: &str,
    received_at: Timestamp,
) -> anyhow::Result<BatchSummary> {
    let mut decoder = BatchDecoder::new(registry, Limits::default(), 4096);
    let mut summary = BatchSummary::default();
    let mut rejected = Vec::new();
    for body in bodies {
        let counts = decoder.decode_body(body, |outcome| {
            if let Outcome::Rejected { raw, error } = outcome {
                let record = serde_json::json!({
                    "raw": String::from_utf8_lossy(raw),
                    "error_kind": error.kind.as_str(),
                    "field_path": error.path(),
                    "event_type": error.event_type,
                    "message": error.message,
                    "received_at": received_at.to_string(),
                });
                rejected.push(record.to_string());
            }
        });
        summary.counts.add(counts);
    }
    let name = file_name(batch_key);
    for (kind, batch) in decoder.finish()? {
        let descriptor = registry.kinds()[kind].descriptor();
        for (date, part) in split_by_event_date(&batch)? {
            let key = format!(
                "{}/v{}/event_date={date}/{name}.parquet",
                descriptor.event_type, descriptor.version
            );
            let bytes = write_parquet(descriptor, std::slice::from_ref(&part))?;
            lake.put(&key, &bytes)?;
            summary.files += 1;
            summary.bytes += bytes.len();
            *summary
                .rows
                .entry(format!("{}/v{}", descriptor.event_type, descriptor.version))
                .or_default() += part.num_rows();
        }
    }
    if !rejected.is_empty() {
        let key = format!("_rejected/event_date={}/{name}.ndjson", received_at.date());
        let mut body = rejected.join("\n");
        body.push('\n');
        lake.put(&key, body.as_bytes())?;
        summary.files += 1;
        summary.bytes += body.len();
    }
    Ok(summary)
}

fn file_name(batch_key: &str) -> String {
    let mut hasher = DefaultHasher::new();
    batch_key.hash(&mut hasher);
    format!("part-{:016x}", hasher.finish())
}

/// Rows grouped by the UTC date of their `event_time`.
fn split_by_event_date(batch: &RecordBatch) -> anyhow::Result<Vec<(Date, RecordBatch)>> {
    let column = batch
        .column_by_name("event_time")
        .ok_or_else(|| anyhow::anyhow!("no event_time column"))?;
    let times = column
        .as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .ok_or_else(|| anyhow::anyhow!("event_time is not a microsecond timestamp"))?;
    let mut groups: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
    for (row, micros) in times.values().iter().enumerate() {
        groups
            .entry(Timestamp(*micros).date().0)
            .or_default()
            .push(row as u32);
    }
    if groups.len() == 1 {
        let (day, _) = groups.into_iter().next().unwrap_or_default();
        return Ok(vec![(Date(day), batch.clone())]);
    }
    groups
        .into_iter()
        .map(|(day, rows)| {
            Ok((
                Date(day),
                take_record_batch(batch, &arrow::array::UInt32Array::from(rows))?,
            ))
        })
        .collect()
}
