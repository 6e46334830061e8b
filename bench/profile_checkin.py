"""Profile the check-in in process: `python -m bench.profile_checkin [--database sqlite]`.

Runs a few hundred check-ins of the generated programme (`make bench` makes it) through
Flask's test client, the way the benchmark sends them (a token, an Idempotency-Key, band
counts and a payment), under cProfile, and prints where the time goes: the functions by own
time, and the shares of the libraries around our code. This week's check-ins are forgotten
before and after (bench.scenarios.reset_week), as the benchmark does.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import data, scenarios
from bench.__main__ import database_url, make_tokens
from bench.context import Context

LIBRARIES = (
    ("sqlalchemy/orm", "SQLAlchemy ORM"),
    ("sqlalchemy", "SQLAlchemy Core"),
    ("psycopg", "psycopg"),
    ("sqlite3", "sqlite3"),
    ("werkzeug", "Werkzeug"),
    ("marshmallow", "marshmallow"),
    ("flask_limiter", "Flask-Limiter"),
    ("limits", "Flask-Limiter"),
    ("flask", "Flask"),
    ("supermarket", "our code"),
)


def _library(filename: str) -> str:
    for part, name in LIBRARIES:
        if f"/{part}/" in filename or filename.endswith(f"/{part}.py"):
            return name
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "other"


def shares(stats: pstats.Stats) -> dict[str, float]:
    """Own time per library, as a share of the whole."""
    own: dict[str, float] = defaultdict(float)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        own[_library(filename)] += tottime
    total = sum(own.values()) or 1.0
    return {k: v / total for k, v in sorted(own.items(), key=lambda kv: -kv[1])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_checkin")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--scale", choices=sorted(data.SCALES), default="small")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--sqlite-dir", default=str(data.WORK))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="time only")
    parser.add_argument("--save", help="also write the profile here (for pstats or snakeviz)")
    args = parser.parse_args(argv)
    url = database_url(args.database, args.scale, Path(args.sqlite_dir))
    programme = data.Programme.load(data.stamp_path(url))
    if programme is None:
        print("No programme generated there: run `make bench` first.", file=sys.stderr)
        return 2
    tokens = make_tokens(url, programme)
    ctx = Context(programme, url, args.database, 0, 0, 0, tokens, rng=random.Random(7))
    members = scenarios._checkin_members(ctx)[: args.count + 50]
    app = data.make_app(url)
    app.config["TESTING"] = False
    client = app.test_client()
    scenarios.reset_week(ctx)
    jobs = scenarios._checkin_jobs(ctx, members)

    def send(job: Any) -> None:
        response = client.open(
            job.path, method=job.method, headers=list(job.headers), data=job.body
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code} {response.get_data(as_text=True)}")

    for job in jobs[:50]:  # warm: imports, connections, statement caches
        send(job)
    # As a gunicorn worker runs (gunicorn.conf.py's pre_fork): what was loaded is frozen, so
    # the collector's pauses walk only what the check-ins make.
    gc.collect()
    gc.freeze()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    cpu = time.process_time()
    if not args.no_profile:
        profiler.enable()
    for job in jobs[50 : 50 + args.count]:
        send(job)
    if not args.no_profile:
        profiler.disable()
    wall = (time.perf_counter() - started) / args.count * 1000
    cpu_ms = (time.process_time() - cpu) / args.count * 1000
    scenarios.reset_week(ctx)
    print(f"{args.count} check-ins: {wall:.2f} ms wall, {cpu_ms:.2f} ms CPU a check-in")
    if args.no_profile:
        return 0
    stats = pstats.Stats(profiler)
    if args.save:
        stats.dump_stats(args.save)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    calls = sum(ncalls for _, ncalls, *_ in raw.values())
    # The figure a busy machine does not move: compare it before and after a change.
    print(f"  {calls / args.count:.0f} Python function calls a check-in")
    for name, share in shares(stats).items():
        print(f"  {name:16} {share:6.1%}")
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
