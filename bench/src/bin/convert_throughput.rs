//! One conversion path over an NDJSON dataset, streamed the way the Lambda sees it: events
//! packed into 64 KiB message bodies (zstd-compressed as the generator sends them, or plain
//! with `BODY_ENCODING=plain`), bodies gathered into 6 MiB batches, each batch turned
//! into Parquet bytes in memory (no I/O). Prints one JSON line: events/s and MB/s of the
//! conversion (reading and packing the file are timed apart), output bytes, files and peak RSS. Run one path per process (peak RSS is per process), pinned to a core:
//!
//!   taskset -c 0 convert_throughput converter data.ndjson
//!   taskset -c 0 convert_throughput arrow_json data.ndjson [--out DIR]
//!
//! With `--out DIR` every file is also written under DIR (after the clock stops), so the
//! side-by-side suite can read them back, count rows and compare schemas.
//!
//! - `converter`: the converter's batch code, the same the Lambda handler runs (decode,
//!   lineage columns, split by event date, Parquet, quarantine), minus the network;
//! - `arrow_json`: `arrow_json`'s decoder with the project's own Arrow schema (as far as
//!   arrow_json can decode it), the same two lineage columns appended (the lake's schema),
//!   and `ArrowWriter` with the same writer settings: one file per event type per batch.
//!   Its time outside the JSON decoder (decompression, lineage columns, Parquet) is reported
//!   as `shared_seconds`: the converter spends it too, so it bounds the end-to-end ratio.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::Instant;

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;
use behavior_bench::{ARROW_JSON_BATCH_ROWS, arrow_json_decode, arrow_json_schema};
use behavior_converter::Message;
use behavior_converter::batch::{Converter, lineage_columns};
use behavior_generator::pack::Packer;
use behavior_runtime::Limits;
use behavior_runtime::descriptor::LINEAGE_FIELDS;
use behavior_runtime::parquet::writer_properties;
use behavior_runtime::registry::ndjson_events;
use behavior_runtime::types::Timestamp;
use behavior_runtime::wire::{self, BodyEncoding};
use parquet::arrow::ArrowWriter;

const BODY_BYTES: usize = 64 * 1024;
/// Lambda's payload limit, the default batch; `BATCH_BYTES` overrides it (the poller may
/// gather larger batches).
const LAMBDA_BATCH_BYTES: usize = 6 * 1024 * 1024;

