"""Reads every Parquet file a path wrote back with pyarrow and checks it against the
converter's own files (the reference types: the project's lake schema).

  python readback.py REFERENCE_DIR OUT_DIR EXPECTED_ROWS

Prints one JSON line: rows read back, whether they match, the number of distinct Parquet
schemas across the files (and the most per event type and version, where the files are laid
out as `<type>/v<version>/...`), and whether every column's type is the project's type for
that column name (with the first mismatches).
"""

import json
import os
import sys
from collections import defaultdict

import pyarrow.parquet as pq


def type_name(data_type):
    """The type as text, with 64-bit offsets counted as the same logical type (pandas writes
    `large_string` for `string`), and a list's element name (Arrow's `item`, the Parquet spec's
    `element`) not counted as a type."""
    return (
        str(data_type)
        .replace("large_string", "string")
        .replace("large_list", "list")
        .replace("list<item: ", "list<element: ")
    )


def parquet_files(root):
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(".parquet"):
                yield os.path.join(folder, name)


def table_of(root, path):
    """`<type>/v<version>` when the layout says so, else None."""
    parts = os.path.relpath(path, root).split(os.sep)
    if len(parts) >= 3 and parts[1].startswith("v"):
        return f"{parts[0]}/{parts[1]}"
    return None


def reference_types(root):
    """Column name → the set of Arrow types the project gives it (one schema per table)."""
    types = defaultdict(set)
    seen = set()
    for path in parquet_files(root):
        table = table_of(root, path)
        if table in seen:
            continue
        seen.add(table)
        for field in pq.read_schema(path):
            types[field.name].add(type_name(field.type))
    return types


def main():
    reference, out, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    want = reference_types(reference)
    rows = 0
    schemas = set()
    per_table = defaultdict(set)
    mismatches = {}
    checked = set()
    for path in parquet_files(out):
        meta = pq.read_metadata(path)
        rows += meta.num_rows
        schema = meta.schema.to_arrow_schema().remove_metadata()
        text = schema.to_string(show_schema_metadata=False)
        schemas.add(text)
        per_table[table_of(out, path)].add(text)
        if text in checked:
            continue
        checked.add(text)
        for field in schema:
            if field.name in want and type_name(field.type) not in want[field.name]:
                mismatches.setdefault(field.name, (type_name(field.type), sorted(want[field.name])))
    columns = len(want)
    print(
        json.dumps(
            {
                "rows": rows,
                "rows_right": rows == expected,
                "schemas": len(schemas),
                "max_schemas_per_table": max((len(s) for s in per_table.values()), default=0),
                "types_right": not mismatches,
                "wrong_columns": len(mismatches),
                "columns": columns,
                "examples": [f"{k}: {v[0]} (want {v[1][0]})" for k, v in list(mismatches.items())[:4]],
            }
        )
    )


if __name__ == "__main__":
    main()
    # pyarrow's and DuckDB's native thread pools can abort the interpreter's teardown after the
    # work is done (apache/arrow#34314): the output is flushed, so exit without it.
    sys.stdout.flush()
    os._exit(0)
