"""The reports' filter on sites: every site's id written into the statement.

The programme's reports read every site (a national programme has a thousand), and a
thousand ids as bound parameters cost SQLAlchemy and the PostgreSQL driver several
milliseconds of Python per statement to render and parse, some thirty statements a report.
Written in as literals (they are whole numbers from the database, never input) the same
statement costs a fraction of that, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam


def in_sites(column: Any, site_ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (the ids)`, the ids rendered into the statement when it runs."""
    ids = [int(site_id) for site_id in site_ids]
    return column.in_(bindparam(None, ids, type_=Integer, expanding=True, literal_execute=True))
