//! The committed exports against the registry: no drift, valid JSON Schemas, and the drift
//! check itself catching changed, missing and stale files.

use std::path::{Path, PathBuf};

use behavior_warehouse::export::Drift;
use behavior_warehouse::{EXPORT_COMMAND, EXPORT_DIR, Export};

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(EXPORT_DIR)
}

#[test]
fn committed_exports_match_the_registry() {
    let drift = Export::new(behavior_schema::registry())
        .diff(&committed())
        .unwrap();
    let listed: Vec<String> = drift.iter().map(ToString::to_string).collect();
    assert!(
        drift.is_empty(),
        "{EXPORT_DIR}/ differs from what the registry exports now:\n  {}\nRegenerate it with \
         `{EXPORT_COMMAND}` (from the repository root) and commit the result.",
        listed.join("\n  ")
    );
}

#[test]
fn drift_check_finds_changed_missing_and_stale_files() {
    let export = Export::new(behavior_schema::registry());
    let dir = tempfile::tempdir().unwrap();
    export.write(dir.path()).unwrap();
    assert_eq!(export.diff(dir.path()).unwrap(), vec![]);

    let changed = PathBuf::from("snowflake/tables/search.v1.sql");
    let missing = PathBuf::from("json-schema/purchase.v1.json");
    let stale = PathBuf::from("dbt/models/staging/stg_old.sql");
    let text = std::fs::read_to_string(dir.path().join(&changed)).unwrap();
    std::fs::write(dir.path().join(&changed), text.replace("NOT NULL", "")).unwrap();
    std::fs::remove_file(dir.path().join(&missing)).unwrap();
    std::fs::write(dir.path().join(&stale), "select 1").unwrap();
    let mut drift = export.diff(dir.path()).unwrap();
    drift.sort_by_key(|d| format!("{d:?}"));
    assert_eq!(
        drift,
        vec![
            Drift::Changed(changed),
            Drift::Missing(missing),
            Drift::Stale(stale)
        ]
    );

    export.write(dir.path()).unwrap();
    assert_eq!(export.diff(dir.path()).unwrap(), vec![]);
}

#[test]
fn exported_json_schemas_are_valid_draft_2020_12_and_indexed() {
    let dir = committed().join("json-schema");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let listed: Vec<&str> = index["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    let registry = behavior_schema::registry();
    assert_eq!(listed.len(), registry.len());
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "index.json")
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, listed, "index.json lists exactly the schema files");
    for file in listed {
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        if let Err(error) = jsonschema::meta::validate(&schema) {
            panic!("{file} is not a valid JSON Schema: {error}");
        }
    }
}
