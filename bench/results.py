"""RESULTS.md: the machine, the database, the scale and each figure; earlier runs are kept
below the newest, and every run is also appended to results.jsonl for comparison."""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.context import Figure

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HISTORY = HERE / "results.jsonl"
MARKER = "<!-- runs: newest first; `make bench` inserts each run below this line -->"

INTRO = f"""# Benchmark results

Produced by `make bench` (see `python -m bench --help`). Every figure is measured against
the app served the way production serves it (gunicorn with `gunicorn.conf.py`,
`SUPERMARKET_ENV=production`) on 127.0.0.1, with the load generator in a separate process
on the same machine. Latencies are in milliseconds: fixed-rate runs measure each request
from the moment it was due (no coordinated omission), so queueing shows in the percentiles.
*Floor* is the same database work done by the smallest Flask handler with raw SQL
(`bench/floor.py`), served the same way; *ratio* is our throughput over the floor's at
saturation. Targets are those of `QUALITY.md`. Each run says the scale it was measured at.

{MARKER}
"""


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        memory = f"{int(first.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _ms(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}"


def _rate(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.0f}"


def table(figures: list[Figure]) -> str:
    lines = [
        "| Benchmark | Load | p50 | p95 | p99 | max | req/s | errors | floor p95 | floor req/s "
        "| ratio | Target | Met |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    notes = []
    for f in figures:
        o, fl = f.ours, f.floor or {}
        ratio = f.ratio
        met = {True: "yes", False: "**no**", None: "-"}[f.met]
        lines.append(
            f"| {f.bench} | {f.load} | {_ms(o.get('p50'))} | {_ms(o.get('p95'))} "
            f"| {_ms(o.get('p99'))} | {_ms(o.get('max'))} | {_rate(o.get('throughput'))} "
            f"| {o.get('errors', '-')} | {_ms(fl.get('p95'))} | {_rate(fl.get('throughput'))} "
            f"| {'-' if ratio is None else f'{ratio:.0%}'} | {f.target} | {met} |"
        )
        if f.note:
            notes.append(f"- {f.bench} ({f.load}): {f.note}")
    return "\n".join(lines + (["", *notes] if notes else []))


def section(
    database: str,
    version: str,
    scale_label: str,
    server: str,
    figures: list[Figure],
    extra: list[str],
) -> str:
    lines = [
        f"### {database} ({version})",
        "",
        f"Scale: {scale_label}. Server: {server}.",
        *extra,
        "",
        table(figures),
        "",
    ]
    return "\n".join(lines)


def write(title: str, info: dict[str, Any], sections: list[str], path: Path = RESULTS) -> None:
    """Insert this run below the marker, keeping every earlier run."""
    head = (
        f"## {title}\n\nMachine: {info['cores']} cores, {info['cpu']}, {info['memory']} RAM; "
        f"{info['os']}; Python {info['python']}; SQLite {info['sqlite']}.\n"
    )
    run = head + "\n" + "\n".join(sections) + "\n"
    text = path.read_text(encoding="utf-8") if path.exists() else INTRO
    if MARKER not in text:
        text = INTRO + "\n" + text
    before, after = text.split(MARKER, 1)
    path.write_text(before + MARKER + "\n\n" + run + after.lstrip("\n"), encoding="utf-8")


def append_history(record: dict[str, Any], path: Path = HISTORY) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, default=str) + "\n")


def figures_record(figures: list[Figure]) -> list[dict[str, Any]]:
    return [asdict(f) | {"ratio": f.ratio} for f in figures]


def now_title() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
