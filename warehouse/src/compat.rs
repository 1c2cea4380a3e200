//! The compatibility check: the registry's JSON Schemas against a committed export (a
//! directory or a git ref), every change classified by the rule it falls under.
//!
//! Semantics are Confluent Schema Registry's, per subject (`<event_type>.v<version>`):
//! BACKWARD means the new schema reads everything written with the old one (consumers upgrade
//! first); FORWARD means the old schema reads everything written with the new one (producers
//! upgrade first); FULL is both. Like Confluent's FORWARD check (the BACKWARD check with the
//! schemas swapped), each rule says which direction it breaks. The schemas have a closed
//! content model (`additionalProperties: false`, and the decoder rejects unknown fields), so
//! adding an optional field is BACKWARD-compatible but not FORWARD-compatible: an old reader
//! rejects the new field. Widening is BACKWARD-compatible; narrowing FORWARD-compatible.
//!
//! A breaking change passes only as a version bump: the changed type becomes a new subject
//! (`<event_type>.v<N+1>`, its own lake path and table) and the old version stays registered
//! unchanged. Removing a registered version is breaking: its data has no reader any more.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::process::Command;

use behavior_runtime::Registry;
use serde_json::Value;

/// Which readers must keep working.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// New schemas read old data.
    Backward,
    /// Old schemas read new data.
    Forward,
    /// Both.
    Full,
}

impl Mode {
    fn backward(self) -> bool {
        matches!(self, Mode::Backward | Mode::Full)
    }
    fn forward(self) -> bool {
        matches!(self, Mode::Forward | Mode::Full)
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "backward" => Ok(Mode::Backward),
            "forward" => Ok(Mode::Forward),
            "full" => Ok(Mode::Full),
            _ => Err(format!("unknown mode {s:?}: backward, forward or full")),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Backward => "BACKWARD",
            Mode::Forward => "FORWARD",
            Mode::Full => "FULL",
        })
    }
}

/// The rule a change falls under.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// A registered event type version is gone: its data has no reader.
    EventRemoved,
    /// A new event type or version: a new subject, nothing to be compatible with.
    EventAdded,
    FieldRemoved {
        was_required: bool,
    },
    /// A field removed and one added with the same schema: a rename.
    FieldRenamed {
        to: String,
    },
    FieldAdded {
        required: bool,
    },
    TypeChanged {
        from: String,
        to: String,
    },
    OptionalToRequired,
    RequiredToOptional,
    /// A bound (`minimum`, `maxLength`, ...) tightened, or added.
    BoundNarrowed {
        keyword: String,
        from: String,
        to: String,
    },
    /// A bound loosened, or removed.
    BoundWidened {
        keyword: String,
        from: String,
        to: String,
    },
    EnumNarrowed {
        removed: Vec<String>,
    },
    EnumWidened {
        added: Vec<String>,
    },
    PatternChanged {
        from: String,
        to: String,
    },
}

impl Rule {
    /// Whether data written with the old schema can fail the new one.
    pub fn breaks_backward(&self) -> bool {
        match self {
            Rule::EventRemoved
            | Rule::FieldRenamed { .. }
            | Rule::TypeChanged { .. }
            | Rule::OptionalToRequired
            | Rule::BoundNarrowed { .. }
            | Rule::EnumNarrowed { .. }
            | Rule::PatternChanged { .. } => true,
            // Closed content model: old data still carries the removed field.
            Rule::FieldRemoved { .. } => true,
            Rule::FieldAdded { required } => *required,
            Rule::EventAdded
            | Rule::RequiredToOptional
            | Rule::BoundWidened { .. }
            | Rule::EnumWidened { .. } => false,
        }
    }

    /// Whether data written with the new schema can fail the old one.
    pub fn breaks_forward(&self) -> bool {
        match self {
            Rule::EventRemoved
            | Rule::FieldRenamed { .. }
            | Rule::TypeChanged { .. }
            | Rule::RequiredToOptional
            | Rule::BoundWidened { .. }
            | Rule::EnumWidened { .. }
            | Rule::PatternChanged { .. } => true,
            Rule::FieldRemoved { was_required } => *was_required,
            // Closed content model: the old schema rejects the new field.
            Rule::FieldAdded { .. } => true,
            Rule::EventAdded
            | Rule::OptionalToRequired
            | Rule::BoundNarrowed { .. }
            | Rule::EnumNarrowed { .. } => false,
        }
    }

    pub fn breaks(&self, mode: Mode) -> bool {
        (mode.backward() && self.breaks_backward()) || (mode.forward() && self.breaks_forward())
    }

