"""The national scale (issue 17): its database, and its description kept inside it.

Generating the national programme takes hours, so it is never regenerated without
`--regenerate`: its description (the `Programme`, as the stamp file keeps it) is also written
into the database itself (schema `bench_meta`, outside the app's `public` schema), and a run
adopts it from there even when the stamp file is elsewhere (another checkout) or the
migrations have moved on since (the data is migrated in place, e.g. to partitions).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.data import Programme, Scale

NAME = "national"
DATABASE = "bench_national"
DEFAULT_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"


NAMES = (NAME, "national-year")


def is_national(scale: Scale) -> bool:
    """The national scale, or a variant of it named `national-...`."""
    return scale.name == NAME or scale.name.startswith(NAME + "-")


def url(scale: str = NAME) -> str:
    """BENCH_NATIONAL_DATABASE_URL, else the bench's own database for the scale
    (`bench_national`, `bench_national_year`)."""
    default = DEFAULT_URL if scale == NAME else DEFAULT_URL + "_" + scale.split("-", 1)[1]
    return os.environ.get("BENCH_NATIONAL_DATABASE_URL", default)


def _exists(database_url: str) -> bool:
    parsed = make_url(database_url)
    admin = create_engine(parsed.set(database="postgres"))
    try:
        with admin.connect() as conn:
            return bool(
                conn.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
                )
            )
    finally:
        admin.dispose()


def forget(database_url: str) -> None:
    """Before regenerating: the old description no longer describes the data."""
    if not database_url.startswith("postgresql") or not _exists(database_url):
        return
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS bench_meta CASCADE"))
    engine.dispose()


def store(database_url: str, programme: Programme) -> None:
    """Keep the description beside the data, once the generation has finished."""
    if not database_url.startswith("postgresql"):
        return
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS bench_meta"))
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_meta.programme (doc text NOT NULL)"))
        conn.execute(text("DELETE FROM bench_meta.programme"))
        conn.execute(
            text("INSERT INTO bench_meta.programme (doc) VALUES (:d)"),
            {"d": json.dumps(asdict(programme))},
        )
    engine.dispose()


def refuse_to_overwrite(database_url: str, scale: Scale) -> None:
    """Without `--regenerate`, never empty a national database that already holds sites: its
    generation may still be running (it takes hours), or it finished without its description."""
    if not is_national(scale) or not database_url.startswith("postgresql"):
        return
    if not _exists(database_url):
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            held = conn.scalar(text("SELECT to_regclass('public.sites') IS NOT NULL")) and (
                conn.scalar(text("SELECT EXISTS (SELECT 1 FROM public.sites)"))
            )
    finally:
        engine.dispose()
    if held:
        raise RuntimeError(
            f"{make_url(database_url).database} holds a national programme that is still being "
            "generated or has no description (bench_meta.programme); not touching it. "
            "Pass --regenerate to generate it afresh."
        )


def adopt(database_url: str, scale: Scale) -> Programme | None:
    """The national programme finished in this database earlier, if there is one."""
    if not is_national(scale) or not database_url.startswith("postgresql"):
        return None
    if not _exists(database_url):
        return None
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT to_regclass('bench_meta.programme') IS NOT NULL")):
                return None
            doc = conn.scalar(text("SELECT doc FROM bench_meta.programme LIMIT 1"))
    finally:
        engine.dispose()
    if doc is None:
        return None
    found = Programme(**json.loads(doc))
    found.url = database_url  # the same data, however the URL was spelt
    return found if found.scale == scale.name else None
