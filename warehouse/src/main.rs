//! `warehouse`: exports the warehouse contract from the event registry, and checks the
//! registry's compatibility with a committed export.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use behavior_warehouse::compat::{self, Mode, Report};
use behavior_warehouse::{EXPORT_DIR, Export};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Writes JSON Schemas, Snowflake SQL and the dbt project into a directory (the committed
    /// `exports/`), removing files that are no longer exported.
    Export {
        /// The directory to write (created if missing).
        #[arg(long, default_value = EXPORT_DIR)]
        out: PathBuf,
    },
    /// Compares the registry with a committed export and classifies every change; exits 1
    /// when a change breaks the mode.
    ///
    /// Example: `warehouse check-compat --against exports` or `--against origin/main`.
    CheckCompat {
        /// An export directory, or a git revision whose `--export-dir` is compared.
        #[arg(long)]
        against: String,
        /// backward, forward or full (Confluent Schema Registry semantics).
        #[arg(long, default_value = "full")]
        mode: Mode,
        /// With a git revision: the export directory's path relative to the current directory.
        #[arg(long, default_value = EXPORT_DIR)]
        export_dir: String,
    },
}

fn main() -> anyhow::Result<ExitCode> {
    let registry = behavior_schema::registry();
    match Args::parse().command {
        Cmd::Export { out } => {
            let export = Export::new(registry);
            export
                .write(&out)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "warehouse: exported {} files for {} event types into {}",
                export.files.len(),
                registry.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::CheckCompat {
            against,
            mode,
            export_dir,
        } => {
            let dir = PathBuf::from(&against);
            let (old, label) = if dir.is_dir() {
                (compat::load_dir(&dir)?, format!("{against}/"))
            } else {
                (
                    compat::load_git(&against, &export_dir)?,
                    format!("{export_dir}/ at {against}"),
                )
            };
            let report = Report::new(mode, label, &old, &compat::current(registry));
            println!("{report}");
            Ok(if report.is_compatible() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
