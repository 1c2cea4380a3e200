"""Dollars per million events from the calls bench/cost counted.

  python cost.py WORK_DIR EVENTS_A EVENTS_B PRICES.json SIDE_BY_SIDE.jsonl OUT.md

EVENTS_A and EVENTS_B are the events sent for each design; counts are scaled linearly to a
million events (moto takes ~0.1 s per SendMessageBatch, so (b) runs on a smaller sample).

Counted (by the proxy, from the HTTP requests and responses): SQS requests and their 64 KiB
units per action, S3 requests and bytes, per phase; the converter's batches and their
`duration_ms` (from its summary lines). Computed, and said so in the table:
- (b)'s SendMessage requests: the generator always sends SendMessageBatch (10 entries), the
  common design one SendMessage per event, so (b) is billed one request per counted message;
- (b)'s S3 PUTs: one file per batch, as in the common design (the converter itself writes one
  file per table and date per batch; its counted PUTs are shown beside);
- (b)'s Lambda duration: the pandas design's measured one-core time at B = 100 (median of the
  side-by-side run), per event, times the counted events;
- GB-seconds: Lambda gives a function memory/1769 MB of a vCPU, so single-threaded,
  CPU-bound work measured as t one-core seconds runs t × 1769/memory seconds and bills
  t × 1769/1024 GB-s at any memory size up to 1769 MB.
"""

import json
import math
import os
import statistics
import sys
from collections import Counter, defaultdict


def phases(path):
    """Phase name → its logged calls."""
    out, current = defaultdict(list), []
    for line in open(path):
        row = json.loads(line)
        if "phase_end" in row:
            out[row["phase_end"]] = current
            current = []
        else:
            current.append(row)
    return out


def sqs(calls):
    requests, units, messages = Counter(), Counter(), Counter()
    for c in calls:
        if c["service"] == "sqs":
            requests[c["action"]] += 1
            units[c["action"]] += c["units"]
            messages[c["action"]] += c["messages"]
    return requests, units, messages


def s3(calls):
    puts = [c for c in calls if c["service"] == "s3" and c["method"] in ("PUT", "POST")]
    gets = [c for c in calls if c["service"] == "s3" and c["method"] in ("GET", "HEAD")]
    return len(puts), sum(c["bytes"] for c in puts), len(gets)


