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
        // A declared bound narrows the type's own (`u32`'s minimum 0), never widens it: the
        // decoder enforces both, so the schema must say the tighter one.
        let own =
            |map: &serde_json::Map<String, Value>, key: &str| map.get(key).and_then(Value::as_f64);
        let minimum = match (self.minimum, own(map, "minimum")) {
            (Some(declared), Some(own)) => Some(declared.max(own)),
            (declared, _) => declared,
        };
        let maximum = match (self.maximum, own(map, "maximum")) {
            (Some(declared), Some(own)) => Some(declared.min(own)),
            (declared, _) => declared,
        };
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.into(), value);
            }
        };
        set("minimum", minimum.map(number));
        set("maximum", maximum.map(number));
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
///
/// Validation patterns are small (`^[A-Z]{3}$`), so they compile to a fully built DFA: a
/// match is one table lookup per byte, where the general `Regex` engine spent more time
/// choosing a strategy than matching two letters. Patterns too big for a DFA use `Regex`.
#[derive(Debug)]
pub struct Pattern {
    pub source: &'static str,
    compiled: OnceLock<Matcher>,
}

#[derive(Debug)]
enum Matcher {
    /// `^[class]{n}$` over ASCII, the shape of codes (countries, currencies): a length check
    /// and a table lookup per byte.
    FixedClass {
        len: usize,
        allowed: u128,
    },
    Dfa(Box<regex_automata::dfa::dense::DFA<Vec<u32>>>),
    Regex(Regex),
    /// Does not compile (the derive checks patterns, so this is a second line of defence).
    Invalid,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `text` contains a match (JSON Schema `pattern` semantics: anchor with `^...$`).
    /// A pattern that does not compile matches nothing rather than panicking.
    pub fn is_match(&self, text: &str) -> bool {
        use regex_automata::dfa::Automaton;
        match self.compiled.get_or_init(|| self.compile()) {
            Matcher::Dfa(dfa) => {
                let input = regex_automata::Input::new(text).earliest(true);
                matches!(dfa.try_search_fwd(&input), Ok(Some(_)))
            }
            Matcher::FixedClass { len, allowed } => {
                text.len() == *len && text.bytes().all(|b| b < 128 && (allowed >> b) & 1 == 1)
            }
            Matcher::Regex(re) => re.is_match(text),
            Matcher::Invalid => false,
        }
    }

    fn compile(&self) -> Matcher {
        if let Some(fixed) = fixed_class(self.source) {
            return fixed;
        }
        const DFA_SIZE_LIMIT: usize = 1 << 20;
        let dfa = regex_automata::dfa::dense::Builder::new()
            .configure(
                regex_automata::dfa::dense::Config::new().dfa_size_limit(Some(DFA_SIZE_LIMIT)),
            )
            .build(self.source);
        match (dfa, Regex::new(self.source)) {
            (Ok(dfa), _) => Matcher::Dfa(Box::new(dfa)),
            (Err(_), Ok(re)) => Matcher::Regex(re),
            (Err(_), Err(_)) => Matcher::Invalid,
        }
    }
}

/// Recognises `^[class]{n}$` with an ASCII class; `None` for anything else.
fn fixed_class(source: &str) -> Option<Matcher> {
    use regex_syntax::hir::{Class, HirKind, Look};
    let hir = regex_syntax::parse(source).ok()?;
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let [start, repeat, end] = parts.as_slice() else {
        return None;
    };
    if start.kind() != &HirKind::Look(Look::Start) || end.kind() != &HirKind::Look(Look::End) {
        return None;
    }
    let HirKind::Repetition(rep) = repeat.kind() else {
        return None;
    };
    if rep.max != Some(rep.min) {
        return None;
    }
    // Bit c set: ASCII byte c is in the class.
    let mut allowed = 0u128;
    match rep.sub.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            for range in class.ranges() {
                let (lo, hi) = (u32::from(range.start()), u32::from(range.end()));
                if hi >= 128 {
                    return None;
                }
                (lo..=hi).for_each(|c| allowed |= 1 << c);
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            for range in class.ranges() {
                if range.end() >= 128 {
                    return None;
                }
                (range.start()..=range.end()).for_each(|c| allowed |= 1 << c);
            }
        }
        _ => return None,
    }
    Some(Matcher::FixedClass {
        len: rep.min as usize,
        allowed,
    })
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
    lake_schema: SchemaRef,
}