    /// The rule's name, stable for scripts and tests.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::EventRemoved => "event_removed",
            Rule::EventAdded => "event_added",
            Rule::FieldRemoved { .. } => "field_removed",
            Rule::FieldRenamed { .. } => "field_renamed",
            Rule::FieldAdded { required: true } => "required_field_added",
            Rule::FieldAdded { required: false } => "optional_field_added",
            Rule::TypeChanged { .. } => "type_changed",
            Rule::OptionalToRequired => "optional_to_required",
            Rule::RequiredToOptional => "required_to_optional",
            Rule::BoundNarrowed { .. } => "bound_narrowed",
            Rule::BoundWidened { .. } => "bound_widened",
            Rule::EnumNarrowed { .. } => "enum_narrowed",
            Rule::EnumWidened { .. } => "enum_widened",
            Rule::PatternChanged { .. } => "pattern_changed",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name();
        match self {
            Rule::FieldRemoved { was_required } => write!(
                f,
                "{name} (was {})",
                if *was_required {
                    "required"
                } else {
                    "optional"
                }
            ),
            Rule::FieldRenamed { to } => write!(f, "{name} (to {to})"),
            Rule::TypeChanged { from, to } => write!(f, "{name} ({from} → {to})"),
            Rule::BoundNarrowed { keyword, from, to }
            | Rule::BoundWidened { keyword, from, to } => {
                write!(f, "{name} ({keyword} {from} → {to})")
            }
            Rule::EnumNarrowed { removed } => write!(f, "{name} (removed {})", removed.join(", ")),
            Rule::EnumWidened { added } => write!(f, "{name} (added {})", added.join(", ")),
            Rule::PatternChanged { from, to } => write!(f, "{name} ({from} → {to})"),
            _ => f.write_str(name),
        }
    }
}

/// One change of one subject.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `<event_type>.v<version>`.
    pub subject: String,
    /// JSONPath of the field (`$` for the subject itself, `$.items[].sku` inside lists).
    pub path: String,
    pub rule: Rule,
}

/// JSON Schemas by subject.
pub type Schemas = BTreeMap<String, Value>;

/// The registry's schemas.
pub fn current(registry: &Registry) -> Schemas {
    registry
        .descriptors()
        .map(|d| (d.qualified_name(), d.json_schema()))
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{0} does not list its schemas (json-schema/index.json, key `schemas`)")]
    Index(String),
    #[error("git show {spec}: {message}")]
    Git { spec: String, message: String },
}

/// The schemas of an export directory (`<dir>/json-schema/index.json` and its files).
pub fn load_dir(dir: &Path) -> Result<Schemas, LoadError> {
    load(|rel| {
        let path = dir.join(rel);
        std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
            path: path.display().to_string(),
            source,
        })
    })
}