def batches(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    rows = [r for r in rows if r.get("message") == "batch converted"]
    return rows


def main():
    work, events_a, events_b, prices_path, side_by_side, out = sys.argv[1:7]
    events_a, events_b = int(events_a), int(events_b)
    prices = json.load(open(prices_path))
    scales = {"a": 1_000_000 / events_a, "b": 1_000_000 / events_b}
    p_sqs = prices["sqs"]["standard_per_million_requests"] / 1e6
    p_put = prices["s3"]["put_copy_post_list_per_1000"] / 1e3
    p_get = prices["s3"]["get_per_1000"] / 1e3
    p_gbs = prices["lambda"]["arm64_per_gb_second"]
    p_inv = prices["lambda"]["per_million_requests"] / 1e6
    gbs_per_cpu_second = prices["lambda"]["memory_mb_for_one_vcpu"] / 1024
    calls = phases(os.path.join(work, "calls.jsonl"))

    runs = [json.loads(line) for line in open(side_by_side)]
    pandas100 = statistics.median(r["events_per_second"] for r in runs if r["mode"] == "pandas B=100")
    pandas_out = next(r for r in runs if r["mode"] == "pandas B=100")["output_bytes"]

    designs = {}
    notes = []
    # (a) this project's defaults, everything counted.
    send_req, send_units, send_msgs = sqs(calls["a-send"])
    conv_req, conv_units, conv_msgs = sqs(calls["a-convert"])
    puts, put_bytes, gets = s3(calls["a-convert"])
    a_batches = batches(os.path.join(work, "a-batches.jsonl"))
    a_seconds = sum(b["duration_ms"] for b in a_batches) / 1e3
    assert sum(b["accepted"] for b in a_batches) == events_a, "every event landed"
    designs["a"] = {
        "sqs_units": sum(send_units.values()) + sum(conv_units.values()),
        "s3_puts": puts,
        "s3_gets": gets,
        "stored_bytes": put_bytes,
        "invocations": len(a_batches),
        "gb_seconds": a_seconds * gbs_per_cpu_second,
    }
    notes.append(
        f"(a) counted: {send_msgs['SendMessageBatch']:,} messages in {send_req['SendMessageBatch']:,} "
        f"SendMessageBatch requests ({send_units['SendMessageBatch']:,} units of 64 KiB); "
        + ", ".join(f"{conv_req[k]:,} {k} ({conv_units[k]:,} units)" for k in sorted(conv_req))
        + f"; {puts:,} S3 PUTs of {put_bytes:,} bytes, {gets} GETs; {len(a_batches):,} batches "
        f"of {events_a / len(a_batches):,.0f} events, {a_seconds:,.2f} s of handler time in all."
    )
    # (b) the common design.
    send_req, send_units, send_msgs = sqs(calls["b-send"])
    conv_req, conv_units, conv_msgs = sqs(calls["b-convert"])
    conv_puts, _, gets = s3(calls["b-convert"])
    b_batches = batches(os.path.join(work, "b-batches.jsonl"))
    assert sum(b["accepted"] for b in b_batches) == events_b, "every event landed"
    messages = send_msgs["SendMessageBatch"] + send_msgs["SendMessage"]
    b_seconds = events_b / pandas100
    designs["b"] = {
        "sqs_units": messages + sum(conv_units.values()),
        "s3_puts": len(b_batches),
        "s3_gets": gets,
        "stored_bytes": pandas_out * events_b / 1_000_000,
        "invocations": len(b_batches),
        "gb_seconds": b_seconds * gbs_per_cpu_second,
    }
    notes.append(
        f"(b) counted: {messages:,} messages (sent as {send_req['SendMessageBatch']:,} SendMessageBatch "
        f"requests; billed here as {messages:,} SendMessage requests, computed); "
        + ", ".join(f"{conv_req[k]:,} {k} ({conv_units[k]:,} units)" for k in sorted(conv_req))
        + f"; {len(b_batches):,} batches of {events_b / len(b_batches):,.0f} events → {len(b_batches):,} PUTs "
        f"(computed, one file per batch; the converter itself PUT {conv_puts:,} files); Lambda time "
        f"computed from pandas B=100 at {pandas100:,.0f} events/s on one core = {b_seconds:,.1f} s; "
        f"stored bytes from the pandas B=100 run's output."
    )

    def dollars(design):
        d, scale = designs[design], scales[design]
        return {
            "SQS requests": d["sqs_units"] * p_sqs * scale,
            "S3 PUTs": d["s3_puts"] * p_put * scale,
            "S3 GETs": d["s3_gets"] * p_get * scale,
            "Lambda requests": d["invocations"] * p_inv * scale,
            "Lambda GB-s (arm64)": d["gb_seconds"] * p_gbs * scale,
        }

    a, b = dollars("a"), dollars("b")
    units = {
        "SQS requests": ("sqs_units", "requests of 64 KiB"),
        "S3 PUTs": ("s3_puts", "PUTs"),
        "S3 GETs": ("s3_gets", "GETs"),
        "Lambda requests": ("invocations", "invocations"),
        "Lambda GB-s (arm64)": ("gb_seconds", "GB-s"),
    }
    lines = [
        f"# Cost per million events, {prices['region']} list prices of {prices['retrieved']} "
        f"(bench/prices.json); counted against moto on {events_a:,} events for (a) and {events_b:,} "
        "for (b), scaled linearly to 1,000,000",
        "",
        "| part | (a) this project's defaults: count | (a) $ | (b) one event per message, B=100: count | (b) $ | (b) ÷ (a) |",
        "|---|---|---|---|---|---|",
    ]
    for part, (key, unit) in units.items():
        ca, cb = designs["a"][key] * scales["a"], designs["b"][key] * scales["b"]
        ratio = f"{b[part] / a[part]:,.1f}×" if a[part] else "—"
        digits = 1 if unit == "GB-s" else 0
        lines.append(
            f"| {part} | {ca:,.{digits}f} {unit} | ${a[part]:.5f} | {cb:,.{digits}f} {unit} "
            f"| ${b[part]:.5f} | {ratio} |"
        )
    ta, tb = sum(a.values()), sum(b.values())
    lines.append(f"| **total** | | **${ta:.5f}** | | **${tb:.5f}** | **{tb / ta:,.1f}×** |")
    gb = prices["s3"]["standard_storage_per_gb_month"]
    sa = designs["a"]["stored_bytes"] * scales["a"] / 1e9
    sb = designs["b"]["stored_bytes"] * scales["b"] / 1e9
    lines += [
        "",
        f"Storage, not in the totals: (a) {sa:.3f} GB of Parquet = ${sa * gb:.4f} per month; "
        f"(b) {sb:.3f} GB = ${sb * gb:.4f} per month (S3 Standard at ${gb}/GB-month).",
        "",
    ] + [f"- {n}" for n in notes]
    text = "\n".join(lines) + "\n"
    open(out, "w").write(text)
    print(text)
    print(json.dumps({"total_a": ta, "total_b": tb, "ratio": tb / ta}))


if __name__ == "__main__":
    main()