/// Wire key naming the event type; always the first column.
pub const EVENT_TYPE_KEY: &str = "event_type";
/// Optional wire key naming the schema version; absent means version 1.
pub const SCHEMA_VERSION_KEY: &str = "schema_version";

/// Lake column: when the converter received the event.
pub const INGESTED_AT_KEY: &str = "_ingested_at";
/// The lake's hive partition column (`event_date=YYYY-MM-DD`): the UTC date of `event_time`,
/// in the path rather than the file, and a column of every warehouse table.
pub const EVENT_DATE_KEY: &str = "event_date";
/// Lake column: the id of the queue message that carried the event.
pub const MESSAGE_ID_KEY: &str = "_message_id";

/// Columns the converter appends to every lake row, after the event's own: where and when the
/// row came from, so analysts can deduplicate (earliest ingestion wins) and trace a row back to
/// its message. Never on the wire; the leading underscore keeps them apart from declared fields.
pub static LINEAGE_FIELDS: [FieldDesc; 2] = [
    FieldDesc {
        name: INGESTED_AT_KEY,
        doc: "When the converter received the event (UTC).",
        ty: Logical::Timestamp,
        nullable: false,
        rules: &Rules::NONE,
    },
    FieldDesc {
        name: MESSAGE_ID_KEY,
        doc: "Id of the queue message that carried the event.",
        ty: Logical::String,
        nullable: false,
        rules: &Rules::NONE,
    },
];

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
        let columns: Vec<_> = columns.collect();
        let lake_columns: Vec<_> = columns
            .iter()
            .cloned()
            .chain(LINEAGE_FIELDS.iter().map(|f| Arc::new(f.arrow_field())))
            .collect();
        let schema = Arc::new(Schema::new_with_metadata(columns, metadata.clone()));
        let lake_schema = Arc::new(Schema::new_with_metadata(lake_columns, metadata));
        Self {
            event_type,
            version,
            doc,
            rust_name,
            fields,
            schema,
            lake_schema,
        }
    }

    /// The Arrow schema of a batch of this event: `event_type`, then the declared fields.
    pub fn arrow_schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The schema of this event's lake files: [`Self::arrow_schema`], then [`LINEAGE_FIELDS`].
    pub fn lake_schema(&self) -> SchemaRef {
        self.lake_schema.clone()
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

#[cfg(test)]
mod tests {
    use super::{Pattern, Rules};

    #[test]
    fn patterns_match_like_regex() {
        let cases = [
            (
                "^[A-Z]{2}$",
                &["US", "DE"][..],
                &["us", "USA", "U", "", "U1", "\u{c9}S"][..],
            ),
            ("^[A-Z]{3}$", &["EUR"], &["EU", "EURO", "eur"]),
            (
                "^SKU-[0-9]+$",
                &["SKU-1", "SKU-004211"],
                &["SKU-", "sku-1", "xSKU-1"],
            ),
            ("[0-9]", &["a1b"], &["abc"]),
        ];
        for (source, good, bad) in cases {
            let pattern = Pattern::new(source);
            let re = regex::Regex::new(source).unwrap();
            for text in good.iter().chain(bad) {
                assert_eq!(
                    pattern.is_match(text),
                    re.is_match(text),
                    "{source} on {text:?}"
                );
            }
            assert!(good.iter().all(|t| pattern.is_match(t)), "{source}");
            assert!(!bad.iter().any(|t| pattern.is_match(t)), "{source}");
        }
    }

    #[test]
    fn declared_bounds_narrow_the_types_own_never_widen_them() {
        let mut schema =
            serde_json::json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64});
        Rules {
            minimum: Some(-1.0),
            maximum: Some(100.0),
            ..Rules::NONE
        }
        .apply(&mut schema);
        assert_eq!(schema["minimum"], 0);
        assert_eq!(schema["maximum"], 100);
        let mut unbounded = serde_json::json!({"type": "integer"});
        Rules {
            minimum: Some(-1.0),
            ..Rules::NONE
        }
        .apply(&mut unbounded);
        assert_eq!(unbounded["minimum"], -1);
    }
}
