//! `json-schema/<event_type>.v<version>.json` for every event type and version, and
//! `json-schema/index.json` listing them.

use serde_json::{Value, json};

use crate::contract::Contract;

/// The exported files, relative paths and contents.
pub fn render(contract: &Contract) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut index = Vec::new();
    for d in &contract.events {
        let file = format!("{}.json", d.qualified_name());
        let schema = d.json_schema();
        index.push(json!({
            "event_type": d.event_type,
            "version": d.version,
            "$id": schema["$id"],
            "file": file,
            "description": d.doc,
        }));
        files.push((format!("json-schema/{file}"), pretty(&schema)));
    }
    let index = json!({
        "$comment": crate::contract::generated_header("").trim(),
        "schemas": index,
    });
    files.push(("json-schema/index.json".into(), pretty(&index)));
    files
}

/// Two-space JSON with a final newline and keys sorted, as committed. Sorted explicitly:
/// whether `serde_json` keeps insertion order depends on which crates of the build enable its
/// `preserve_order` feature, and the export must not.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(value)).expect("JSON values serialize");
    text.push('\n');
    text
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