/// The schemas of the export directory `export_dir` (relative to the current directory) at
/// git revision `rev`.
pub fn load_git(rev: &str, export_dir: &str) -> Result<Schemas, LoadError> {
    load(|rel| {
        let spec = format!("{rev}:./{export_dir}/{rel}");
        let output = Command::new("git")
            .args(["show", &spec])
            .output()
            .map_err(|e| LoadError::Git {
                spec: spec.clone(),
                message: e.to_string(),
            })?;
        if !output.status.success() {
            return Err(LoadError::Git {
                spec,
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    })
}

fn load(read: impl Fn(&str) -> Result<String, LoadError>) -> Result<Schemas, LoadError> {
    let parse = |rel: &str| -> Result<Value, LoadError> {
        serde_json::from_str(&read(rel)?).map_err(|source| LoadError::Json {
            path: rel.to_string(),
            source,
        })
    };
    let index_path = "json-schema/index.json";
    let index = parse(index_path)?;
    let entries = index["schemas"]
        .as_array()
        .ok_or_else(|| LoadError::Index(index_path.into()))?;
    let mut out = Schemas::new();
    for entry in entries {
        let (Some(event_type), Some(version), Some(file)) = (
            entry["event_type"].as_str(),
            entry["version"].as_u64(),
            entry["file"].as_str(),
        ) else {
            return Err(LoadError::Index(index_path.into()));
        };
        let schema = parse(&format!("json-schema/{file}"))?;
        out.insert(format!("{event_type}.v{version}"), schema);
    }
    Ok(out)
}

/// Every change from `old` to `new`, subject by subject.
pub fn compare(old: &Schemas, new: &Schemas) -> Vec<Change> {
    let mut changes = Vec::new();
    for (subject, old_schema) in old {
        match new.get(subject) {
            None => changes.push(Change {
                subject: subject.clone(),
                path: "$".into(),
                rule: Rule::EventRemoved,
            }),
            Some(new_schema) => {
                let mut push = |path: String, rule| {
                    changes.push(Change {
                        subject: subject.clone(),
                        path,
                        rule,
                    })
                };
                compare_object("$", old_schema, new_schema, &mut push);
            }
        }
    }
    for subject in new.keys().filter(|s| !old.contains_key(*s)) {
        changes.push(Change {
            subject: subject.clone(),
            path: "$".into(),
            rule: Rule::EventAdded,
        });
    }
    changes
}

/// `{"anyOf": [T, {"type": "null"}]}` → (T, true); anything else → (it, false).
fn unwrap_nullable(schema: &Value) -> (&Value, bool) {
    if let Some(any) = schema["anyOf"].as_array()
        && any.len() == 2
        && any[1]["type"] == "null"
    {
        return (&any[0], true);
    }
    (schema, false)
}

/// What a value is, apart from its constraints: JSON type, format, decimal precision.
fn kind(schema: &Value) -> String {
    if let Some(value) = schema.get("const") {
        return format!("const {value}");
    }
    let mut kind = schema["type"].as_str().unwrap_or("any").to_string();
    if let Some(format) = schema["format"].as_str() {
        kind = format!("{kind}({format})");
    }
    if let Some(decimal) = schema.get("x-decimal") {
        kind = format!("decimal({},{})", decimal["precision"], decimal["scale"]);
    }
    kind
}

/// A schema without its descriptions, to recognise a renamed field.
fn shape(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "description")
                .map(|(k, v)| (k.clone(), shape(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        other => other.clone(),
    }
}

fn required(schema: &Value) -> BTreeSet<&str> {
    schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn compare_object(path: &str, old: &Value, new: &Value, push: &mut impl FnMut(String, Rule)) {
    let empty = serde_json::Map::new();
    let old_props = old["properties"].as_object().unwrap_or(&empty);
    let new_props = new["properties"].as_object().unwrap_or(&empty);
    let (old_req, new_req) = (required(old), required(new));
    let is_required = |req: &BTreeSet<&str>, props: &serde_json::Map<String, Value>, name: &str| {
        req.contains(name) && !unwrap_nullable(&props[name]).1
    };
    let mut added: Vec<&String> = new_props
        .keys()
        .filter(|k| !old_props.contains_key(*k))
        .collect();
    for (name, old_field) in old_props {
        let field_path = format!("{path}.{name}");
        let was_required = is_required(&old_req, old_props, name);
        match new_props.get(name) {
            Some(new_field) => {
                let now_required = is_required(&new_req, new_props, name);
                match (was_required, now_required) {
                    (false, true) => push(field_path.clone(), Rule::OptionalToRequired),
                    (true, false) => push(field_path.clone(), Rule::RequiredToOptional),
                    _ => {}
                }
                compare_value(
                    &field_path,
                    unwrap_nullable(old_field).0,
                    unwrap_nullable(new_field).0,
                    push,
                );
            }
            None => {
                let renamed = added.iter().position(|a| {
                    shape(&new_props[a.as_str()]) == shape(old_field)
                        && is_required(&new_req, new_props, a) == was_required
                });
                match renamed {
                    Some(i) => {
                        let to = added.remove(i);
                        push(field_path, Rule::FieldRenamed { to: to.clone() });
                    }
                    None => push(field_path, Rule::FieldRemoved { was_required }),
                }
            }
        }
    }
    for name in added {
        push(
            format!("{path}.{name}"),
            Rule::FieldAdded {
                required: is_required(&new_req, new_props, name),
            },
        );
    }
}

const LOWER_BOUNDS: [&str; 4] = ["minimum", "exclusiveMinimum", "minLength", "minItems"];
const UPPER_BOUNDS: [&str; 4] = ["maximum", "exclusiveMaximum", "maxLength", "maxItems"];

fn compare_value(path: &str, old: &Value, new: &Value, push: &mut impl FnMut(String, Rule)) {
    let (old_kind, new_kind) = (kind(old), kind(new));
    if old_kind != new_kind {
        push(
            path.to_string(),
            Rule::TypeChanged {
                from: old_kind,
                to: new_kind,
            },
        );
        return;
    }
    let show = |v: Option<&Value>| v.map_or("none".to_string(), Value::to_string);
    for (keywords, lower) in [(LOWER_BOUNDS, true), (UPPER_BOUNDS, false)] {
        for keyword in keywords {
            let (o, n) = (old.get(keyword), new.get(keyword));
            let narrowed = match (o.and_then(Value::as_f64), n.and_then(Value::as_f64)) {
                (None, None) => continue,
                (Some(o), Some(n)) if o == n => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(o), Some(n)) => (n > o) == lower,
            };
            let (keyword, from, to) = (keyword.to_string(), show(o), show(n));
            push(
                path.to_string(),
                if narrowed {
                    Rule::BoundNarrowed { keyword, from, to }
                } else {
                    Rule::BoundWidened { keyword, from, to }
                },
            );
        }
    }
    compare_enum(path, old, new, push);
    if old.get("pattern") != new.get("pattern") {
        push(
            path.to_string(),
            Rule::PatternChanged {
                from: show(old.get("pattern")),
                to: show(new.get("pattern")),
            },
        );
    }
    match old["type"].as_str() {
        Some("object") => compare_object(path, old, new, push),
        Some("array") => compare_value(
            &format!("{path}[]"),
            unwrap_nullable(&old["items"]).0,
            unwrap_nullable(&new["items"]).0,
            push,
        ),
        _ => {}
    }
}

fn compare_enum(path: &str, old: &Value, new: &Value, push: &mut impl FnMut(String, Rule)) {
    let values = |v: &Value| -> Option<BTreeSet<String>> {
        v.get("enum")?.as_array().map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or("?").to_string())
                .collect()
        })
    };
    match (values(old), values(new)) {
        (None, None) => {}
        (Some(_), None) => push(
            path.to_string(),
            Rule::EnumWidened {
                added: vec!["any value".into()],
            },
        ),
        (None, Some(_)) => push(
            path.to_string(),
            Rule::EnumNarrowed {
                removed: vec!["any other value".into()],
            },
        ),
        (Some(o), Some(n)) => {
            let removed: Vec<String> = o.difference(&n).cloned().collect();
            let added: Vec<String> = n.difference(&o).cloned().collect();
            if !removed.is_empty() {
                push(path.to_string(), Rule::EnumNarrowed { removed });
            }
            if !added.is_empty() {
                push(path.to_string(), Rule::EnumWidened { added });
            }
        }
    }
}

/// The outcome of a check: every subject and its changes under one mode.
pub struct Report {
    pub mode: Mode,
    pub against: String,
    /// Every subject of either side.
    pub subjects: BTreeSet<String>,
    pub changes: Vec<Change>,
}

impl Report {
    pub fn new(mode: Mode, against: String, old: &Schemas, new: &Schemas) -> Self {
        Self {
            mode,
            against,
            subjects: old.keys().chain(new.keys()).cloned().collect(),
            changes: compare(old, new),
        }
    }

    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.rule.breaks(self.mode))
    }

    pub fn is_compatible(&self) -> bool {
        self.breaking().next().is_none()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "check-compat: the registry against {} (mode {})",
            self.against, self.mode
        )?;
        for subject in &self.subjects {
            let changes: Vec<&Change> = self
                .changes
                .iter()
                .filter(|c| &c.subject == subject)
                .collect();
            let verdict = if changes.is_empty() {
                "unchanged"
            } else if changes.iter().any(|c| c.rule.breaks(self.mode)) {
                "BREAKING"
            } else {
                "compatible"
            };
            writeln!(f, "  {subject}: {verdict}")?;
            for change in changes {
                let mut broken = Vec::new();
                if change.rule.breaks_backward() {
                    broken.push("BACKWARD");
                }
                if change.rule.breaks_forward() {
                    broken.push("FORWARD");
                }
                let effect = if broken.is_empty() {
                    "compatible in every mode".to_string()
                } else {
                    format!("breaks {}", broken.join(" and "))
                };
                let mark = if change.rule.breaks(self.mode) {
                    "✗"
                } else {
                    "✓"
                };
                writeln!(f, "    {mark} {}: {} — {effect}", change.path, change.rule)?;
            }
        }
        let breaking: BTreeSet<&str> = self.breaking().map(|c| c.subject.as_str()).collect();
        if breaking.is_empty() {
            write!(f, "check-compat: compatible under {}", self.mode)
        } else {
            write!(
                f,
                "check-compat: {} breaking change(s) under {} in {}. A breaking change needs a \
                 new version: keep the old struct and add one with `version = N+1` (a new \
                 subject, lake path and table).",
                self.breaking().count(),
                self.mode,
                breaking.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
    }
}
