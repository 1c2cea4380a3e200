//! The type table: one logical type per supported Rust field type, and from it every physical
//! mapping (JSON Schema, Arrow, Parquet, Snowflake, DuckDB/dbt).
//!
//! `ColumnType::logical()` is the only place a Rust type chooses its row here; every exporter
//! reads this table, so the warehouse can never disagree with the decoder about a type.

use std::sync::Arc;

use arrow::datatypes::{DataType, Fields, TimeUnit};
use serde_json::{Value, json};

use crate::descriptor::FieldDesc;

/// The time zone written into Arrow (and so Parquet) timestamp types.
pub const UTC: &str = "UTC";

/// A field's logical type: what the value means, independent of any one format.
#[derive(Clone, Debug, PartialEq)]
pub enum Logical {
    String,
    Bool,
    Int32,
    Int64,
    /// Stored as Int64: Snowflake and Parquet readers disagree about unsigned logical types.
    UInt32,
    /// Stored as `Decimal128(20, 0)`: no signed 64-bit type holds it and Snowflake's
    /// `NUMBER(20, 0)` loads it exactly.
    UInt64,
    Float64,
    Decimal {
        precision: u8,
        scale: u8,
    },
    /// UTC instant, microseconds.
    Timestamp,
    Date,
    Uuid,
    /// A closed set of strings, dictionary-encoded.
    Enum(&'static [&'static str]),
    List(Box<FieldDesc>),
    Struct(Vec<FieldDesc>),
}

/// One row of the type table, as rendered in the README.
pub struct TableRow {
    pub rust: &'static str,
    pub logical: Logical,
}

impl Logical {
    /// The Arrow type of a column of this logical type.
    pub fn arrow_type(&self) -> DataType {
        match self {
            Logical::String | Logical::Uuid => DataType::Utf8,
            Logical::Bool => DataType::Boolean,
            Logical::Int32 => DataType::Int32,
            Logical::Int64 | Logical::UInt32 => DataType::Int64,
            Logical::UInt64 => DataType::Decimal128(20, 0),
            Logical::Float64 => DataType::Float64,
            Logical::Decimal { precision, scale } => DataType::Decimal128(*precision, *scale as i8),
            Logical::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
            Logical::Date => DataType::Date32,
            Logical::Enum(_) => {
                DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
            }
            Logical::List(item) => DataType::List(Arc::new(item.arrow_field())),
            Logical::Struct(fields) => DataType::Struct(struct_fields(fields)),
        }
    }

