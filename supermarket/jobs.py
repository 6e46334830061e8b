"""Nightly jobs run once, however many machines run the schedule.

A national deployment runs the same cron or systemd timer on every web machine (none is
special, so any may be lost). `@run_once("name")` on a command makes the second and later
machines find the job already running and do nothing:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of
  its own for the job's whole run. The database releases it when that connection ends, so a
  machine that dies mid-job never leaves the lock behind.
- SQLite (one machine by nature): an exclusive `flock` on a file beside the database file,
  released by the operating system when the process ends, however it ends.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from supermarket.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def lock_id(name: str) -> int:
    """The job's advisory-lock number: a stable signed 64-bit number from its name."""
    digest = hashlib.sha256(f"supermarket.jobs:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(name: str, engine: Engine | None = None) -> Iterator[bool]:
    """Hold the job's lock while the block runs; yields False (holding nothing) when another
    process, on any machine, holds it."""
    engine = engine or db.engine
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, lock_id(name)) as held:
            yield held
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with _file_lock(Path(str(engine.url.database)).with_name(f".{name}.job-lock")) as held:
            yield held
    else:  # an in-memory database belongs to this process alone
        yield True


@contextmanager
def _advisory_lock(engine: Engine, key: int) -> Iterator[bool]:
    with engine.connect() as connection:
        held = bool(connection.scalar(select(func.pg_try_advisory_lock(key))))
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.scalar(select(func.pg_advisory_unlock(key)))
                connection.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    import fcntl  # POSIX: where the application runs

    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_once(name: str) -> Callable[[F], F]:
    """Decorate a click command: it runs only where it can take the job's lock; elsewhere it
    says the job is already running and exits successfully (a schedule on every machine is
    the design, not a fault)."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            with job_lock(name) as held:
                if not held:
                    click.echo(f"The {name} job is already running elsewhere: nothing done here.")
                    return None
                return command(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
