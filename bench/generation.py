"""Generating a whole programme: sites, staff and members (bench.data), then the visits, stock
and surveys of the features whose tables exist, then the statistics' rollups."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import click
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url

from bench import food, national, visit_history
from bench.data import (
    WORK,
    Generator,
    Programme,
    Progress,
    Scale,
    existing,
    make_app,
    migration_heads,
    prepare_database,
    stamp_path,
)


def rollup_step(gen: Generator, tables: set[str], progress: Progress) -> None:
    """Build the statistics' daily rollups the way a deployment does after loading data
    outside the app (`supermarket reporting rollup`), and say how long that took."""
    try:
        from supermarket.reporting.rollups import refresh_rollups
    except ImportError:
        return
    if "visits" not in tables:
        return
    from supermarket.extensions import db

    started = time.perf_counter()
    if not progress.quiet:
        click.echo("  rollups (supermarket reporting rollup) ...", nl=False)
    try:
        refresh_rollups()
        db.session.commit()
    except Exception as exc:  # the reporting module's bug must not stop the other figures
        db.session.rollback()
        gen.notes.append(f"`supermarket reporting rollup` failed: {str(exc).splitlines()[0]}")
        if not progress.quiet:
            click.echo(f" failed: {str(exc).splitlines()[0]}")
        return
    seconds = time.perf_counter() - started
    gen.counts["rollup_ms"] = int(seconds * 1000)
    if not progress.quiet:
        click.echo(f" {seconds:.1f} s")


def partitions_step(gen: Generator, conn: Connection, progress: Progress) -> None:
    """PostgreSQL: the history was loaded after the migrations made this month's partitions,
    so it sits in each table's DEFAULT partition. Split it into its months as a deployment's
    nightly `supermarket db partitions` would, and say how long that took."""
    try:
        from supermarket.partitions import ensure_partitions
    except ImportError:
        return
    if conn.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    if not progress.quiet:
        click.echo("  partitions (supermarket db partitions) ...", nl=False)
    report = ensure_partitions(conn, today=gen.today)
    conn.commit()
    seconds = time.perf_counter() - started
    gen.counts["partitions_ms"] = int(seconds * 1000)
    gen.counts["partitions_made"] = len(report.made)
    if not progress.quiet:
        click.echo(f" {len(report.made)} made, {seconds:.1f} s")


# The generators of each feature's tables, in order (visits before the stock they take and
# the surveys of members who came); each runs when its table exists after the migrations.
STEPS: tuple[tuple[str, Callable[[Generator, Connection], None]], ...] = (
    ("visits", visit_history.visits),
    ("stock_movements", food.stock),
    ("survey_assessments", food.surveys),
)


def generate(url: str, scale: Scale, *, quiet: bool = False, force: bool = False) -> Programme:
    """Generate (or reuse) the programme at `scale` in the database at `url`."""
    if not force:
        found = existing(url, scale) or national.adopt(url, scale)
        if found is not None:
            if not quiet:
                click.echo(f"Reusing the {scale.name} programme generated {found.generated_at}.")
            return found
        national.refuse_to_overwrite(url, scale)
    from flask_migrate import upgrade

    from supermarket.extensions import db

    started = time.perf_counter()
    if not quiet:
        click.echo(f"Generating the {scale.label} in {make_url(url).render_as_string()}")
    if national.is_national(scale):
        national.forget(url)
    prepare_database(url)
    WORK.mkdir(parents=True, exist_ok=True)
    app = make_app(url)
    progress = Progress(quiet)
    with app.app_context():
        upgrade(revision="heads")
        gen = Generator(app, scale, progress)
        gen.sites_and_staff()
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # Index maintenance on millions of rows needs the indexes in memory; the
                # file is a benchmark copy, so a crash mid-generation only means regenerating.
                raw = conn.connection.dbapi_connection
                raw.execute("PRAGMA cache_size = -1000000")  # type: ignore[union-attr]
                raw.execute("PRAGMA synchronous = OFF")  # type: ignore[union-attr]
            gen.members(conn)
            for table_name, step in STEPS:
                if table_name in tables:
                    step(gen, conn)
            partitions_step(gen, conn, progress)
            gen.analyse(conn)
        rollup_step(gen, tables, progress)
        db.engine.dispose()
    programme = Programme(
        url=url,
        scale=scale.name,
        heads=migration_heads(),
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seconds=round(time.perf_counter() - started, 1),
        counts=gen.counts,
        sites=gen.sites,
        notes=gen.notes,
    )
    programme.save(stamp_path(url))
    if national.is_national(scale):
        national.store(url, programme)
    if not quiet:
        click.echo(f"Generated in {programme.seconds:.0f} s: {programme.counts}")
    return programme
