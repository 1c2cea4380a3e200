//! Shared workloads for the benchmarks: NDJSON from the project's own generator.

use behavior_runtime::Registry;

pub mod decode;

/// NDJSON lines, one event each (the decode paths route them by their `event_type`).
pub type Lines = Vec<Vec<u8>>;

/// `count` events of the generator's realistic mix.
pub fn generated_mix(registry: &Registry, count: u64, seed: u64) -> Lines {
    let mut ndjson = Vec::new();
    behavior_generator::write_ndjson(registry, count, seed, &mut ndjson)
        .expect("writing to a Vec cannot fail");
    ndjson
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Rows per arrow_json record batch in every benchmark: arrow_json's default, and its fastest
/// here. Until 2026-12-02 the benchmarks gave it one batch per event type per run (20,000
/// rows in the decode benchmark, up to a million in `convert_throughput`): its tape and
/// buffers then outgrow the caches, and it decoded the mix ~20% slower (purchase events 2.4×
/// slower), which flattered this project's ratios.
pub const ARROW_JSON_BATCH_ROWS: usize = 1024;

/// Feeds one NDJSON line to an arrow_json decoder of [`ARROW_JSON_BATCH_ROWS`] rows. A full
/// decoder reads nothing more, so its rows go to `full` first.
pub fn arrow_json_decode(
    decoder: &mut arrow_json::reader::Decoder,
    line: &[u8],
    full: &mut Vec<arrow::record_batch::RecordBatch>,
) -> Result<(), arrow::error::ArrowError> {
    if decoder.len() >= ARROW_JSON_BATCH_ROWS {
        full.extend(decoder.flush()?);
    }
    decoder.decode(line)?;
    decoder.decode(b"\n")?;
    Ok(())
}

/// The event's Arrow schema, adjusted to what arrow_json 60 can decode: enum columns as plain
/// strings (it cannot decode into `Dictionary(Int8, Utf8)`) and UTC written as `+00:00`.
pub fn arrow_json_schema(d: &behavior_runtime::EventDescriptor) -> arrow::datatypes::SchemaRef {
    use arrow::datatypes::{DataType, Field, Schema};
    let fields: Vec<Field> = d
        .arrow_schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Dictionary(_, value) => {
                f.as_ref().clone().with_data_type(value.as_ref().clone())
            }
            // Same instant semantics; arrow_json parses named zones only with chrono-tz.
            DataType::Timestamp(unit, Some(_)) => f
                .as_ref()
                .clone()
                .with_data_type(DataType::Timestamp(*unit, Some("+00:00".into()))),
            _ => f.as_ref().clone(),
        })
        .collect();
    std::sync::Arc::new(Schema::new(fields))
}
