"""The CSV import benchmark: 100,000 members through `supermarket members import`, as a
site would bring in its spreadsheet: wall time and the command's peak memory."""

from __future__ import annotations

import csv
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

from bench import data, names
from bench.context import Context, Figure
from bench.generation import generate

ROWS = 100_000
LIMIT_SECONDS = 600


def write_csv(path: Path, rows: int, rng: random.Random) -> None:
    """A site's spreadsheet in the documented layout (dates day first, as Excel writes)."""
    lasts = [n for n, _ in names.LAST_NAMES]
    firsts = [n for n, _ in names.FEMALE_FIRST + names.MALE_FIRST]
    districts = ("CM17", "CM18", "CM19", "CM20")
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "first_name",
                "last_name",
                "date_of_birth",
                "postcode",
                "phone",
                "adults",
                "children_5_11",
                "eligibility_route",
                "privacy_notice_given",
                "survey_consent",
            ]
        )
        for i in range(rows):
            writer.writerow(
                [
                    rng.choice(firsts),
                    rng.choice(lasts),
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2006)}",
                    f"{rng.choice(districts)} {rng.randint(1, 9)}"
                    f"{rng.choice(names.INWARD_LETTERS)}{rng.choice(names.INWARD_LETTERS)}",
                    f"07{rng.randint(100_000_000, 999_999_999)}" if i % 5 else "",
                    rng.choice((1, 1, 2, 2, 3)),
                    rng.choice((0, 0, 1, 2)),
                    "self_declared",
                    "yes",
                    rng.choice(("yes", "")),
                ]
            )


def _import_url(ctx: Context) -> str:
    if ctx.database == "postgres":
        from sqlalchemy.engine import make_url

        parsed = make_url(ctx.url)
        return parsed.set(database=f"{parsed.database}_import").render_as_string(False)
    return f"sqlite:///{Path(ctx.url.removeprefix('sqlite:///')).with_name('bench-import.db')}"


def member_import(ctx: Context) -> list[Figure]:
    rows = 300 if ctx.quick else ROWS
    url = _import_url(ctx)
    empty = data.Scale("import", sites=1, members=0, visits=0)
    programme = generate(url, empty, quiet=True, force=True)
    site = programme.sites[0]
    csv_path = data.WORK / f"import-{rows}.csv"
    if not csv_path.exists():
        write_csv(csv_path, rows, random.Random(5))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SUPERMARKET_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "MEMBER_MATCH_KEY": data.MATCH_KEY,
    }
    command = [
        str(Path(sys.executable).with_name("supermarket")),
        "members",
        "import",
        str(csv_path),
        "--site",
        site["code"],
        "--as",
        site["manager"],
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=data.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    peak_kib = 0
    status = Path(f"/proc/{process.pid}/status")
    deadline = started + LIMIT_SECONDS
    while process.poll() is None:
        if time.perf_counter() > deadline:
            process.kill()  # bounded like every load: ten times the target is enough to say
            process.wait()
            break
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    output = (process.stdout.read() if process.stdout else b"").decode(errors="replace")
    ok = process.returncode == 0
    if seconds > LIMIT_SECONDS:
        output = f"stopped after {LIMIT_SECONDS} s, unfinished (all or nothing: nothing kept)"
    summary = {
        "requests": rows,
        "ok": rows if ok else 0,
        "errors": 0 if ok else rows,
        "p50": seconds * 1000,
        "p95": seconds * 1000,
        "p99": seconds * 1000,
        "max": seconds * 1000,
        "throughput": rows / seconds,
    }
    return [
        Figure(
            f"CSV import of {rows:,} members (`supermarket members import`)",
            f"one run; peak memory {peak_kib / 1024:.0f} MiB",
            summary,
            None,
            target="<= 60 s, streamed",
            met=ok and seconds <= 60,
            note=(output.strip().splitlines() or [""])[-1][:200] if ok else output[-300:],
        )
    ]
