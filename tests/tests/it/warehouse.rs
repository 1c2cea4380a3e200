//! The committed warehouse exports against real tools: the Snowflake SQL through sqlglot's
//! Snowflake parser (a syntax check, not an execution), and the dbt project built with
//! dbt-duckdb over a lake the pipeline made from dirty traffic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use behavior_tests::{bin, check, expected_kind, python};
use serde_json::Value;

fn exports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../exports")
}

/// The last line of stdout that is a JSON object.
fn json_line(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON line in:\n{stdout}"));
    serde_json::from_str(line).unwrap()
}

/// Parses every statement strictly; `CREATE PIPE` (which sqlglot keeps as an opaque command)
/// is split at its `AS` and the `COPY INTO` it wraps is parsed strictly. Prints, per file,
/// each statement's kind, and per table its columns.
const SQLGLOT_CHECK: &str = r#"
import json, pathlib, sys
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

def parse(sql, where):
    statements = sqlglot.parse(sql, read="snowflake", error_level=ErrorLevel.RAISE)
    return [s for s in statements if s is not None]

def kind(statement, where):
    if isinstance(statement, exp.Command):
        text = f"{statement.this} {statement.expression.strip()}"
        head, sep, body = text.partition(" AS\n")
        if not (text.startswith("CREATE PIPE") and sep):
            sys.exit(f"{where}: sqlglot could not parse, kept as a command: {text[:120]}")
        if "AUTO_INGEST = TRUE" not in head:
            sys.exit(f"{where}: pipe without AUTO_INGEST = TRUE")
        inner = parse(body, where)
        if len(inner) != 1 or not isinstance(inner[0], exp.Copy):
            sys.exit(f"{where}: the pipe does not wrap one COPY INTO")
        return "pipe:" + copy_kind(inner[0])
    if isinstance(statement, exp.Copy):
        return "copy:" + copy_kind(statement)
    if isinstance(statement, exp.Create):
        return "create:" + str(statement.args.get("kind")).lower()
    if isinstance(statement, exp.Alter):
        [action] = statement.args["actions"]
        if not (isinstance(action, exp.ColumnDef) and action.args.get("exists")):
            sys.exit(f"{where}: an ALTER that is not ADD COLUMN IF NOT EXISTS: {statement.sql()[:120]}")
        return f"add:{statement.this.name}.{action.name}"
    return type(statement).__name__.lower()

def copy_kind(copy):
    text = copy.sql(dialect="snowflake").upper()
    if "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE" not in text.replace("=", " = ").replace("  ", " "):
        sys.exit(f"COPY without MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE: {text[:200]}")
    return copy.this.name

out = {}
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.sql")):
    where = str(path.relative_to(sys.argv[1]))
    statements = parse(path.read_text(), where)
    kinds = [kind(s, where) for s in statements]
    tables = {}
    for s in statements:
        if isinstance(s, exp.Create) and str(s.args.get("kind")).upper() == "TABLE":
            tables[s.this.this.name] = [c.name for c in s.this.expressions if isinstance(c, exp.ColumnDef)]
    out[where] = {"statements": kinds, "tables": tables}
print(json.dumps(out))
"#;

