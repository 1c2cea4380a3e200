//! Support for the end-to-end tests: real services on loopback ports, the workspace's built
//! binaries, and the project's Python (pyarrow, boto3) as the independent reader.
//!
//! - [`moto`]: `moto_server` (SQS and S3) on a free loopback port, with SDK clients;
//! - [`proxy`]: a TCP proxy that can be switched to answer 503, for fault injection;
//! - [`bin`] and [`python`]: the binaries under test and the independent reader;
//! - [`check`]: a finished command that must have succeeded;
//! - [`expected_kind`]: the quarantine kind each of the generator's invalid defects must get.

pub mod moto;
pub mod proxy;

use std::path::PathBuf;
use std::process::{Command, Output};

/// A workspace binary built next to the running test. `cargo test --workspace --all-targets`
/// builds the binary of every package with integration tests before any test runs (all of
/// ours have some), with the same features as the tests: no second build.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join(name))
        .expect("a target directory");
    assert!(
        path.exists(),
        "{} is not built: run `cargo test --release --workspace --all-targets` (scripts/test)",
        path.display()
    );
    path
}

/// The project's Python: `BEHAVIOR_PYTHON` (set by scripts/test), else `.venv/bin/python`.
pub fn python() -> Command {
    let python = std::env::var("BEHAVIOR_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").to_string()
    });
    assert!(
        std::path::Path::new(&python).exists(),
        "{python} is missing: scripts/test creates .venv with pyarrow, duckdb, boto3 and moto"
    );
    Command::new(python)
}

/// A script under `tests/python/`.
pub fn python_script(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/python")).join(name)
}

/// `output`, after asserting that its command succeeded; the failure names `what` and shows
/// the command's stdout and stderr.
pub fn check(output: Output, what: &str) -> Output {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The quarantine kind (the converter's error kind) each invalid defect the generator injects
/// must produce, by the generator's name for it; `None` for the defects that are valid events
/// (duplicates, late and out-of-order events).
pub fn expected_kind(defect: &str) -> Option<&'static str> {
    Some(match defect {
        "malformed_json" | "truncated_json" => "malformed_json",
        "wrong_type" | "epoch_timestamp" => "wrong_type",
        "missing_field" => "missing_field",
        "unknown_event_type" | "mixed_case_event_type" => "unknown_event_type",
        "string_over_bound" => "too_long",
        "invalid_utf8" => "invalid_utf8",
        _ => return None,
    })
}
