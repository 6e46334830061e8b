"""`supermarket reporting rollup`: keep the statistics' daily rollups up to date (nightly)."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask

from supermarket.extensions import db
from supermarket.jobs import run_once

reporting_group = click.Group("reporting", help="Anonymised statistics.")


@reporting_group.command("rollup")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Also roll up again from this day (YYYY-MM-DD).",
)
@click.option("--rebuild", is_flag=True, help="Delete every rollup and build them all again.")
@run_once("reporting-rollup")
def rollup(since: object, rebuild: bool) -> None:
    """Roll up every day to yesterday, and any day changed since it was rolled up.

    Run it nightly (cron or a systemd timer), and after loading data outside the app.
    """
    from supermarket.reporting.rollups import refresh_rollups

    day: date | None = since.date() if since is not None else None  # type: ignore[attr-defined]
    report = refresh_rollups(since=day, rebuild=rebuild)
    db.session.commit()
    start = report.since.isoformat() if report.since else "nothing new"
    click.echo(
        f"Rolled up {report.days} days ({start} to {report.through.isoformat()}), "
        f"{report.stale_days} changed days, {report.survey_stale_days} days of baselines "
        f"with changed surveys and {report.periods} periods."
    )


def register(app: Flask) -> None:
    app.cli.add_command(reporting_group)
