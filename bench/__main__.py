"""`python -m bench` (or `make bench BENCH_ARGS="..."`): generate, serve, load, report."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import click

from bench import data, national, results
from bench.context import Context, Figure
from bench.generation import generate
from bench.scenarios import BENCHMARKS, not_available
from bench.server import Server

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/supermarket_bench"


def database_url(kind: str, scale: str, sqlite_dir: Path) -> str:
    if kind == "postgres":
        return data_url_pg(scale)
    return f"sqlite:///{sqlite_dir / f'bench-{scale}.db'}"


def data_url_pg(scale: str) -> str:
    if scale in national.NAMES:
        return national.url(scale)
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)


def make_tokens(url: str, programme: data.Programme) -> dict[str, str]:
    """Fresh API tokens for each site's manager and the programme lead."""
    from supermarket.auth.services import create_token, find_user_by_email
    from supermarket.extensions import db

    app = data.make_app(url)
    tokens: dict[str, str] = {}
    with app.app_context():
        emails = [s["manager"] for s in programme.sites] + [s["volunteer"] for s in programme.sites]
        for email in [*emails, programme.lead_email]:
            user = find_user_by_email(email)
            assert user is not None, email
            _, secret = create_token(user, label="bench", actor=None)
            tokens[email] = secret
        db.session.commit()
        db.engine.dispose()
    return tokens


def server_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    if not url.startswith("postgresql"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    engine = create_engine(url)
    with engine.connect() as conn:
        version = str(conn.scalar(text("SHOW server_version")))
    engine.dispose()
    return f"PostgreSQL {version.split()[0]}"


def run_database(kind: str, args: argparse.Namespace, names: list[str]) -> str:
    scale = data.SCALES[args.scale]
    url = database_url(kind, args.scale, Path(args.sqlite_dir))
    label = "SQLite" if kind == "sqlite" else "PostgreSQL"
    click.echo(f"\n== {label}: {scale.label}")
    programme = generate(url, scale, quiet=args.quiet, force=args.regenerate)
    tokens = make_tokens(url, programme)
    env = {"LOGIN_RATE_LIMIT": "100000 per minute"}
    load_before = results.load_average()
    figures: list[Figure] = []
    ours = Server("app", url, workers=args.workers, threads=args.threads, extra_env=env)
    floor = Server("floor", url, workers=args.workers, threads=args.threads)
    with ours.start(), floor.start("bench.floor:app"):
        server = (
            f"gunicorn, {ours.worker_count() or '?'} workers x {args.threads or 2} threads "
            f"(gunicorn.conf.py)"
        )
        ctx = Context(
            programme=programme,
            url=url,
            database=kind,
            duration=args.duration,
            port=ours.port,
            floor_port=floor.port,
            tokens=tokens,
            quick=args.quick,
            cpu={ours.port: ours.cpu_seconds, floor.port: floor.cpu_seconds},
        )
        for name in names:
            click.echo(f"  {name} ...", nl=False)
            started = time.perf_counter()
            try:
                found = BENCHMARKS[name](ctx)
            except Exception as exc:  # a broken benchmark must not hide the others
                traceback.print_exc()
                found = [not_available(name, f"failed: {exc!r}")]
            figures += found
            click.echo(f" {time.perf_counter() - started:.0f} s")
            for f in found:
                o = f.ours
                if o:
                    click.echo(
                        f"    {f.load}: p50 {o['p50']:.1f} p95 {o['p95']:.1f} p99 {o['p99']:.1f}"
                        f" ms, {o['throughput']:.0f}/s, {o['errors']} errors"
                        + (f", ratio {f.ratio:.0%}" if f.ratio else "")
                    )
    extra = [
        f"Data generated {programme.generated_at} in {programme.seconds:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in programme.counts.items())
        + ".",
        f"Load average before/after: {load_before} / {results.load_average()}.",
        *(f"Note: {note}" for note in programme.notes),
    ]
    results.append_history(
        {
            "at": results.now_title(),
            "database": kind,
            "scale": args.scale,
            "machine": results.machine(),
            "figures": results.figures_record(figures),
        },
        Path(args.history),
    )
    return results.section(label, server_version(url), scale.label, server, figures, extra)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(data.SCALES), default="small")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres", "both"),
        default="both",
        help="PostgreSQL: BENCH_DATABASE_URL, default " + DEFAULT_PG + " (created if missing)",
    )
    parser.add_argument("--only", default="", help="comma-separated: " + ",".join(BENCHMARKS))
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per load phase")
    parser.add_argument("--workers", type=int, default=None, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=None, help="GUNICORN_THREADS")
    parser.add_argument("--regenerate", action="store_true", help="generate the data afresh")
    parser.add_argument("--results", default=str(results.RESULTS))
    parser.add_argument("--history", default=str(results.HISTORY))
    parser.add_argument("--sqlite-dir", default=str(data.WORK))
    parser.add_argument("--quick", action="store_true", help="short phases (the test suite)")
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="generate (or find) the data and stop: no servers, no measurements",
    )
    parser.add_argument("--quiet", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"Unknown benchmark: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    if national.is_national(data.SCALES[args.scale]) and "sqlite" in kinds:
        print("The national scale is measured on PostgreSQL only.", file=sys.stderr)
        kinds = ["postgres"]
    if args.generate_only:
        for kind in kinds:
            url = database_url(kind, args.scale, Path(args.sqlite_dir))
            generate(url, data.SCALES[args.scale], quiet=args.quiet, force=args.regenerate)
        return 0
    sections: list[Any] = []
    for kind in kinds:
        try:
            sections.append(run_database(kind, args, names))
        except Exception as exc:  # keep the other database's figures
            traceback.print_exc()
            sections.append(f"### {kind}\n\nThe run stopped: {exc!r}\n")
    title = f"{results.now_title()}: scale {args.scale}, {', '.join(kinds)}"
    results.write(title, results.machine(), sections, Path(args.results))
    click.echo(f"\nWrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
