//! A dbt project over the raw tables: `models/staging/_sources.yml` (every table and column,
//! with types, descriptions and tests from the schema), `stg_<event_type>.sql` (one row per
//! `event_id`, earliest ingestion wins), `stg_events.sql` (the shared context of every type),
//! `stg_rejected_events.sql` (the quarantine, once per rejected event) and `_staging.yml`
//! (their tests).
//!
//! The same project runs on Snowflake (the sources are the tables `snowflake.rs` creates) and
//! on DuckDB (dbt-duckdb reads the lake's Parquet directly): the only adapter-specific part is
//! the `external_location` in the sources' `meta`, which dbt-duckdb uses and other adapters
//! ignore. Models are plain SQL both engines run (window functions, `union all`).

use std::fmt::Write;

use behavior_runtime::{EventDescriptor, FieldDesc, Logical};

use crate::contract::{
    Contract, QUARANTINE_DIR, QUARANTINE_TABLE, SOURCE_NAME, columns, event_type_column,
    generated_header, lake_path, quarantine_columns, table_name, trailing_columns,
};
use crate::snowflake;

/// The exported files, relative paths and contents.
pub fn render(contract: &Contract) -> Vec<(String, String)> {
    let mut files = vec![
        ("dbt/dbt_project.yml".to_string(), project()),
        ("dbt/models/staging/_sources.yml".into(), sources(contract)),
        (
            "dbt/models/staging/_staging.yml".into(),
            staging_yml(contract),
        ),
    ];
    for (event_type, versions) in contract.by_type() {
        files.push((
            format!("dbt/models/staging/stg_{event_type}.sql"),
            staging_model(&versions),
        ));
    }
    files.push((
        "dbt/models/staging/stg_events.sql".into(),
        events_model(contract),
    ));
    files.push((
        format!("dbt/models/staging/stg_{QUARANTINE_TABLE}.sql"),
        quarantine_model(),
    ));
    files
}

