"""Reads a lake back independently of the Rust code: pyarrow for Parquet, json for the
quarantine, boto3 for S3 (or the local filesystem). Prints one JSON summary on stdout.

    read_lake.py s3://bucket/prefix --endpoint-url URL
    read_lake.py /path/to/lake
"""
import argparse
import collections
import io
import json
import os
import sys

import pyarrow.parquet as pq


def objects(uri, endpoint_url):
    """(key relative to the lake, bytes) for every object."""
    if uri.startswith("s3://"):
        import boto3

        bucket, _, prefix = uri[len("s3://"):].partition("/")
        prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name="us-east-1")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                yield item["Key"][len(prefix):], body
    else:
        for root, _, files in os.walk(uri):
            for name in files:
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    yield os.path.relpath(path, uri), f.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lake")
    parser.add_argument("--endpoint-url")
    args = parser.parse_args()
    tables = collections.defaultdict(lambda: {"rows": 0, "files": 0, "schemas": set()})
    event_ids = collections.Counter()
    quarantine = collections.Counter()
    quarantine_rows = 0
    bad_partition = []
    stray = []
    for key, body in objects(args.lake, args.endpoint_url):
        parts = key.split("/")
        if key.endswith(".parquet"):
            table = "/".join(parts[:2])
            info = tables[table]
            data = pq.read_table(io.BytesIO(body))
            info["rows"] += data.num_rows
            info["files"] += 1
            info["schemas"].add(str(data.schema.remove_metadata()))
            day = parts[2].removeprefix("event_date=")
            times = data.column("event_time").to_pylist()
            if any(t.date().isoformat() != day for t in times):
                bad_partition.append(key)
            event_ids.update(data.column("event_id").to_pylist())
            assert data.schema.field("event_time").type.tz == "UTC", key
            assert str(data.schema.field("_ingested_at").type) == "timestamp[us, tz=UTC]", key
            assert data.column("_message_id").null_count == 0, key
        elif key.startswith("_rejected/") and key.endswith(".ndjson"):
            for line in body.decode("utf-8").splitlines():
                record = json.loads(line)
                quarantine[record["error_kind"]] += 1
                quarantine_rows += 1
                for field in ("message_id", "received_at", "field_path", "error_message", "raw", "raw_base64"):
                    assert record.get(field) is not None, (field, record)
                assert isinstance(record.get("ordinal"), int) and record["ordinal"] >= 1, record
        else:
            stray.append(key)
    summary = {
        "tables": {
            name: {
                "rows": t["rows"],
                "files": t["files"],
                "schemas": len(t["schemas"]),
            }
            for name, t in sorted(tables.items())
        },
        "rows": sum(t["rows"] for t in tables.values()),
        "distinct_event_ids": len(event_ids),
        "repeated_rows": sum(n - 1 for n in event_ids.values()),
        "quarantine": dict(sorted(quarantine.items())),
        "quarantine_rows": quarantine_rows,
        "rows_outside_their_date_partition": bad_partition,
        "stray_objects": stray,
    }
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
    # pyarrow's and DuckDB's native thread pools can abort the interpreter's teardown after the
    # work is done (apache/arrow#34314): the output is flushed, so exit without it.
    sys.stdout.flush()
    os._exit(0)