#[derive(Default)]
struct Totals {
    events: u64,
    input_bytes: u64,
    output_bytes: u64,
    files: u64,
    batches: u64,
    /// Time spent converting bodies to Parquet bytes (reading and packing the file excluded).
    convert_seconds: f64,
    /// Of `convert_seconds`, the arrow_json path's time outside its JSON decoder: decompressing
    /// bodies, appending the lineage columns and writing Parquet, which the converter does the
    /// same way. The rest is the decoder's, so `convert_seconds / shared_seconds` bounds what
    /// any decoder could make of the end-to-end ratio.
    shared_seconds: f64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(path)) = (args.get(1), args.get(2)) else {
        return Err(
            "usage: convert_throughput <converter|arrow_json> <data.ndjson> [--out DIR]".into(),
        );
    };
    let out_dir = match (args.get(3).map(String::as_str), args.get(4)) {
        (None, _) => None,
        (Some("--out"), Some(dir)) => Some(std::path::PathBuf::from(dir)),
        _ => return Err("expected `--out DIR` after the data file".into()),
    };
    let batch_limit: usize = match std::env::var("BATCH_BYTES") {
        Ok(value) => value.parse()?,
        Err(_) => LAMBDA_BATCH_BYTES,
    };
    let registry = behavior_schema::registry();
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut totals = Totals::default();
    // Bodies as the generator sends them by default (zstd), or `BODY_ENCODING=plain`.
    let encoding: BodyEncoding = match std::env::var("BODY_ENCODING") {
        Ok(value) => value.parse()?,
        Err(_) => BodyEncoding::default(),
    };
    let mut packer = Packer::with_encoding(BODY_BYTES, encoding, Limits::default().max_body_bytes);
    let mut batch: Vec<Message> = Vec::new();
    let mut batch_bytes = 0;
    let mut line = Vec::new();
    let started = Instant::now();
    // Both paths keep their state across batches, as a long-running converter does: the
    // converter its `Converter` (as the handler holds one), arrow_json its decoders and the
    // decompression context.
    let mut converter = Converter::new(registry, Limits::default());
    let mut decoders: Vec<Option<arrow_json::reader::Decoder>> =
        (0..registry.len()).map(|_| None).collect();
    let mut decompressor = wire::Decompressor::default();
    // Per event type, the message index of each decoded row, for the `_message_id` column.
    let mut row_messages: Vec<Vec<u32>> = vec![Vec::new(); registry.len()];
    // Per event type, the record batches its decoder filled before the end of the batch.
    let mut flushed: Vec<Vec<RecordBatch>> = vec![Vec::new(); registry.len()];
    let mut run =
        |batch: &mut Vec<Message>, totals: &mut Totals| -> Result<(), Box<dyn std::error::Error>> {
            let converting = Instant::now();
            match mode.as_str() {
                "converter" => {
                    let converted = converter.convert(batch, behavior_converter::handler::now())?;
                    assert_eq!(converted.counts.rejected, 0, "the dataset is clean");
                    totals.convert_seconds += converting.elapsed().as_secs_f64();
                    for file in &converted.files {
                        totals.output_bytes += file.bytes.len() as u64;
                        totals.files += 1;
                        save(out_dir.as_deref(), &file.key, &file.bytes)?;
                    }
                }
                "arrow_json" => {
                    let mut written = Vec::new();
                    let received_at = behavior_converter::handler::now();
                    // The reference reads the same wire format: compressed bodies are
                    // decompressed first, on the clock and with one reused context, as in the
                    // converter.
                    for (index, message) in batch.iter().enumerate() {
                        let ndjson = if wire::is_compressed(&message.body) {
                            let decompressing = Instant::now();
                            let ndjson = decompressor
                                .decompress(&message.body, Limits::default().max_body_bytes)?;
                            totals.shared_seconds += decompressing.elapsed().as_secs_f64();
                            ndjson
                        } else {
                            &message.body[..]
                        };
                        for event in ndjson_events(ndjson) {
                            let kind = registry.dispatch(event)?;
                            let decoder = match &mut decoders[kind] {
                                Some(decoder) => decoder,
                                slot => slot.insert(
                                    arrow_json::ReaderBuilder::new(arrow_json_schema(
                                        registry.kinds()[kind].descriptor(),
                                    ))
                                    .with_batch_size(ARROW_JSON_BATCH_ROWS)
                                    .build_decoder()?,
                                ),
                            };
                            arrow_json_decode(decoder, event, &mut flushed[kind])?;
                            row_messages[kind].push(index as u32);
                        }
                    }
                    for (kind, decoder) in decoders.iter_mut().enumerate() {
                        let Some(decoder) = decoder else { continue };
                        let mut parts = std::mem::take(&mut flushed[kind]);
                        parts.extend(decoder.flush()?);
                        let writing = Instant::now();
                        let descriptor = registry.kinds()[kind].descriptor();
                        let rows = std::mem::take(&mut row_messages[kind]);
                        let mut first_row = 0;
                        let mut parts = parts.into_iter().map(|records| {
                            let part_rows = &rows[first_row..first_row + records.num_rows()];
                            first_row += records.num_rows();
                            with_lineage(records, part_rows, batch, received_at)
                        });
                        let Some(first) = parts.next().transpose()? else {
                            continue;
                        };
                        let mut out = Vec::new();
                        let mut writer = ArrowWriter::try_new(
                            &mut out,
                            first.schema(),
                            Some(writer_properties(descriptor)),
                        )?;
                        writer.write(&first)?;
                        for records in parts {
                            writer.write(&records?)?;
                        }
                        writer.close()?;
                        totals.shared_seconds += writing.elapsed().as_secs_f64();
                        totals.output_bytes += out.len() as u64;
                        totals.files += 1;
                        let key = format!(
                            "{}/v{}/part-{:06}.parquet",
                            descriptor.event_type, descriptor.version, totals.batches
                        );
                        written.push((key, out));
                    }
                    totals.convert_seconds += converting.elapsed().as_secs_f64();
                    for (key, bytes) in &written {
                        save(out_dir.as_deref(), key, bytes)?;
                    }
                }
                other => return Err(format!("unknown mode {other}").into()),
            }
            totals.batches += 1;
            batch.clear();
            Ok(())
        };
    let mut next_id = 0u64;
    let mut add = |body: Vec<u8>, batch: &mut Vec<Message>, batch_bytes: &mut usize| {
        next_id += 1;
        *batch_bytes += body.len();
        batch.push(Message::new(format!("m{next_id}"), body));
    };
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        let event = line.strip_suffix(b"\n").unwrap_or(&line);
        if event.is_empty() {
            continue;
        }
        totals.events += 1;
        totals.input_bytes += event.len() as u64 + 1;
        if let Some(body) = packer.push(event) {
            add(body.bytes, &mut batch, &mut batch_bytes);
            if batch_bytes >= batch_limit {
                run(&mut batch, &mut totals)?;
                batch_bytes = 0;
            }
        }
    }
    while let Some(body) = packer.finish() {
        add(body.bytes, &mut batch, &mut batch_bytes);
    }
    if !batch.is_empty() {
        run(&mut batch, &mut totals)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "mode": mode,
            "batch_bytes": batch_limit,
            "body_encoding": encoding.as_str(),
            "events": totals.events,
            "input_bytes": totals.input_bytes,
            "seconds": seconds,
            "convert_seconds": totals.convert_seconds,
            // Timed in the arrow_json path only: null for the converter, not a zero.
            "shared_seconds": (mode == "arrow_json").then_some(totals.shared_seconds),
            "events_per_second": totals.events as f64 / totals.convert_seconds,
            "mb_per_second": totals.input_bytes as f64 / totals.convert_seconds / 1e6,
            "output_bytes": totals.output_bytes,
            "files": totals.files,
            "batches": totals.batches,
            "peak_rss_mb": behavior_converter::metrics::peak_rss_bytes().unwrap_or(0) as f64 / (1024.0 * 1024.0),
        })
    );
    Ok(())
}

/// Appends the converter's lineage columns (`_ingested_at`, `_message_id`), so that both paths
/// write files of the same schema.
fn with_lineage(
    records: RecordBatch,
    rows: &[u32],
    messages: &[Message],
    received_at: Timestamp,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut fields = records.schema().fields().to_vec();
    fields.extend(LINEAGE_FIELDS.iter().map(|f| Arc::new(f.arrow_field())));
    let mut columns = records.columns().to_vec();
    columns.extend(lineage_columns(rows, messages, received_at));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// Writes one output file under `dir` (when given) at `key`, creating its folders.
fn save(dir: Option<&std::path::Path>, key: &str, bytes: &[u8]) -> std::io::Result<()> {
    let Some(dir) = dir else { return Ok(()) };
    let path = dir.join(key);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)
}
