//! The runtime form of the derive's intermediate representation: what an event type is made of.
//!
//! The derive emits one `describe_fields` per type; everything that is not on the hot path
//! (Arrow schema, JSON Schema, warehouse exports, compatibility checks, docs) is computed from
//! these descriptors, never from the Rust types directly.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow::datatypes::{Field, Schema, SchemaRef};
use regex::Regex;
use serde_json::{Value, json};

use crate::logical::{Logical, object_schema};

/// Field metadata key holding the field's doc comment in the Arrow schema (and so in Parquet).
pub const DESCRIPTION_KEY: &str = "description";

/// Validation declared on a field with `#[behavior(...)]`, enforced by the decoder and exported
/// in the JSON Schema. Numeric bounds are inclusive.
#[derive(Debug, Default)]
pub struct Rules {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// Characters (Unicode scalar values), as JSON Schema counts them.
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub min_items: Option<u32>,
    pub max_items: Option<u32>,
    pub pattern: Option<Pattern>,
}

impl Rules {
    pub const NONE: Rules = Rules {
        minimum: None,
        maximum: None,
        min_length: None,
        max_length: None,
        min_items: None,
        max_items: None,
        pattern: None,
    };

    /// Adds these rules to a value's schema (inside `anyOf` for nullable fields).
    fn apply(&self, schema: &mut Value) {
        let Some(map) = schema.as_object_mut() else {
            return;
        };
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.into(), value);
            }
        };
        set("minimum", self.minimum.map(number));
        set("maximum", self.maximum.map(number));
        set("minLength", self.min_length.map(Value::from));
        set("maxLength", self.max_length.map(Value::from));
        set("minItems", self.min_items.map(Value::from));
        set("maxItems", self.max_items.map(Value::from));
        set(
            "pattern",
            self.pattern.as_ref().map(|p| Value::from(p.source)),
        );
    }
}

/// Integral bounds print as integers, so JSON Schema and warehouse exports read naturally.
fn number(bound: f64) -> Value {
    if bound.fract() == 0.0 && bound.abs() < 9.0e15 {
        json!(bound as i64)
    } else {
        json!(bound)
    }
}

/// A regular expression compiled on first use (rules live in statics).
#[derive(Debug)]
pub struct Pattern {
    pub source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `text` matches; a pattern that does not compile matches nothing (the derive
    /// checks patterns at compile time, so this is a second line of defence, not a panic).
    pub fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    }
}

/// One field (column) of an event or nested record.
#[derive(Clone, Debug)]
pub struct FieldDesc {
    /// Wire name: the JSON key, the JSON Schema property, the Arrow and warehouse column.
    pub name: &'static str,
    pub doc: &'static str,
    pub ty: Logical,
    pub nullable: bool,
    pub rules: &'static Rules,
}

impl PartialEq for FieldDesc {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.doc == other.doc
            && self.ty == other.ty
            && self.nullable == other.nullable
            && std::ptr::eq(self.rules, other.rules)
    }
}

impl FieldDesc {
    pub fn arrow_field(&self) -> Field {
        let field = Field::new(self.name, self.ty.arrow_type(), self.nullable);
        if self.doc.is_empty() {
            field
        } else {
            field.with_metadata(HashMap::from([(DESCRIPTION_KEY.into(), self.doc.into())]))
        }
    }

    pub fn json_schema(&self) -> Value {
        let mut schema = self.ty.json_schema();
        self.rules.apply(&mut schema);
        let mut schema = if self.nullable {
            json!({"anyOf": [schema, {"type": "null"}]})
        } else {
            schema
        };
        if !self.doc.is_empty() {
            schema["description"] = Value::from(self.doc);
        }
        schema
    }
}

/// Everything known about one event type and version.
#[derive(Debug)]
pub struct EventDescriptor {
    pub event_type: &'static str,
    pub version: u32,
    pub doc: &'static str,
    /// The Rust type, for messages.
    pub rust_name: &'static str,
    /// Declared fields in wire order, flattened records inlined. Excludes the envelope columns
    /// (`event_type`, `schema_version`) every event has.
    pub fields: Vec<FieldDesc>,
    schema: SchemaRef,
}

/// Wire key naming the event type; always the first column.
pub const EVENT_TYPE_KEY: &str = "event_type";
/// Optional wire key naming the schema version; absent means version 1.
pub const SCHEMA_VERSION_KEY: &str = "schema_version";

impl EventDescriptor {
    pub fn new(
        event_type: &'static str,
        version: u32,
        doc: &'static str,
        rust_name: &'static str,
        fields: Vec<FieldDesc>,
    ) -> Self {
        let event_type_field = Field::new(EVENT_TYPE_KEY, Logical::Enum(&[]).arrow_type(), false)
            .with_metadata(HashMap::from([(
                DESCRIPTION_KEY.into(),
                "The event type: what happened.".into(),
            )]));
        let columns = std::iter::once(Arc::new(event_type_field))
            .chain(fields.iter().map(|f| Arc::new(f.arrow_field())));
        let metadata = HashMap::from([
            ("behavior.event_type".to_string(), event_type.to_string()),
            ("behavior.schema_version".to_string(), version.to_string()),
        ]);
        let schema = Arc::new(Schema::new_with_metadata(
            columns.collect::<Vec<_>>(),
            metadata,
        ));
        Self {
            event_type,
            version,
            doc,
            rust_name,
            fields,
            schema,
        }
    }

    /// The Arrow schema of a batch of this event: `event_type`, then the declared fields.
    pub fn arrow_schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// `<event_type>.v<version>`, the name used for exported files.
    pub fn qualified_name(&self) -> String {
        format!("{}.v{}", self.event_type, self.version)
    }

    /// The JSON Schema (draft 2020-12) of the wire form of this event.
    pub fn json_schema(&self) -> Value {
        let mut schema = object_schema(&self.fields);
        let properties = schema["properties"].as_object_mut().expect("object schema");
        let mut all = serde_json::Map::new();
        all.insert(
            EVENT_TYPE_KEY.into(),
            json!({"const": self.event_type, "description": "The event type: what happened."}),
        );
        all.insert(
            SCHEMA_VERSION_KEY.into(),
            json!({
                "const": self.version,
                "description": "Version of this event type's schema; absent means 1.",
            }),
        );
        all.append(properties);
        schema["properties"] = Value::Object(all);
        let required = schema["required"].as_array_mut().expect("required list");
        required.insert(0, Value::from(EVENT_TYPE_KEY));
        if self.version != 1 {
            required.insert(1, Value::from(SCHEMA_VERSION_KEY));
        }
        let mut out = serde_json::Map::new();
        out.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        out.insert(
            "$id".into(),
            json!(format!("urn:behavior:event:{}", self.qualified_name())),
        );
        out.insert("title".into(), json!(self.event_type));
        if !self.doc.is_empty() {
            out.insert("description".into(), json!(self.doc));
        }
        out.extend(schema.as_object().cloned().unwrap_or_default());
        Value::Object(out)
    }

    /// The field at a wire name, searching nested records with dotted paths (`items.sku`).
    pub fn field(&self, path: &str) -> Option<&FieldDesc> {
        let mut fields = &self.fields;
        let mut found = None;
        for part in path.split('.') {
            let field = fields.iter().find(|f| f.name == part)?;
            found = Some(field);
            fields = match &field.ty {
                Logical::Struct(inner) => inner,
                Logical::List(item) => match &item.ty {
                    Logical::Struct(inner) => inner,
                    _ => fields,
                },
                _ => fields,
            };
        }
        found
    }
}
