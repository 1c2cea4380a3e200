//! Parquet written by the project, read by an independent reader (pyarrow): the declared
//! logical types arrive intact — `timestamp[us, tz=UTC]`, decimals, strings or dictionaries,
//! `list<struct>` — and so do the row counts and the column descriptions.
//!
//! Needs pyarrow: `scripts/test` installs it into `.venv` and sets `BEHAVIOR_PYTHON`.

use std::process::Command;

use behavior_runtime::Faker;
use behavior_runtime::parquet::write_parquet;

/// The project's Python, whose pyarrow is the pinned one: `BEHAVIOR_PYTHON` (set by
/// scripts/test), else `.venv/bin/python`; never whatever `python3` is on PATH.
fn python() -> String {
    let python = std::env::var("BEHAVIOR_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").to_string()
    });
    assert!(
        std::path::Path::new(&python).exists(),
        "{python} is missing: scripts/test creates .venv with pyarrow"
    );
    python
}

const READER: &str = r#"
import json, os, sys
import pyarrow.parquet as pq
out = {}
for path in sys.argv[1:]:
    f = pq.ParquetFile(path)
    schema = f.schema_arrow
    cols = {}
    for field in schema:
        cols[field.name] = {"type": str(field.type), "nullable": field.nullable,
                            "description": (field.metadata or {}).get(b"description", b"").decode()}
    physical = {f.schema.column(i).name: f.schema.column(i).physical_type for i in range(len(f.schema))}
    logical = {f.schema.column(i).path: str(f.schema.column(i).logical_type) for i in range(len(f.schema))}
    out[path] = {"rows": f.metadata.num_rows, "columns": cols, "physical": physical, "logical": logical,
                 "compression": f.metadata.row_group(0).column(0).compression,
                 # min/max on event_time: what partition pruning in the warehouse reads.
                 "statistics": f.metadata.row_group(0).column(
                     [f.schema.column(i).path for i in range(len(f.schema))].index("event_time")
                 ).is_stats_set}
print(json.dumps(out))
# pyarrow's and DuckDB's native thread pools can abort the interpreter's teardown after the
# work is done (apache/arrow#34314): the output is flushed, so exit without it.
sys.stdout.flush()
os._exit(0)
"#;

#[test]
fn pyarrow_reads_the_declared_logical_types() {
    let dir = std::env::temp_dir().join(format!(
        "behavior-independent-reader-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut paths = Vec::new();
    for (i, kind) in behavior_schema::registry().kinds().iter().enumerate() {
        let (_, batch) = kind.fake_sample(&mut Faker::new(i as u64), 500).unwrap();
        let bytes = write_parquet(kind.descriptor(), &[batch]).unwrap();
        let path = dir.join(format!("{}.parquet", kind.descriptor().qualified_name()));
        std::fs::write(&path, bytes).unwrap();
        paths.push(path);
    }
    let output = Command::new(python())
        .arg("-c")
        .arg(READER)
        .args(&paths)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): run the tests with scripts/test, which installs pyarrow",
                python()
            )
        });
    assert!(
        output.status.success(),
        "pyarrow failed (is it installed? scripts/test installs it):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = |name: &str| &report[dir.join(format!("{name}.v1.parquet")).to_str().unwrap()];

    let purchase = file("purchase");
    assert_eq!(purchase["rows"], 500);
    assert_eq!(purchase["compression"], "ZSTD");
    assert_eq!(purchase["statistics"], true);
    let cols = &purchase["columns"];
    assert_eq!(cols["event_time"]["type"], "timestamp[us, tz=UTC]");
    assert_eq!(cols["total"]["type"], "decimal128(18, 2)");
    assert_eq!(cols["event_id"]["type"], "string");
    assert_eq!(
        cols["platform"]["type"],
        "dictionary<values=string, indices=int8, ordered=0>"
    );
    assert_eq!(
        cols["payment_method"]["type"],
        "dictionary<values=string, indices=int8, ordered=0>"
    );
    assert_eq!(cols["expected_delivery"]["type"], "date32[day]");
    assert_eq!(cols["loyalty_points"]["type"], "decimal128(20, 0)");
    let items = cols["items"]["type"].as_str().unwrap();
    assert!(
        items.starts_with("list<element: struct<sku: string not null, quantity: int32 not null, unit_price: decimal128(18, 2) not null>"),
        "{items}"
    );
    // The Parquet spec's list layout (`items.list.element`), which strict readers require.
    assert_eq!(
        purchase["logical"]["items.list.element.sku"], "String",
        "{}",
        purchase["logical"]
    );
    assert_eq!(cols["user_id"]["nullable"], true);
    assert_eq!(cols["event_id"]["nullable"], false);
    assert_eq!(
        cols["total"]["description"],
        "Amount paid: subtotal + tax + shipping."
    );
    // The Parquet-level types Snowflake reads: INT64 micros adjusted to UTC, never INT96.
    assert_eq!(purchase["physical"]["event_time"], "INT64");
    let logical = purchase["logical"]["event_time"].as_str().unwrap();
    assert!(
        logical.contains("isAdjustedToUTC=true") && logical.contains("timeUnit=microseconds"),
        "{logical}"
    );
    for kind in behavior_schema::registry().descriptors() {
        assert_eq!(file(kind.event_type)["rows"], 500, "{}", kind.event_type);
    }
    std::fs::remove_dir_all(&dir).ok();
}
