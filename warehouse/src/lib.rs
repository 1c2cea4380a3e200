//! The warehouse contract, exported from the event registry and checked against it.
//!
//! Every artefact a warehouse needs to load and model the lake is rendered from the same
//! [`behavior_runtime::EventDescriptor`]s the converter writes Parquet with, and every type
//! goes through the one type table ([`behavior_runtime::Logical`]):
//!
//! - [`contract`]: what is exported (event tables, their columns, the shared context, the
//!   quarantine) and the names everything is known by;
//! - [`json_schema`]: one draft 2020-12 schema per event type and version, and an index;
//! - [`snowflake`]: file formats, the external stage, a typed table and a Snowpipe per event
//!   type and version, the quarantine table and its pipe;
//! - [`dbt`]: a dbt project: sources with tests, deduplicating staging models, `stg_events`;
//! - [`export`]: all of it as one set of files, written to or compared with a directory;
//! - [`compat`]: the compatibility check of the registry against a committed export.

pub mod compat;
pub mod contract;
pub mod dbt;
pub mod export;
pub mod json_schema;
pub mod snowflake;

pub use compat::{Change, Mode, Report, Rule};
pub use contract::Contract;
pub use export::Export;

/// The directory the exports are committed in, relative to the repository root.
pub const EXPORT_DIR: &str = "exports";

/// The command that regenerates the committed exports (run from the repository root).
///
/// `--bin`, not `-p behavior-warehouse`: selecting the one package resolves its dependencies'
/// features for it alone, which rebuilds arrow, parquet and most of the tree (~5 minutes here)
/// that `scripts/local-pipeline` then rebuilds again; `--bin` resolves them for the whole
/// workspace, as the pipeline's build does, so the two share one build.
pub const EXPORT_COMMAND: &str = "cargo run --release --bin warehouse -- export --out exports";