    /// The JSON Schema (draft 2020-12) of one value, before field-level rules are applied.
    pub fn json_schema(&self) -> Value {
        match self {
            Logical::String => json!({"type": "string"}),
            Logical::Bool => json!({"type": "boolean"}),
            Logical::Int32 => json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX}),
            Logical::Int64 => json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}),
            Logical::UInt32 => json!({"type": "integer", "minimum": 0, "maximum": u32::MAX}),
            Logical::UInt64 => json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
            Logical::Float64 => json!({"type": "number"}),
            Logical::Decimal { precision, scale } => {
                let limit = 10f64.powi(i32::from(*precision) - i32::from(*scale));
                json!({
                    "type": "number",
                    "exclusiveMinimum": -limit,
                    "exclusiveMaximum": limit,
                    "x-decimal": {"precision": precision, "scale": scale},
                })
            }
            Logical::Timestamp => json!({"type": "string", "format": "date-time"}),
            Logical::Date => json!({"type": "string", "format": "date"}),
            Logical::Uuid => json!({"type": "string", "format": "uuid"}),
            Logical::Enum(values) => json!({"type": "string", "enum": values}),
            Logical::List(item) => json!({"type": "array", "items": item.json_schema()}),
            Logical::Struct(fields) => object_schema(fields),
        }
    }

    /// The Snowflake column type Parquet of this type loads into with `USE_LOGICAL_TYPE = TRUE`.
    pub fn snowflake_type(&self) -> String {
        match self {
            Logical::String | Logical::Uuid | Logical::Enum(_) => "VARCHAR".into(),
            Logical::Bool => "BOOLEAN".into(),
            Logical::Int32 | Logical::UInt32 => "NUMBER(10, 0)".into(),
            Logical::Int64 => "NUMBER(19, 0)".into(),
            Logical::UInt64 => "NUMBER(20, 0)".into(),
            Logical::Float64 => "FLOAT".into(),
            Logical::Decimal { precision, scale } => format!("NUMBER({precision}, {scale})"),
            Logical::Timestamp => "TIMESTAMP_TZ(6)".into(),
            Logical::Date => "DATE".into(),
            Logical::List(_) => "ARRAY".into(),
            Logical::Struct(_) => "OBJECT".into(),
        }
    }

    /// The DuckDB type (what dbt-duckdb sees when it reads the lake's Parquet).
    pub fn duckdb_type(&self) -> String {
        match self {
            Logical::String | Logical::Uuid | Logical::Enum(_) => "VARCHAR".into(),
            Logical::Bool => "BOOLEAN".into(),
            Logical::Int32 => "INTEGER".into(),
            Logical::Int64 | Logical::UInt32 => "BIGINT".into(),
            Logical::UInt64 => "DECIMAL(20,0)".into(),
            Logical::Float64 => "DOUBLE".into(),
            Logical::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
            Logical::Timestamp => "TIMESTAMP WITH TIME ZONE".into(),
            Logical::Date => "DATE".into(),
            Logical::List(item) => format!("{}[]", item.ty.duckdb_type()),
            Logical::Struct(fields) => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{} {}", f.name, f.ty.duckdb_type()))
                    .collect();
                format!("STRUCT({})", inner.join(", "))
            }
        }
    }

    /// The Parquet physical and logical type Arrow's writer produces, for documentation.
    pub fn parquet_type(&self) -> String {
        match self {
            Logical::String | Logical::Uuid => "BYTE_ARRAY (STRING)".into(),
            Logical::Enum(_) => "BYTE_ARRAY (STRING), dictionary".into(),
            Logical::Bool => "BOOLEAN".into(),
            Logical::Int32 => "INT32".into(),
            Logical::Int64 | Logical::UInt32 => "INT64".into(),
            Logical::UInt64 => "FIXED_LEN_BYTE_ARRAY (DECIMAL(20, 0))".into(),
            Logical::Float64 => "DOUBLE".into(),
            Logical::Decimal { precision, scale } => {
                format!("INT64 or FIXED_LEN_BYTE_ARRAY (DECIMAL({precision}, {scale}))")
            }
            Logical::Timestamp => "INT64 (TIMESTAMP(MICROS, UTC))".into(),
            Logical::Date => "INT32 (DATE)".into(),
            Logical::List(_) => "LIST".into(),
            Logical::Struct(_) => "group".into(),
        }
    }

    /// Whether values repeat enough that Parquet dictionary encoding pays.
    pub fn low_cardinality(&self) -> bool {
        matches!(self, Logical::Enum(_) | Logical::Bool | Logical::Date)
    }

    /// A short name used in compatibility reports and docs.
    pub fn name(&self) -> String {
        match self {
            Logical::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            Logical::Enum(values) => format!("enum[{}]", values.join("|")),
            Logical::List(item) => format!("list<{}>", item.ty.name()),
            Logical::Struct(fields) => {
                let inner: Vec<String> = fields.iter().map(|f| f.name.to_string()).collect();
                format!("struct<{}>", inner.join(","))
            }
            other => format!("{other:?}").to_lowercase(),
        }
    }

    /// The table the README renders: every scalar row with a representative type.
    pub fn table() -> Vec<TableRow> {
        vec![
            TableRow {
                rust: "String",
                logical: Logical::String,
            },
            TableRow {
                rust: "bool",
                logical: Logical::Bool,
            },
            TableRow {
                rust: "i32",
                logical: Logical::Int32,
            },
            TableRow {
                rust: "i64",
                logical: Logical::Int64,
            },
            TableRow {
                rust: "u32",
                logical: Logical::UInt32,
            },
            TableRow {
                rust: "u64",
                logical: Logical::UInt64,
            },
            TableRow {
                rust: "f64",
                logical: Logical::Float64,
            },
            TableRow {
                rust: "Decimal<18, 2>",
                logical: Logical::Decimal {
                    precision: 18,
                    scale: 2,
                },
            },
            TableRow {
                rust: "Timestamp",
                logical: Logical::Timestamp,
            },
            TableRow {
                rust: "Date",
                logical: Logical::Date,
            },
            TableRow {
                rust: "Uuid",
                logical: Logical::Uuid,
            },
            TableRow {
                rust: "#[derive(BehaviorEnum)] enum",
                logical: Logical::Enum(&["a", "b"]),
            },
        ]
    }
}

pub(crate) fn struct_fields(fields: &[FieldDesc]) -> Fields {
    fields.iter().map(FieldDesc::arrow_field).collect()
}

pub(crate) fn object_schema(fields: &[FieldDesc]) -> Value {
    let properties: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| (f.name.to_string(), f.json_schema()))
        .collect();
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| !f.nullable)
        .map(|f| f.name)
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}
