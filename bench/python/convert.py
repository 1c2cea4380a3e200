"""The alternatives users would otherwise pick, over the same NDJSON the converter reads.

One path per process (peak RSS is per process), one JSON line on stdout with the same fields
as `convert_throughput`:

  python convert.py pandas DATA OUT --batch 100 [--limit N]
  python convert.py pyarrow_json DATA OUT
  python convert.py duckdb DATA OUT

- `pandas`: the common Python Lambda design. Per batch of B messages (one event each):
  `json.loads` each, `pandas.DataFrame`, `pyarrow.Table.from_pandas`,
  `pyarrow.parquet.write_table` (zstd) to a buffer, the buffer written out as one file.
  Reading the lines is not timed (the Lambda is handed them); writing the buffer to disk is
  not timed either (the converter's bench stops its clock at the bytes, too).
- `pyarrow_json`: `pyarrow.json.read_json` with one thread over the whole file, one
  `write_table` (zstd). Timed from reading the file (from the page cache) to the written file.
- `duckdb`: `COPY (SELECT * FROM read_json(...)) TO ... (FORMAT parquet, COMPRESSION zstd)`
  with `threads = 1`, timed the same way.
"""

import argparse
import io
import json
import os
import resource
import sys
import time


def peak_rss_mb():
    # ru_maxrss is in KiB on Linux: the process's VmHWM.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pandas_design(data, out, batch, limit):
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    events = input_bytes = output_bytes = files = 0
    seconds = 0.0

    def flush(lines):
        nonlocal output_bytes, files, seconds
        started = time.perf_counter()
        records = [json.loads(line) for line in lines]
        frame = pd.DataFrame(records)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        body = buffer.getvalue()
        seconds += time.perf_counter() - started
        with open(os.path.join(out, f"part-{files:07}.parquet"), "wb") as f:
            f.write(body)
        output_bytes += len(body)
        files += 1

    lines = []
    with open(data, "rb") as f:
        for line in f:
            if limit and events >= limit:
                break
            events += 1
            input_bytes += len(line)
            lines.append(line)
            if len(lines) == batch:
                flush(lines)
                lines = []
    if lines:
        flush(lines)
    return events, input_bytes, seconds, output_bytes, files


def count_lines(data):
    events = input_bytes = 0
    with open(data, "rb") as f:
        for line in f:
            events += 1
            input_bytes += len(line)
    return events, input_bytes


def pyarrow_json(data, out):
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    events, input_bytes = count_lines(data)
    target = os.path.join(out, "part-0.parquet")
    started = time.perf_counter()
    table = pj.read_json(data, read_options=pj.ReadOptions(use_threads=False))
    pq.write_table(table, target, compression="zstd")
    seconds = time.perf_counter() - started
    return events, input_bytes, seconds, os.path.getsize(target), 1


def duckdb_copy(data, out):
    import duckdb

    events, input_bytes = count_lines(data)
    target = os.path.join(out, "part-0.parquet")
    con = duckdb.connect()
    con.execute("SET threads = 1")
    started = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM read_json('{data}')) TO '{target}' "
        "(FORMAT parquet, COMPRESSION zstd)"
    )
    seconds = time.perf_counter() - started
    return events, input_bytes, seconds, os.path.getsize(target), 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["pandas", "pyarrow_json", "duckdb"])
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--limit", type=int, default=0, help="only the first N events")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.mode == "pandas":
        result = pandas_design(args.data, args.out, args.batch, args.limit)
        mode = f"pandas B={args.batch}"
    elif args.mode == "pyarrow_json":
        result = pyarrow_json(args.data, args.out)
        mode = "pyarrow.json 1 thread"
    else:
        result = duckdb_copy(args.data, args.out)
        mode = "duckdb 1 thread"
    events, input_bytes, seconds, output_bytes, files = result
    print(
        json.dumps(
            {
                "mode": mode,
                "events": events,
                "input_bytes": input_bytes,
                "convert_seconds": seconds,
                "events_per_second": events / seconds,
                "mb_per_second": input_bytes / seconds / 1e6,
                "output_bytes": output_bytes,
                "files": files,
                "peak_rss_mb": peak_rss_mb(),
                "out": args.out,
            }
        )
    )


if __name__ == "__main__":
    main()
    # pyarrow's and DuckDB's native thread pools can abort the interpreter's teardown after the
    # work is done (apache/arrow#34314): the output is flushed, so exit without it.
    sys.stdout.flush()
    os._exit(0)