#[test]
fn snowflake_sql_parses_with_sqlglot() {
    let dir = exports().join("snowflake");
    let output = check(
        python()
            .args(["-c", SQLGLOT_CHECK])
            .arg(&dir)
            .output()
            .unwrap(),
        "sqlglot",
    );
    let parsed = json_line(&output);
    let files = parsed.as_object().unwrap();

    let setup: Vec<&str> = files["setup.sql"]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for kind in [
        "create:storage integration",
        "create:file format",
        "create:stage",
    ] {
        assert!(setup.contains(&kind), "setup.sql lacks {kind}: {setup:?}");
    }

    // One file per event type and version: table, backfill COPY, pipe; the table's columns
    // are the schema's properties (less schema_version, not a column) and the lineage and
    // partition columns, in order.
    let registry_dir = exports().join("json-schema");
    let mut tables = 0;
    for entry in std::fs::read_dir(&registry_dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(qualified) = name.strip_suffix(".json").filter(|n| *n != "index") else {
            continue;
        };
        tables += 1;
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(registry_dir.join(&name)).unwrap())
                .unwrap();
        let table = qualified.replace(".v", "_v");
        let file = &files[&format!("tables/{qualified}.sql")];
        // Rerunnable after a compatible change: every optional column (in the table's order,
        // which the JSON Schema's sorted map does not keep) is added if missing.
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let mut adds: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "schema_version" && !required.contains(&k.as_str()))
            .map(|k| format!("add:{table}.{k}"))
            .collect();
        adds.sort();
        let statements: Vec<String> = serde_json::from_value(file["statements"].clone()).unwrap();
        let (mut found_adds, others): (Vec<String>, Vec<String>) =
            statements.into_iter().partition(|s| s.starts_with("add:"));
        found_adds.sort();
        assert_eq!(found_adds, adds, "{qualified}");
        assert!(
            !adds.is_empty(),
            "{qualified}: the context's optional columns"
        );
        assert_eq!(
            others,
            [
                "use".to_string(),
                "create:table".into(),
                format!("copy:{table}"),
                format!("pipe:{table}")
            ],
            "{qualified}"
        );
        let mut expected: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "schema_version")
            .cloned()
            .collect();
        expected.extend(["_ingested_at", "_message_id", "event_date"].map(String::from));
        // serde_json's maps are sorted; the column order is checked against the lake's Parquet
        // in the dbt test (the sources list the columns in the same order as these tables).
        expected.sort();
        let mut found: Vec<String> =
            serde_json::from_value(file["tables"][&table].clone()).unwrap();
        found.sort();
        assert_eq!(found, expected, "{qualified}");
    }
    assert!(tables >= 8, "{tables} event tables");
    assert_eq!(files.len(), tables + 2, "setup, tables, quarantine");
    assert_eq!(
        files["quarantine.sql"]["statements"],
        serde_json::json!([
            "use",
            "create:table",
            "add:rejected_events.ordinal",
            "add:rejected_events.event_type",
            "copy:rejected_events",
            "pipe:rejected_events"
        ])
    );
}

/// The receipt time of the simulated redelivery, later than any real one.
const LATE_RECEIPT: &str = "2099-01-01T00:00:00Z";
/// Added to an ordinal for the simulated second event with the same bytes (no body of the
/// test's pipeline holds that many events; the inspection below counts them apart by it).
const TWIN_ORDINAL: u64 = 1_000_000;

/// After `dbt build`: rows per staging model, the raw tables' distinct event ids, the
/// deduplicated quarantine by kind and the raw quarantine's rows, and every source column whose type DuckDB reads differs from the
/// exported `meta.duckdb_type`.
const INSPECT: &str = r#"
import json, os, sys, duckdb, yaml
db, lake, sources_yml = sys.argv[1:4]
con = duckdb.connect(db, read_only=True)
one = lambda sql: con.execute(sql).fetchone()[0]
sources = yaml.safe_load(open(sources_yml))["sources"][0]
out = {"staged": {}, "raw_rows": {}, "raw_distinct": {}, "type_mismatches": [], "quarantine": {}}
for (name,) in con.execute("select table_name from information_schema.tables where table_name like 'stg_%'").fetchall():
    out["staged"][name] = one(f"select count(*) from {name}")
for table in sources["tables"]:
    location = table["meta"]["external_location"].replace("$lake", lake)
    described = {row[0]: row[1] for row in con.execute(f"describe select * from {location}").fetchall()}
    declared = [c["name"] for c in table["columns"]]
    if list(described) != declared:
        out["type_mismatches"].append({"table": table["name"], "columns": list(described), "declared": declared})
    for c in table["columns"]:
        want = c.get("meta", {}).get("duckdb_type")
        if want and described.get(c["name"]) != want:
            out["type_mismatches"].append({"table": table["name"], "column": c["name"], "duckdb": described.get(c["name"]), "exported": want})
    if table["name"] == "rejected_events":
        out["quarantine"] = dict(con.execute("select error_kind, count(*) from stg_rejected_events where ordinal < 1000000 group by 1").fetchall())
        out["quarantine_raw"] = one(f"select count(*) from {location}")
        out["quarantine_twins"] = one("select count(*) from stg_rejected_events where ordinal >= 1000000")
        out["quarantine_late"] = one("select count(*) from stg_rejected_events where received_at >= timestamptz '2099-01-01 00:00:00+00'")
    else:
        out["raw_rows"][table["name"]] = one(f"select count(*) from {location}")
        out["raw_distinct"][table["name"]] = one(f"select count(distinct event_id) from {location}")
