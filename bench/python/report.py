"""Medians of the side-by-side runs as a Markdown table and a bar chart.

  python report.py RESULTS.jsonl READBACK.jsonl TABLE.md CHART.png HEADER

RESULTS holds one line per run (`mode`, `events_per_second`, `mb_per_second`, ...); READBACK
one line per path (`mode` plus readback.py's fields). The converter's ratio to each path is
its median events/s over that path's.
"""

import json
import statistics
import textwrap
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CONVERTER = "converter"


def main():
    results, readback, table_path, chart_path, header = sys.argv[1:6]
    runs = defaultdict(list)
    for line in open(results):
        row = json.loads(line)
        runs[row["mode"]].append(row)
    checks = {}
    for line in open(readback):
        row = json.loads(line)
        checks[row["mode"]] = row
    order = list(runs)
    eps = {m: statistics.median(r["events_per_second"] for r in runs[m]) for m in order}
    lines = [
        header,
        "",
        "| path | events | events/s (median) | MB/s of input | converter ÷ path | peak RSS | output bytes"
        " | files | Parquet schemas | rows right | types right |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode in order:
        r = runs[mode]
        c = checks.get(mode, {})
        spread = f"{min(x['events_per_second'] for x in r) / 1e3:,.1f}–{max(x['events_per_second'] for x in r) / 1e3:,.1f}k"
        schemas = c.get("schemas", "?")
        if c.get("max_schemas_per_table") == 1 and c.get("schemas", 0) > 1:
            schemas = f"{schemas} (1 per type)"
        types = "yes" if c.get("types_right") else f"no: {c.get('wrong_columns')} of {c.get('columns')} columns"
        lines.append(
            f"| {mode} | {r[0]['events']:,} | {eps[mode] / 1e3:,.1f}k ({spread}) "
            f"| {statistics.median(x['mb_per_second'] for x in r):,.1f} "
            f"| {eps[CONVERTER] / eps[mode]:,.2f}× "
            f"| {max(x['peak_rss_mb'] for x in r):,.0f} MB | {r[0]['output_bytes']:,} | {r[0]['files']:,} "
            f"| {schemas} | {'yes' if c.get('rows_right') else 'no'} | {types} |"
        )
    lines.append("")
    lines.append(f"Runs per path: {', '.join(f'{m} {len(runs[m])}' for m in order)}; "
                 "the range in brackets is the slowest and fastest run.")
    wrong = [f"- {m}: " + "; ".join(checks[m]["examples"]) for m in order if checks.get(m, {}).get("examples")]
    if wrong:
        lines += ["", "First wrong column types read back, per path:", ""] + wrong
    text = "\n".join(lines) + "\n"
    open(table_path, "w").write(text)
    print(text)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    values = [eps[m] / 1e3 for m in order]
    bars = ax.barh(order[::-1], values[::-1],
                   color=["#d62728" if m == CONVERTER else "#1f77b4" for m in order[::-1]])
    ax.set_xscale("log")
    ax.set_xlabel("thousand events per second, one core (log scale; median)")
    ax.set_title(textwrap.fill(header.lstrip("# "), 100), fontsize=8)
    for bar, value in zip(bars, values[::-1]):
        ax.text(value, bar.get_y() + bar.get_height() / 2, f" {value:,.1f}k", va="center", fontsize=8)
    ax.set_xlim(right=max(values) * 4)
    fig.tight_layout()
    fig.savefig(chart_path, dpi=120)


if __name__ == "__main__":
    main()
