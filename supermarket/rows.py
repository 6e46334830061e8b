"""Reading the one row a use case acts on: locked when it will change it, 404 when missing."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select

from supermarket.errors import NotFound
from supermarket.extensions import db

T = TypeVar("T")


def locked(stmt: Select[T]) -> Select[T]:
    """`stmt` locking its rows for update, and reading them afresh over what the session holds."""
    return stmt.with_for_update().execution_options(populate_existing=True)


def one_or_not_found(stmt: Select[T], message: str, *, code: str, lock: bool = False) -> T:
    """The row `stmt` selects (locked with `lock`), or NotFound with `message` and `code`."""
    row = db.session.scalar(locked(stmt) if lock else stmt)
    if row is None:
        raise NotFound(message, code=code)
    return row
