//! The main command as users run it: the `pipeline` binary on embedded defaults (in-process
//! queue, local lake) accounts for every event and quarantines exactly the injected defects,
//! and its memory follows the batch size, not the event count.

use std::process::Command;

#[test]
fn the_local_pipeline_accounts_for_every_event() {
    let lake = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pipeline"))
        .args(["--count", "5000", "--seed", "4", "--dirty-rate", "0.02"])
        .arg("--lake")
        .arg(lake.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("accepted + rejected = generated: true"),
        "{stdout}"
    );
    // "generated 5000 events (N with an invalid defect injected)" and "rejected N".
    let injected: usize = stdout
        .split("events (")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the injected count in the summary");
    assert!(injected > 0, "{stdout}");
    assert!(
        stdout.contains(&format!("rejected {injected} ")),
        "every injected defect quarantined: {stdout}"
    );
    let quarantined: usize = walk(lake.path())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ndjson"))
        .map(|p| std::fs::read_to_string(p).unwrap().lines().count())
        .sum();
    assert_eq!(quarantined, injected);
    assert!(
        walk(lake.path())
            .iter()
            .any(|p| p.to_string_lossy().contains("/page_view/v1/event_date="))
    );
}

/// Eight times the events in batches of the same size take about the same memory: at most
/// twice as much, as the larger run also fills the in-process queue (256 bodies; 57-59 MB
/// against 79-81 MB peak in three release runs). Before conversions ran on one thread, each
/// thread of the blocking pool that converted a batch kept its own glibc arena's worth: 83 MB
/// for 50,000 events, 291 MB for 400,000. (`VmHWM` is Linux's.)
#[cfg(target_os = "linux")]
#[test]
fn peak_memory_follows_the_batch_size_not_the_event_count() {
    let peak_mb = |count: &str| -> u64 {
        let lake = tempfile::tempdir().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_pipeline"))
            .args(["--count", count, "--seed", "5", "--dirty-rate", "0.01"])
            .args(["--max-batch-bytes", "1048576"])
            .arg("--lake")
            .arg(lake.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        stdout
            .split("peak RSS ")
            .nth(1)
            .and_then(|rest| rest.split(" MB").next())
            .and_then(|mb| mb.parse().ok())
            .unwrap_or_else(|| panic!("the peak RSS in the summary: {stdout}"))
    };
    let small = peak_mb("50000");
    let large = peak_mb("400000");
    assert!(
        large <= small * 2,
        "peak RSS {small} MB for 50,000 events, {large} MB for 400,000: it grows with the input"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
