//! The real `converter` binary as a Lambda function, driven through `cargo lambda`'s Lambda
//! Runtime API emulator (`cargo lambda watch`) and invoked with a committed SQS event fixture
//! (`cargo lambda invoke --data-file`).
//!
//! `cargo lambda watch` runs in `--only-lambda-apis` mode and the test starts the binary that
//! `cargo test` already built, with the environment the emulator prints: letting the emulator
//! run `cargo run` itself would wait forever on the build-directory lock this `cargo test`
//! holds. The function speaks the real Runtime API either way.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use behavior_tests::bin;
use behavior_tests::moto::free_port;
use serde_json::Value;
use walkdir::WalkDir;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sqs/mixed_batch.json");

/// `cargo-lambda` from the project's virtualenv, at the version requirements-lock.txt pins
/// (scripts/test installs it); missing, the test fails saying so.
fn cargo_lambda() -> Command {
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/cargo-lambda");
    assert!(
        Path::new(program).exists(),
        "{program} is missing: scripts/test installs cargo-lambda into .venv"
    );
    let mut command = Command::new(program);
    command.arg("lambda");
    command
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The emulator on a free loopback port, and the function process attached to it.
fn start(lake: &Path) -> (u16, Killed, Killed) {
    let port = free_port();
    let emulator = cargo_lambda()
        .args(["watch", "--only-lambda-apis", "-A", "127.0.0.1"])
        .args(["-P", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cargo-lambda is missing: scripts/test installs it into .venv (pip cargo-lambda)");
    let emulator = Killed(emulator);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let function = Command::new(bin("converter"))
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("http://127.0.0.1:{port}/.rt"),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("LAKE_URI", lake)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    (port, emulator, Killed(function))
}

fn invoke(port: u16) -> Value {
    let output = cargo_lambda()
        .args(["invoke", "_", "-A", "127.0.0.1", "-P", &port.to_string()])
        .args(["--data-file", FIXTURE, "--output-format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo lambda invoke failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Relative paths of the files under `root`, sorted.
fn files(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = WalkDir::new(root)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| !entry.file_type().is_dir())
        .map(|entry| {
            entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    out.sort();
    out
}

fn tables(files: &[String]) -> Vec<&str> {
    let mut tables: Vec<&str> = files
        .iter()
        .map(|f| f.split("/event_date=").next().unwrap())
        .collect();
    tables.dedup();
    tables
}

#[test]
fn the_binary_serves_sqs_batches_as_a_lambda() {
    // A healthy lake: every message stored, the bad lines quarantined, no item failures.
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_path_buf();
    let (port, _emulator, _function) = start(&dir);
    let response = invoke(port);
    assert_eq!(response, serde_json::json!({"batchItemFailures": []}));
    let written = files(&dir);
    assert_eq!(
        tables(&written),
        [
            "_rejected",
            "add_to_cart/v1",
            "page_view/v1",
            "product_view/v1",
            "purchase/v1",
            "search/v1"
        ],
        "{written:?}"
    );
    let rejected = std::fs::read_to_string(dir.join(&written[0])).unwrap();
    assert_eq!(rejected.lines().count(), 2, "{rejected}");
    // Invoking the same batch again (a redelivery) overwrites the same files.
    assert_eq!(invoke(port), serde_json::json!({"batchItemFailures": []}));
    assert_eq!(files(&dir), written);

    // The purchase table cannot be written: exactly the message holding the purchase fails.
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_path_buf();
    std::fs::write(dir.join("purchase"), b"in the way").unwrap();
    let (port, _emulator, _function) = start(&dir);
    let response = invoke(port);
    assert_eq!(
        response,
        serde_json::json!({"batchItemFailures": [
            {"itemIdentifier": "0e1d6a52-0000-4000-8000-000000000003"}
        ]})
    );
}
