//! What the warehouse sees: one table per event type and version, its columns in lake order,
//! the context columns every type shares, and the quarantine.

use std::collections::BTreeMap;

use behavior_runtime::descriptor::{EVENT_TYPE_KEY, LINEAGE_FIELDS};
use behavior_runtime::{EventDescriptor, FieldDesc, Logical, Registry, Rules};

/// The hive partition column of every event table: the UTC date of `event_time`.
pub const EVENT_DATE: &str = behavior_runtime::descriptor::EVENT_DATE_KEY;
/// The dbt source (and Snowflake schema) holding the raw tables.
pub const SOURCE_NAME: &str = "behavior";
/// The quarantine's table name.
pub const QUARANTINE_TABLE: &str = "rejected_events";
/// The quarantine's directory in the lake.
pub const QUARANTINE_DIR: &str = "_rejected";

/// The header of every generated text file that allows comments.
pub fn generated_header(comment: &str) -> String {
    format!(
        "{comment} Generated from the event registry by `{}`; do not edit.\n",
        crate::EXPORT_COMMAND
    )
}

/// One quarantine column: the keys of every line of `<lake>/_rejected/**/*.ndjson` (the
/// converter's `Rejection`). The dbt test reads real quarantine files, so a key added there
/// and not here fails it.
pub struct QuarantineColumn {
    pub name: &'static str,
    pub doc: &'static str,
    pub ty: Logical,
    pub nullable: bool,
}

/// The quarantine's columns, in file order.
pub fn quarantine_columns() -> Vec<QuarantineColumn> {
    let column = |name, doc, ty, nullable| QuarantineColumn {
        name,
        doc,
        ty,
        nullable,
    };
    vec![
        column(
            "message_id",
            "Id of the queue message that carried the event.",
            Logical::String,
            false,
        ),
        // Nullable: quarantine files written before it was added lack it.
        column(
            "ordinal",
            "The event's ordinal in its message body, from 1 (blank lines not counted); with message_id, the rejection's key (a redelivered message is quarantined again).",
            Logical::UInt32,
            true,
        ),
        column(
            "received_at",
            "When the converter received the message (UTC).",
            Logical::Timestamp,
            false,
        ),
        column(
            "event_type",
            "The event type, when the envelope could be read.",
            Logical::String,
            true,
        ),
        column(
            "error_kind",
            "Why the event was rejected (malformed_json, wrong_type, missing_field, ...).",
            Logical::String,
            false,
        ),
        column(
            "field_path",
            "JSONPath of the offending value ($ for the event as a whole).",
            Logical::String,
            false,
        ),
        column(
            "error_message",
            "The decoder's message.",
            Logical::String,
            false,
        ),
        column(
            "raw",
            "The event's bytes as text (invalid UTF-8 replaced by U+FFFD).",
            Logical::String,
            false,
        ),
        column(
            "raw_base64",
            "The event's exact bytes, base64.",
            Logical::String,
            false,
        ),
    ]
}

static EVENT_DATE_FIELD: FieldDesc = FieldDesc {
    name: EVENT_DATE,
    doc: "UTC date of event_time: the lake's hive partition (event_date=YYYY-MM-DD).",
    ty: Logical::Date,
    nullable: false,
    rules: &Rules::NONE,
};

/// The registry as the warehouse sees it.
pub struct Contract {
    /// Every event type and version, ordered by type then version.
    pub events: Vec<&'static EventDescriptor>,
    /// The fields every event type has (same name, type and nullability), in the order of
    /// the first type: the shared context (`EventContext`) that `stg_events` carries.
    pub context: Vec<FieldDesc>,
}

impl Contract {
    pub fn new(registry: &Registry) -> Self {
        let mut events: Vec<_> = registry.descriptors().collect();
        events.sort_by_key(|d| (d.event_type, d.version));
        let context = match events.first() {
            Some(first) => first
                .fields
                .iter()
                .filter(|f| {
                    events.iter().all(|d| {
                        d.fields
                            .iter()
                            .any(|g| g.name == f.name && g.ty == f.ty && g.nullable == f.nullable)
                    })
                })
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        Self { events, context }
    }

    /// The versions of each event type, oldest first.
    pub fn by_type(&self) -> BTreeMap<&'static str, Vec<&'static EventDescriptor>> {
        let mut out: BTreeMap<_, Vec<_>> = BTreeMap::new();
        for d in &self.events {
            out.entry(d.event_type).or_default().push(*d);
        }
        out
    }
}

/// The table (Snowflake table, dbt source table) of an event type and version.
pub fn table_name(d: &EventDescriptor) -> String {
    format!("{}_v{}", d.event_type, d.version)
}

/// Where an event type and version lives in the lake, relative to its prefix.
pub fn lake_path(d: &EventDescriptor) -> String {
    format!("{}/v{}", d.event_type, d.version)
}

/// The `event_type` envelope column, first in every table.
pub fn event_type_column() -> FieldDesc {
    FieldDesc {
        name: EVENT_TYPE_KEY,
        doc: "The event type: what happened.",
        ty: Logical::String,
        nullable: false,
        rules: &Rules::NONE,
    }
}

/// Every column of an event table, in lake order: `event_type`, the declared fields, the
/// lineage columns, then the partition column `event_date`.
pub fn columns(d: &EventDescriptor) -> Vec<FieldDesc> {
    std::iter::once(event_type_column())
        .chain(d.fields.iter().cloned())
        .chain(LINEAGE_FIELDS.iter().cloned())
        .chain(std::iter::once(EVENT_DATE_FIELD.clone()))
        .collect()
}

/// The lineage and partition columns every staging model keeps after the context.
pub fn trailing_columns() -> Vec<FieldDesc> {
    LINEAGE_FIELDS
        .iter()
        .cloned()
        .chain(std::iter::once(EVENT_DATE_FIELD.clone()))
        .collect()
}
