"""`supermarket db partitions`: the history tables' monthly partitions (nightly, on PostgreSQL).

Makes the months ahead, splits out of DEFAULT any month that landed there, and with
`--detach-before YYYY-MM` detaches older months for archiving (supermarket/partitions.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from flask import Flask
from sqlalchemy import select

from supermarket import partitions
from supermarket.extensions import db
from supermarket.jobs import run_once


def earliest_detachable(today: date) -> date:
    """The first month that must stay attached: nothing the app still reads may be detached.

    - the retention period: a member's record, and so their visits, is kept until N months
      (the site's setting, default 24) after their membership ends, and a subject access
      request exports all of it; the longest setting of any site counts;
    - reporting's period choosers offer this calendar year and the last one, read from the
      visits (the daily rollups are rebuilt from them with `reporting rollup --rebuild`).
    Months before the earlier of the two may go."""
    from supermarket.sites.models import Site

    months = max(
        (site.settings.retention_months for site in db.session.scalars(select(Site))),
        default=24,
    )
    by_retention = partitions.add_months(partitions.month_start(today), -months)
    by_reporting = date(today.year - 1, 1, 1)
    return min(by_retention, by_reporting)


@click.command("partitions")
@click.option(
    "--months-ahead",
    type=click.IntRange(0, 24),
    default=partitions.MONTHS_AHEAD,
    show_default=True,
    help="Make monthly partitions this many months ahead of this one.",
)
@click.option(
    "--detach-before",
    type=click.DateTime(formats=["%Y-%m"]),
    default=None,
    help="Also detach the months before this one (YYYY-MM), for archiving.",
)
@run_once("db-partitions")
def partitions_command(months_ahead: int, detach_before: datetime | None) -> None:
    """Make the history tables' partitions ahead, and move rows out of DEFAULT (nightly).

    On SQLite there are no partitions: it says so and does nothing.
    """
    today = datetime.now(UTC).date()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Making a partition locks its table: rather give up (and try again tomorrow) than
        # queue every check-in behind a lock that waits on a long query.
        connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
    report = partitions.ensure_partitions(connection, months_ahead=months_ahead, today=today)
    if detach_before is not None and connection.dialect.name == "postgresql":
        before = detach_before.date()
        limit = earliest_detachable(today)
        if before > limit:
            db.session.rollback()
            raise click.ClickException(
                f"{before:%Y-%m} is within the retention and reporting period: months before "
                f"{limit:%Y-%m} may be detached, no later."
            )
        report.detached += partitions.detach_partitions(connection, before=before).detached
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    if report.detached:
        click.echo(
            "Archive each detached table (pg_dump -t <name>), then drop it: the application no "
            "longer reads it."
        )


def register(app: Flask) -> None:
    """`db partitions` beside Flask-Migrate's commands."""
    from flask_migrate.cli import db as migrate_group

    migrate_group.add_command(partitions_command)