/// A YAML scalar: JSON's double-quoted string is valid YAML and escapes everything.
fn q(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

fn project() -> String {
    format!(
        "{}\
name: behavior
version: \"1.0.0\"
config-version: 2
profile: behavior
model-paths: [\"models\"]
models:
  behavior:
    staging:
      +materialized: view
",
        generated_header("#")
    )
}

fn sources(contract: &Contract) -> String {
    let mut y = generated_header("#");
    y.push_str(
        "# The raw tables: on Snowflake the tables of snowflake/ (schema behavior_raw); on DuckDB\n\
         # dbt-duckdb reads the lake's files instead, through meta.external_location, with\n\
         # $lake from BEHAVIOR_LAKE (the lake directory or s3:// prefix). Other adapters\n\
         # ignore meta. data_type is the Snowflake type; meta.duckdb_type what DuckDB reads.\n",
    );
    y.push_str("version: 2\n\nsources:\n");
    writeln!(y, "  - name: {SOURCE_NAME}").unwrap();
    writeln!(y, "    schema: {}", snowflake::SCHEMA).unwrap();
    writeln!(
        y,
        "    description: {}",
        q("Behavioral events as the converter landed them: one table per event type and version.")
    )
    .unwrap();
    y.push_str("    meta:\n      formatter: template\n");
    writeln!(
        y,
        "      lake: {}",
        q("{{ env_var('BEHAVIOR_LAKE', 'lake') }}")
    )
    .unwrap();
    y.push_str("    tables:\n");
    for d in &contract.events {
        event_source(&mut y, d);
    }
    quarantine_source(&mut y);
    y
}

fn event_source(y: &mut String, d: &EventDescriptor) {
    writeln!(y, "      - name: {}", table_name(d)).unwrap();
    writeln!(y, "        description: {}", q(d.doc)).unwrap();
    y.push_str("        meta:\n");
    writeln!(
        y,
        "          external_location: {}",
        q(&format!(
            "read_parquet('$lake/{}/*/*.parquet', hive_partitioning = true)",
            lake_path(d)
        ))
    )
    .unwrap();
    y.push_str("        columns:\n");
    for f in columns(d) {
        column(y, &f, "          ");
        let mut tests = Vec::new();
        if !f.nullable {
            tests.push("not_null".to_string());
        }
        let values: Vec<&str> = match &f.ty {
            Logical::Enum(values) => values.to_vec(),
            _ if f.name == event_type_column().name => vec![d.event_type],
            _ => Vec::new(),
        };
        if !values.is_empty() {
            tests.push(accepted_values(&values, "                  "));
        }
        data_tests(y, &tests, "            ");
    }
}

fn quarantine_source(y: &mut String) {
    writeln!(y, "      - name: {QUARANTINE_TABLE}").unwrap();
    writeln!(
        y,
        "        description: {}",
        q("Every event the converter rejected: why, where, and its exact bytes.")
    )
    .unwrap();
    let types: Vec<String> = quarantine_columns()
        .iter()
        .map(|c| format!("{}: '{}'", c.name, c.ty.duckdb_type()))
        .collect();
    y.push_str("        meta:\n");
    writeln!(
        y,
        "          external_location: {}",
        q(&format!(
            "read_json('$lake/{QUARANTINE_DIR}/*/*.ndjson', format = 'newline_delimited', \
             hive_partitioning = false, columns = {{{}}})",
            types.join(", ")
        ))
    )
    .unwrap();
    y.push_str("        columns:\n");
    for c in quarantine_columns() {
        writeln!(y, "          - name: {}", c.name).unwrap();
        writeln!(y, "            description: {}", q(c.doc)).unwrap();
        writeln!(y, "            data_type: {}", q(&c.ty.snowflake_type())).unwrap();
        if !c.nullable {
            data_tests(y, &["not_null".to_string()], "            ");
        }
    }
}

fn column(y: &mut String, f: &FieldDesc, indent: &str) {
    writeln!(y, "{indent}- name: {}", f.name).unwrap();
    writeln!(y, "{indent}  description: {}", q(f.doc)).unwrap();
    writeln!(y, "{indent}  data_type: {}", q(&f.ty.snowflake_type())).unwrap();
    writeln!(y, "{indent}  meta:").unwrap();
    writeln!(y, "{indent}    logical_type: {}", q(&f.ty.name())).unwrap();
    writeln!(y, "{indent}    duckdb_type: {}", q(&f.ty.duckdb_type())).unwrap();
}

fn accepted_values(values: &[&str], indent: &str) -> String {
    let values: Vec<String> = values.iter().map(|v| q(v)).collect();
    format!(
        "accepted_values:\n{indent}arguments:\n{indent}  values: [{}]",
        values.join(", ")
    )
}

fn data_tests(y: &mut String, tests: &[String], indent: &str) {
    if tests.is_empty() {
        return;
    }
    writeln!(y, "{indent}data_tests:").unwrap();
    for test in tests {
        writeln!(y, "{indent}  - {test}").unwrap();
    }
}

/// Columns a staging model of these versions selects: every column the versions share (same
/// name and the same warehouse type, so an enum that gained a value in a later version stays),
/// in the newest version's order, nullable where any version lets it be null (an older
/// version's nulls are still in the union). A column only some versions have is left out; a
/// model that needs it reads that version's source.
fn staging_columns(versions: &[&EventDescriptor]) -> Vec<FieldDesc> {
    let newest = versions.last().expect("a type has a version");
    let same_type = |f: &FieldDesc, g: &FieldDesc| {
        g.name == f.name
            && g.ty.snowflake_type() == f.ty.snowflake_type()
            && g.ty.duckdb_type() == f.ty.duckdb_type()
    };
    newest
        .fields
        .iter()
        .filter_map(|f| {
            let mut column = f.clone();
            for d in versions {
                let g = d.fields.iter().find(|g| same_type(f, g))?;
                column.nullable |= g.nullable;
            }
            Some(column)
        })
        .collect()
}

fn staging_model(versions: &[&EventDescriptor]) -> String {
    let newest = versions.last().expect("a type has a version");
    let mut sql = generated_header("--");
    writeln!(
        sql,
        "-- {}\n-- One row per event_id over every version of {}: the lake is at-least-once \
         (producer\n-- re-sends, redelivered messages), and the earliest ingestion wins.\n",
        newest.doc, newest.event_type
    )
    .unwrap();
    let fields = staging_columns(versions);
    let names: Vec<&str> = std::iter::once("event_type")
        .chain(std::iter::once("schema_version"))
        .chain(fields.iter().map(|f| f.name))
        .chain(trailing_columns().iter().map(|f| f.name))
        .collect();
    sql.push_str("with unioned as (\n");
    let selects: Vec<String> = versions
        .iter()
        .map(|d| {
            let mut cols = vec![
                "        event_type".to_string(),
                format!("        {} as schema_version", d.version),
            ];
            cols.extend(
                fields
                    .iter()
                    .chain(trailing_columns().iter())
                    .map(|f| format!("        {}", f.name)),
            );
            format!(
                "    select\n{}\n    from {{{{ source('{SOURCE_NAME}', '{}') }}}}",
                cols.join(",\n"),
                table_name(d)
            )
        })
        .collect();
    sql.push_str(&selects.join("\n    union all\n"));
    sql.push_str(
        "\n),\n\nranked as (\n    select\n        *,\n        row_number() over (\n            \
         partition by event_id\n            order by _ingested_at, _message_id\n        ) as \
         ingestion_rank\n    from unioned\n)\n\nselect\n",
    );
    let cols: Vec<String> = names.iter().map(|n| format!("    {n}")).collect();
    sql.push_str(&cols.join(",\n"));
    sql.push_str("\nfrom ranked\nwhere ingestion_rank = 1\n");
    sql
}

fn events_model(contract: &Contract) -> String {
    let mut sql = generated_header("--");
    sql.push_str(
        "-- Every event of every type, with the context all of them carry: one row per event_id.\n\n",
    );
    let names: Vec<&str> = ["event_type", "schema_version"]
        .into_iter()
        .chain(contract.context.iter().map(|f| f.name))
        .chain(trailing_columns().iter().map(|f| f.name))
        .collect();
    let cols: Vec<String> = names.iter().map(|n| format!("    {n}")).collect();
    let selects: Vec<String> = contract
        .by_type()
        .keys()
        .map(|t| {
            format!(
                "select\n{}\nfrom {{{{ ref('stg_{t}') }}}}",
                cols.join(",\n")
            )
        })
        .collect();
    sql.push_str(&selects.join("\nunion all\n"));
    sql.push('\n');
    sql
}

/// The quarantine once per rejected event. A message delivered again after part of its batch
/// was stored is decoded again, and its bad events are quarantined again in that batch's
/// file: the same `(message_id, ordinal)`. `raw_base64` is in the key for files written
/// before `ordinal` existed (null there; both engines put nulls in one partition): among
/// those, two byte-identical bad events of one message count once, and a message quarantined
/// both before and after the upgrade counts twice.
fn quarantine_model() -> String {
    let mut sql = generated_header("--");
    sql.push_str(
        "-- Every rejected event once: a redelivered message is quarantined again (in another\n\
         -- batch's file), with the same message_id and ordinal; the earliest receipt wins.\n\n",
    );
    let cols: Vec<String> = quarantine_columns()
        .iter()
        .map(|c| format!("    {}", c.name))
        .collect();
    write!(
        sql,
        "with ranked as (\n    select\n        *,\n        row_number() over (\n            \
         partition by message_id, ordinal, raw_base64\n            order by received_at\n        \
         ) as receipt_rank\n    from {{{{ source('{SOURCE_NAME}', '{QUARANTINE_TABLE}') }}}}\n)\n\n\
         select\n{}\nfrom ranked\nwhere receipt_rank = 1\n",
        cols.join(",\n")
    )
    .unwrap();
    sql
}

fn staging_yml(contract: &Contract) -> String {
    let mut y = generated_header("#");
    y.push_str("version: 2\n\nmodels:\n");
    let types = contract.by_type();
    for (event_type, versions) in &types {
        let newest = versions.last().expect("a type has a version");
        writeln!(y, "  - name: stg_{event_type}").unwrap();
        writeln!(
            y,
            "    description: {}",
            q(&format!(
                "{} One row per event_id (earliest ingestion wins).",
                newest.doc
            ))
        )
        .unwrap();
        y.push_str("    columns:\n");
        model_columns(&mut y, &[*event_type], &staging_columns(versions));
    }
    let all: Vec<&str> = types.keys().copied().collect();
    y.push_str("  - name: stg_events\n");
    writeln!(
        y,
        "    description: {}",
        q("Every event of every type with the shared context: one row per event_id.")
    )
    .unwrap();
    y.push_str("    columns:\n");
    model_columns(&mut y, &all, &contract.context);
    writeln!(y, "  - name: stg_{QUARANTINE_TABLE}").unwrap();
    writeln!(
        y,
        "    description: {}",
        q(
            "Every rejected event once (a redelivered message's rejections are repeated in the \
           quarantine): why, where, and its exact bytes."
        )
    )
    .unwrap();
    y.push_str("    columns:\n");
    for c in quarantine_columns() {
        writeln!(y, "      - name: {}", c.name).unwrap();
        writeln!(y, "        description: {}", q(c.doc)).unwrap();
        if !c.nullable {
            data_tests(&mut y, &["not_null".to_string()], "        ");
        }
    }
    y
}

/// A staging model's columns: envelope, the given fields, lineage; `event_id` unique.
fn model_columns(y: &mut String, event_types: &[&str], fields: &[FieldDesc]) {
    let envelope = event_type_column();
    column(y, &envelope, "      ");
    data_tests(
        y,
        &[
            "not_null".into(),
            accepted_values(event_types, "              "),
        ],
        "        ",
    );
    y.push_str("      - name: schema_version\n");
    writeln!(
        y,
        "        description: {}",
        q("Version of the event type's schema the row was written with.")
    )
    .unwrap();
    data_tests(y, &["not_null".into()], "        ");
    for f in fields.iter().chain(trailing_columns().iter()) {
        column(y, f, "      ");
        let mut tests = Vec::new();
        if f.name == "event_id" {
            tests.push("unique".to_string());
        }
        if !f.nullable {
            tests.push("not_null".to_string());
        }
        data_tests(y, &tests, "        ");
    }
}

#[cfg(test)]
mod tests {
    use behavior_derive::{BehaviorEnum, BehaviorEvent};
    use behavior_runtime::{EventKind, Kind, Timestamp, Uuid};

    use super::staging_columns;

    /// Where a signup came from (first version).
    #[derive(BehaviorEnum)]
    pub enum SourceV1 {
        Web,
        Ios,
    }

    /// Where a signup came from: a value added.
    #[derive(BehaviorEnum)]
    pub enum SourceV2 {
        Web,
        Ios,
        Partner,
    }

    /// A visitor created an account.
    #[derive(BehaviorEvent)]
    #[behavior(event_type = "signup", version = 1)]
    pub struct SignupV1 {
        /// Id.
        pub event_id: Uuid,
        /// When.
        pub event_time: Timestamp,
        /// Where from.
        pub source: SourceV1,
        /// The plan, when one was chosen.
        pub plan: Option<String>,
        /// Dropped in v2.
        pub referrer: Option<String>,
    }

    /// A visitor created an account (the plan became required).
    #[derive(BehaviorEvent)]
    #[behavior(event_type = "signup", version = 2)]
    pub struct SignupV2 {
        /// Id.
        pub event_id: Uuid,
        /// When.
        pub event_time: Timestamp,
        /// Where from.
        pub source: SourceV2,
        /// The plan chosen.
        pub plan: String,
    }

    #[test]
    fn staging_keeps_shared_columns_nullable_where_any_version_is() {
        let versions = [
            Kind::<SignupV1>::NEW.descriptor(),
            Kind::<SignupV2>::NEW.descriptor(),
        ];
        let columns: Vec<(&str, bool)> = staging_columns(&versions)
            .iter()
            .map(|f| (f.name, f.nullable))
            .collect();
        // The widened enum is still a string column in every warehouse; v1's null plans are
        // still in the union, so `plan` gets no not_null test; v2 dropped `referrer`.
        assert_eq!(
            columns,
            [
                ("event_id", false),
                ("event_time", false),
                ("source", false),
                ("plan", true),
            ]
        );
    }
}