print(json.dumps(out))
# pyarrow's and DuckDB's native thread pools can abort the interpreter's teardown after the
# work is done (apache/arrow#34314): the output is flushed, so exit without it.
sys.stdout.flush()
os._exit(0)
"#;

#[test]
fn dbt_project_builds_on_duckdb_over_a_dirty_lake() {
    let work = tempfile::tempdir().unwrap();
    let lake = work.path().join("lake");
    let output = check(
        Command::new(bin("pipeline"))
            .args(["--count", "8000", "--seed", "11", "--dirty-rate", "0.05"])
            .arg("--lake")
            .arg(&lake)
            .output()
            .unwrap(),
        "pipeline",
    );
    let summary = String::from_utf8_lossy(&output.stdout);
    let number_after = |marker: &str| -> u64 {
        let at = summary
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} in {summary}"));
        summary[at + marker.len()..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let generated = number_after("generated ");
    let invalid = number_after("events (");
    let defects: Value = serde_json::from_str(
        summary
            .lines()
            .find_map(|l| l.strip_prefix("pipeline: defects injected: "))
            .expect("the defects line"),
    )
    .unwrap();
    let duplicates = defects["duplicate"].as_u64().unwrap();
    assert!(
        invalid > 0 && duplicates > 0,
        "the lake must hold dirty traffic: {summary}"
    );

    // A message delivered again after its batch was partly stored is quarantined again, in
    // another batch's file: the same lines under another name.
    let quarantine_dir = std::fs::read_dir(lake.join("_rejected"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let first = std::fs::read_dir(&quarantine_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // Received later: the staging model must keep the first receipt, not any one copy. Plus
    // one line that differs only in its ordinal: another event of that message with the same
    // bytes, which must stay a row of its own.
    let original = std::fs::read_to_string(&first).unwrap();
    let mut copy = String::new();
    for line in original.lines() {
        let mut rejection: Value = serde_json::from_str(line).unwrap();
        rejection["received_at"] = Value::from(LATE_RECEIPT);
        copy.push_str(&format!("{rejection}\n"));
    }
    let repeated = original.lines().count() as u64;
    let mut twin: Value = serde_json::from_str(original.lines().next().unwrap()).unwrap();
    twin["ordinal"] = Value::from(twin["ordinal"].as_u64().unwrap() + TWIN_ORDINAL);
    copy.push_str(&format!("{twin}\n"));
    std::fs::write(quarantine_dir.join("part-redelivered.ndjson"), copy).unwrap();

    // The committed project, copied so dbt's target/ and logs/ stay out of the repository.
    let project = work.path().join("project");
    copy_dir(&exports().join("dbt"), &project);
    let database = work.path().join("behavior.duckdb");
    std::fs::write(
        work.path().join("profiles.yml"),
        format!(
            "behavior:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n      \
             path: {}\n      threads: 1\n",
            serde_json::to_string(&database.to_string_lossy()).unwrap()
        ),
    )
    .unwrap();
    let mut python = python();
    let dbt = Path::new(python.get_program())
        .parent()
        .unwrap()
        .join("dbt");
    assert!(
        dbt.exists(),
        "{} is missing: scripts/test installs dbt-core and dbt-duckdb into .venv",
        dbt.display()
    );
    let output = check(
        Command::new(&dbt)
            .args(["build", "--no-use-colors", "--fail-fast"])
            .env("DBT_PROFILES_DIR", work.path())
            .env("BEHAVIOR_LAKE", &lake)
            .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
            .current_dir(&project)
            .output()
            .unwrap(),
        "dbt build",
    );
    let log = String::from_utf8_lossy(&output.stdout);
    let done = log
        .lines()
        .find(|l| l.contains("Done. PASS="))
        .unwrap_or_else(|| panic!("no dbt summary in:\n{log}"));
    assert!(
        done.contains("ERROR=0") && done.contains("WARN=0"),
        "{done}"
    );

    // Every model and test ran and passed.
    let results: Value = serde_json::from_str(
        &std::fs::read_to_string(project.join("target/run_results.json")).unwrap(),
    )
    .unwrap();
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let (mut models, mut tests) = (0, 0);
    for result in results["results"].as_array().unwrap() {
        *statuses
            .entry(result["status"].as_str().unwrap().to_string())
            .or_default() += 1;
        let id = result["unique_id"].as_str().unwrap();
        models += u64::from(id.starts_with("model."));
        tests += u64::from(id.starts_with("test."));
    }
    let types = event_type_count(&summary);
    assert_eq!(
        models,
        types + 2,
        "stg_<type> per event type, stg_events and stg_rejected_events"
    );
    assert!(tests > 100, "{tests} tests");
    assert_eq!(
        statuses.keys().collect::<Vec<_>>(),
        ["pass", "success"],
        "{statuses:?}"
    );

    let output = check(
        python
            .args(["-c", INSPECT])
            .arg(&database)
            .arg(&lake)
            .arg(project.join("models/staging/_sources.yml"))
            .output()
            .unwrap(),
        "inspect",
    );
    let found = json_line(&output);
    assert_eq!(found["type_mismatches"], serde_json::json!([]), "{found}");

    // Staged rows: every clean event once; the deliberate re-sends are gone.
    let staged = found["staged"].as_object().unwrap();
    let per_type: u64 = staged
        .iter()
        .filter(|(name, _)| !["stg_events", "stg_rejected_events"].contains(&name.as_str()))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    let clean = generated - invalid;
    assert_eq!(per_type, clean - duplicates, "{found}\n{summary}");
    assert_eq!(staged["stg_events"], clean - duplicates, "{found}");
    let raw_rows: u64 = found["raw_rows"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(raw_rows, clean, "the raw sources hold every accepted row");
    for (table, distinct) in found["raw_distinct"].as_object().unwrap() {
        let event_type = table.rsplit_once("_v").unwrap().0;
        assert_eq!(
            staged[&format!("stg_{event_type}")],
            *distinct,
            "{table}: one staged row per distinct event_id"
        );
    }

    // The quarantine holds every injected invalid defect, kind for kind, once in the staging
    // model however often it was quarantined.
    assert_eq!(found["quarantine_raw"], invalid + repeated + 1, "{found}");
    assert_eq!(staged["stg_rejected_events"], invalid + 1, "{found}");
    assert_eq!(found["quarantine_twins"], 1, "{found}");
    assert_eq!(
        found["quarantine_late"], 0,
        "the first receipt wins: {found}"
    );
    let mut expected: BTreeMap<&str, u64> = BTreeMap::new();
    for (defect, count) in defects.as_object().unwrap() {
        if let Some(kind) = expected_kind(defect) {
            *expected.entry(kind).or_default() += count.as_u64().unwrap();
        }
    }
    assert_eq!(expected.values().sum::<u64>(), invalid, "{defects}");
    let quarantined: BTreeMap<&str, u64> = found["quarantine"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(
        quarantined, expected,
        "quarantine kinds vs injected defects"
    );
}

/// Event types in the pipeline's summary (`  <type>/v<N>  <rows> rows`): one staging model
/// each, however many versions it has.
fn event_type_count(summary: &str) -> u64 {
    summary
        .lines()
        .filter(|l| l.starts_with("  ") && l.ends_with(" rows"))
        .filter_map(|l| l.trim_start().split_once("/v").map(|(ty, _)| ty))
        .collect::<BTreeSet<_>>()
        .len() as u64
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
