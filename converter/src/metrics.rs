//! The one summary line per batch: a JSON log line that is also CloudWatch embedded metric
//! format (EMF), so the counts become metrics (and alarms, such as the rejected-event rate)
//! without any API call from the function.

use std::io::Write;

use serde_json::{Value, json};

use crate::handler::BatchReport;

/// CloudWatch namespace of the converter's metrics (the infrastructure's alarms use it).
pub const NAMESPACE: &str = "BehaviorConverter";

/// Metrics in the line, with their CloudWatch units.
const METRICS: [(&str, &str); 7] = [
    ("received", "Count"),
    ("accepted", "Count"),
    ("rejected", "Count"),
    ("failed_messages", "Count"),
    ("files", "Count"),
    ("bytes", "Bytes"),
    ("duration_ms", "Milliseconds"),
];

/// The process's peak resident set so far (Linux's `VmHWM`), in bytes; `None` where
/// `/proc/self/status` does not say. The runners' totals print it: memory should follow the
/// batch size, never the input's.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// "123 MB", or "unknown" off Linux.
pub fn peak_rss_text() -> String {
    peak_rss_bytes().map_or_else(
        || "unknown".to_string(),
        |bytes| format!("{} MB", bytes / 1_000_000),
    )
}

/// Writes the batch's summary line to stdout, stamped now. A stdout that cannot be written
/// (closed by `| head`, a full disk behind a redirect) loses the line but never stops the
/// conversion: the lake is the output, this is its log (`println!` would panic).
pub fn emit_summary(report: &BatchReport, service: &str) {
    let line = summary_line(report, service, crate::handler::now().micros() / 1000);
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// The summary of one batch as one JSON line. `service` names the runner (`lambda`, `poll`,
/// `convert`) and is the metrics' one dimension.
pub fn summary_line(report: &BatchReport, service: &str, timestamp_ms: i64) -> String {
    let c = report.counts;
    let metrics: Vec<Value> = METRICS
        .iter()
        .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
        .collect();
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["service"]],
                "Metrics": metrics,
            }],
        },
        "service": service,
        "message": "batch converted",
        "messages": report.messages,
        "duplicate_messages": report.duplicate_messages,
        "received": c.received,
        "accepted": c.accepted,
        "rejected": c.rejected,
        "balanced": c.accepted + c.rejected == c.received,
        "failed_messages": report.failed.len(),
        "files": report.files,
        "bytes": report.bytes,
        "duration_ms": report.duration.as_secs_f64() * 1000.0,
        "errors": report.errors,
    })
    .to_string()
}
