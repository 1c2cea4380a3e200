//! Misconfiguration fails at start-up, with one line naming the setting, before any message is
//! touched: an unknown lake scheme, a bucket that does not exist, credentials that cannot be
//! read, a queue that does not exist, a Lambda without its lake, a batching window too long
//! for the visibility timeout.

use std::process::Output;

use behavior_tests::bin;
use behavior_tests::moto::Moto;

/// The process failed, and its error is one line mentioning every `needles`.
fn fails_naming(output: Output, needles: &[&str]) {
    assert!(!output.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("Error:")).collect();
    assert_eq!(errors.len(), 1, "one error line expected:\n{stderr}");
    for needle in needles {
        assert!(
            errors[0].contains(needle),
            "{needle:?} missing from: {}",
            errors[0]
        );
    }
}

#[test]
fn bad_settings_fail_at_start_up_naming_the_setting() {
    let converter = bin("converter");
    let output = std::process::Command::new(&converter)
        .args(["convert", "--lake", "gs://bucket/events"])
        .output()
        .unwrap();
    fails_naming(output, &["LAKE_URI", "unknown lake scheme \"gs\""]);

    let output = std::process::Command::new(&converter)
        .env_remove("LAKE_URI")
        .arg("lambda")
        .output()
        .unwrap();
    fails_naming(output, &["LAKE_URI is not set"]);

    let output = std::process::Command::new(&converter)
        .env("LAKE_URI", "s3://lake/events")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .arg("lambda")
        .output()
        .unwrap();
    fails_naming(output, &["AWS_LAMBDA_RUNTIME_API is not set"]);

    let moto = Moto::start();
    let output = moto
        .command(&converter)
        .args(["convert", "--lake", "s3://no-such-bucket/events"])
        .args(["--endpoint-url", &moto.url, "--s3-force-path-style"])
        .output()
        .unwrap();
    fails_naming(output, &["LAKE_URI", "no-such-bucket", "not reachable"]);

    // No credentials anywhere: the environment's are removed and the files point nowhere.
    let output = moto
        .command(&converter)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .args(["convert", "--lake", "s3://lake/events"])
        .args(["--endpoint-url", &moto.url, "--s3-force-path-style"])
        .output()
        .unwrap();
    fails_naming(output, &["LAKE_URI", "not reachable"]);

    let output = moto
        .command(&converter)
        .args([
            "poll",
            "--queue-url",
            &format!("{}/123456789012/missing", moto.url),
        ])
        .args(["--endpoint-url", &moto.url, "--lake"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    fails_naming(output, &["QUEUE_URL", "missing"]);

    // A batching window over half the visibility timeout: the batch's first messages would
    // be visible again before the first extension. Refused before the queue is asked.
    let output = std::process::Command::new(&converter)
        .args(["poll", "--queue-url", "http://127.0.0.1:9/123456789012/q"])
        .args(["--window", "31", "--visibility-timeout", "60", "--lake"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    fails_naming(output, &["--window 31", "--visibility-timeout (60 s)"]);
}
