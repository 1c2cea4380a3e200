//! Snowflake SQL: `setup.sql` (storage integration, file formats, external stage),
//! `tables/<event_type>.v<version>.sql` (typed table, backfill `COPY INTO`, Snowpipe) and
//! `quarantine.sql` (the rejected events' table and pipe). Run them in that order.
//!
//! Column types come from [`behavior_runtime::Logical::snowflake_type`], the one type table.

use std::fmt::Write;

use behavior_runtime::{EventDescriptor, FieldDesc};

use crate::contract::{
    self, Contract, EVENT_DATE, QUARANTINE_DIR, QUARANTINE_TABLE, columns, generated_header,
    lake_path, table_name,
};

/// Schema of the raw tables, stage and pipes (the dbt sources' schema).
pub const SCHEMA: &str = "behavior_raw";
const INTEGRATION: &str = "behavior_lake_integration";
const STAGE: &str = "behavior_lake";
const PARQUET_FORMAT: &str = "behavior_parquet";
const JSON_FORMAT: &str = "behavior_ndjson";

/// The exported files, relative paths and contents.
pub fn render(contract: &Contract) -> Vec<(String, String)> {
    let mut files = vec![("snowflake/setup.sql".to_string(), setup())];
    for d in &contract.events {
        files.push((
            format!("snowflake/tables/{}.sql", d.qualified_name()),
            event_table(d),
        ));
    }
    files.push(("snowflake/quarantine.sql".into(), quarantine()));
    files
}

fn setup() -> String {
    format!(
        "{header}\
-- Run first, once per account. Replace the two placeholders (the lake's S3 prefix and the IAM
-- role Snowflake assumes to read it) with the deployment's values; everything else refers to
-- these objects by name. Creating the storage integration needs ACCOUNTADMIN; afterwards
-- DESC INTEGRATION {INTEGRATION} gives the IAM user and external id for the role's trust policy.

CREATE STORAGE INTEGRATION IF NOT EXISTS {INTEGRATION}
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/behavior-snowflake-read'
  STORAGE_ALLOWED_LOCATIONS = ('s3://behavior-lake/events/');

CREATE SCHEMA IF NOT EXISTS {SCHEMA};

USE SCHEMA {SCHEMA};

-- Parquet as the converter writes it: logical types (TIMESTAMP(MICROS, UTC), DECIMAL, DATE,
-- STRING) load into the typed columns as such, not as raw integers and binaries.
CREATE FILE FORMAT IF NOT EXISTS {PARQUET_FORMAT}
  TYPE = PARQUET
  USE_LOGICAL_TYPE = TRUE
  BINARY_AS_TEXT = FALSE;

-- The quarantine: one JSON object per line.
CREATE FILE FORMAT IF NOT EXISTS {JSON_FORMAT}
  TYPE = JSON
  STRIP_OUTER_ARRAY = FALSE;

-- The lake prefix: <event_type>/v<version>/event_date=YYYY-MM-DD/part-<hash>.parquet and
-- {QUARANTINE_DIR}/event_date=YYYY-MM-DD/part-<hash>.ndjson.
CREATE STAGE IF NOT EXISTS {STAGE}
  URL = 's3://behavior-lake/events/'
  STORAGE_INTEGRATION = {INTEGRATION}
  FILE_FORMAT = (FORMAT_NAME = '{PARQUET_FORMAT}');
",
        header = generated_header("--"),
    )
}

fn event_table(d: &EventDescriptor) -> String {
    let table = table_name(d);
    let path = lake_path(d);
    let mut sql = generated_header("--");
    writeln!(
        sql,
        "-- {q}: one row per accepted event, loaded from @{STAGE}/{path}/.\n",
        q = d.qualified_name()
    )
    .unwrap();
    writeln!(sql, "USE SCHEMA {SCHEMA};\n").unwrap();
    writeln!(sql, "CREATE TABLE IF NOT EXISTS {table} (").unwrap();
    let columns = columns(d);
    let lines: Vec<String> = columns.iter().map(column_definition).collect();
    writeln!(sql, "{}", lines.join(",\n")).unwrap();
    writeln!(sql, ")\nCOMMENT = {};\n", string(d.doc)).unwrap();
    // A compatible change to this version (`check-compat --mode backward`) can only add
    // optional columns.
    let optional: Vec<String> = columns
        .iter()
        .filter(|f| f.nullable && f.name != EVENT_DATE)
        .map(|f| column_definition(f).trim_start().to_string())
        .collect();
    add_columns(&mut sql, &table, &optional);
    let copy = copy_into(&table, &path, PARQUET_FORMAT, ".*[.]parquet");
    writeln!(
        sql,
        "-- Backfill: what is already in the lake (COPY skips files it loaded before).\n{copy};\n"
    )
    .unwrap();
    writeln!(
        sql,
        "-- New files as they land: S3 event notifications to the pipe's SQS queue\n\
         -- (SHOW PIPES gives its notification_channel).\n\
         CREATE PIPE IF NOT EXISTS {table}_pipe\n  AUTO_INGEST = TRUE\n  \
         COMMENT = {}\n  AS\n{copy};",
        string(&format!("Loads {} from the lake.", d.qualified_name())),
    )
    .unwrap();
    sql
}

