//! The runtime behind `#[derive(BehaviorEvent)]`: everything generated code calls, and
//! everything computed from an event type's descriptor. It knows nothing of AWS.
//!
//! - [`types`]: timestamps, dates and decimals as the lake stores them;
//! - [`logical`]: the type table (Rust → JSON Schema → Arrow → Parquet → Snowflake → DuckDB);
//! - [`descriptor`]: the runtime form of an event type (fields, docs, rules);
//! - [`column_type`]: per-type mapping, decoding and fakes, and [`column`]: truncatable builders;
//! - [`record`]: records and events, their batch builders and the registry entry;
//! - [`de`]: serde `Deserialize` into the structs (not the hot path);
//! - [`decoder`] and [`error`]: the JSON pull decoder and why events are rejected;
//! - [`registry`]: event types at runtime and the message-body entry point;
//! - [`parquet`]: writer settings; [`fake`]: seeded fake values.

pub mod column;
pub mod column_type;
pub mod de;
pub mod decoder;
pub mod descriptor;
pub mod error;
pub mod fake;
pub mod logical;
pub mod parquet;
pub mod record;
pub mod registry;
pub mod types;
pub mod wire;

pub use column_type::{ColumnType, Uuid};
pub use descriptor::{EventDescriptor, FieldDesc, Rules};
pub use error::{DecodeError, ErrorDetail, ErrorKind};
pub use fake::Faker;
pub use logical::Logical;
pub use record::{Event, EventBatchBuilder, EventBuilder, EventKind, Kind, Record};
pub use registry::{BatchDecoder, Counts, Limits, Outcome, Registry};
pub use types::{Date, Decimal, Timestamp};

/// What generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::column::{Column, DictColumn, DictValues};
    pub use crate::column_type::{ColumnType, field, rule_kinds};
    pub use crate::de::{RecordPartial, Text, deserialize_event, deserialize_record, take};
    pub use crate::decoder::Peek;
    pub use crate::decoder::{Decoder, wrong_type};
    pub use crate::descriptor::{EventDescriptor, FieldDesc, Pattern, Rules};
    pub use crate::error::{DecodeError, ErrorKind};
    pub use crate::fake::Faker;
    pub use crate::logical::Logical;
    pub use crate::record::{
        Event, Record, RecordColumns, StructColumn, build_descriptor, describe, missing_field,
        not_in_enum, serialize_event,
    };
    pub use arrow::array::ArrayRef;
    pub use arrow::datatypes::FieldRef;
    pub use serde::de::{Deserialize, Deserializer, Error as DeError, MapAccess};
    pub use serde::ser::{Serialize, SerializeMap, Serializer};
    pub use std::sync::OnceLock;
}
