//! Parquet output: the writer settings every file of the lake is written with, in one place.

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;

use crate::descriptor::{EventDescriptor, LINEAGE_FIELDS};
use crate::logical::Logical;

/// zstd level 1. On the lake's files (a few thousand rows per file and column chunk, as a
/// Lambda batch of 6 MB gives) level 1 was both faster and 4% smaller than level 3 (1,000,000
/// generated events: 69.2 MB against 72.4 MB; `bench/convert-throughput`).
pub const ZSTD_LEVEL: i32 = 1;

/// Rows per row group: large enough for good compression and statistics pruning, small enough
/// that a reader's memory stays bounded.
pub const MAX_ROW_GROUP_ROWS: usize = 128 * 1024;

/// The writer settings for files of one event type.
///
/// - zstd compression;
/// - dictionary encoding where values repeat (enums, dates, booleans and free text such as
///   URLs, platforms, countries) and not where they never do (UUIDs, timestamps, floats), which
///   would only cost time before falling back to plain encoding;
/// - page-level statistics (min/max/null count) for pruning in Snowflake, DuckDB and Spark,
///   except on free-text and UUID columns (URLs, user agents, search queries, random ids,
///   `_message_id`), whose min and max prune nothing and cost a string comparison per value;
/// - format 1.0 data pages, which every reader (Snowflake included) supports;
/// - Arrow types kept as declared: timestamps stay INT64 TIMESTAMP(MICROS, UTC), never INT96;
///   lists name their element `element`, as the Parquet spec does (`Vec<T>` in the type table).
pub fn writer_properties(descriptor: &EventDescriptor) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).unwrap_or_default(),
        ))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(MAX_ROW_GROUP_ROWS))
        .set_created_by(concat!("behavior-runtime ", env!("CARGO_PKG_VERSION")).to_string());
    for field in &descriptor.fields {
        if matches!(
            field.ty,
            Logical::Uuid | Logical::Timestamp | Logical::Float64
        ) {
            builder = builder.set_column_dictionary_enabled(ColumnPath::from(field.name), false);
        }
    }
    // The lineage columns too: `_message_id` (random ids) gets none, `_ingested_at` keeps
    // them, for incremental loads that prune by ingestion time.
    for field in descriptor.fields.iter().chain(&LINEAGE_FIELDS) {
        if matches!(field.ty, Logical::String | Logical::Uuid) {
            builder = builder.set_column_statistics_enabled(
                ColumnPath::from(field.name),
                EnabledStatistics::None,
            );
        }
    }
    builder.build()
}

/// Writes batches of one event type as one Parquet file, in memory. The file's schema is the
/// batches' (the event's, plus any columns the caller added, such as ingestion metadata).
pub fn write_parquet(
    descriptor: &EventDescriptor,
    batches: &[RecordBatch],
) -> Result<Vec<u8>, ParquetError> {
    let schema = batches
        .first()
        .map_or_else(|| descriptor.arrow_schema(), RecordBatch::schema);
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(writer_properties(descriptor)))?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(out)
}