/// `event_date` is the hive partition, which is in the path, not in the file: a virtual column
/// computes it from `event_time`, exactly as the converter chose the partition (UTC date).
fn column_definition(f: &FieldDesc) -> String {
    let ty = if f.name == EVENT_DATE {
        "DATE AS (TO_DATE(CONVERT_TIMEZONE('UTC', event_time)))".to_string()
    } else {
        f.ty.snowflake_type()
    };
    let not_null = if f.nullable || f.name == EVENT_DATE {
        ""
    } else {
        " NOT NULL"
    };
    format!(
        "  {} {ty}{not_null} COMMENT {}",
        f.name,
        string(&contract_doc(f))
    )
}

/// A column's comment: its doc, and for an enum the values it may hold.
fn contract_doc(f: &FieldDesc) -> String {
    match &f.ty {
        behavior_runtime::Logical::Enum(values) => {
            format!("{} One of: {}.", f.doc, values.join(", "))
        }
        _ => f.doc.to_string(),
    }
}

fn copy_into(table: &str, path: &str, format: &str, pattern: &str) -> String {
    format!(
        "COPY INTO {table}\n  FROM @{STAGE}/{path}/\n  \
         FILE_FORMAT = (FORMAT_NAME = '{format}')\n  PATTERN = '{pattern}'\n  \
         MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"
    )
}

/// `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` for each optional column: CREATE TABLE IF NOT
/// EXISTS leaves an existing table as it was, and COPY's MATCH_BY_COLUMN_NAME would then drop
/// a new column's values without a word. Only optional columns can be added to a table that
/// has rows, and only they can be new in a compatible change.
fn add_columns(sql: &mut String, table: &str, definitions: &[String]) {
    if definitions.is_empty() {
        return;
    }
    let statements: Vec<String> = definitions
        .iter()
        .map(|d| format!("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {d}"))
        .collect();
    writeln!(
        sql,
        "-- Rerunning this file after a compatible change adds its optional columns.\n{};\n",
        statements.join(";\n")
    )
    .unwrap();
}

fn quarantine() -> String {
    let mut sql = generated_header("--");
    writeln!(
        sql,
        "-- Every event the converter rejected, from @{STAGE}/{QUARANTINE_DIR}/: never dropped, \
         always explained.\n"
    )
    .unwrap();
    writeln!(sql, "USE SCHEMA {SCHEMA};\n").unwrap();
    writeln!(sql, "CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (").unwrap();
    let columns = contract::quarantine_columns();
    let definition = |c: &contract::QuarantineColumn| {
        let not_null = if c.nullable { "" } else { " NOT NULL" };
        format!(
            "{} {}{not_null} COMMENT {}",
            c.name,
            c.ty.snowflake_type(),
            string(c.doc)
        )
    };
    let lines: Vec<String> = columns
        .iter()
        .map(|c| format!("  {}", definition(c)))
        .collect();
    writeln!(sql, "{}", lines.join(",\n")).unwrap();
    writeln!(
        sql,
        ")\nCOMMENT = 'Events the converter rejected, with why and their exact bytes.';\n"
    )
    .unwrap();
    let optional: Vec<String> = columns
        .iter()
        .filter(|c| c.nullable)
        .map(definition)
        .collect();
    add_columns(&mut sql, QUARANTINE_TABLE, &optional);
    let copy = copy_into(QUARANTINE_TABLE, QUARANTINE_DIR, JSON_FORMAT, ".*[.]ndjson");
    writeln!(sql, "{copy};\n").unwrap();
    writeln!(
        sql,
        "CREATE PIPE IF NOT EXISTS {QUARANTINE_TABLE}_pipe\n  AUTO_INGEST = TRUE\n  \
         COMMENT = 'Loads the quarantine from the lake.'\n  AS\n{copy};"
    )
    .unwrap();
    sql
}

/// A Snowflake string literal: quotes doubled, backslashes escaped (Snowflake reads `\` as an
/// escape in single-quoted strings).
pub fn string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}
