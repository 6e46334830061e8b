"""`supermarket members ...` and `supermarket retention run`: imports and nightly upkeep."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from supermarket import spreadsheets
from supermarket.auth.models import Role, User
from supermarket.extensions import db
from supermarket.jobs import run_once
from supermarket.members import services
from supermarket.members.services import importing, privacy
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site


def register(app: Flask) -> None:
    app.cli.add_command(members_group)
    app.cli.add_command(retention_group)


members_group = click.Group("members", help="Member households: import, lapse, rehash.")


def _site(code: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.code == normalise_site_code(code)))
    if site is None:
        raise click.ClickException(f"No such site: {code}")
    return site


def _importing_user(site: Site, email: str | None) -> User:
    """The site manager the import is recorded against (the audit log names them)."""
    stmt = select(User).where(User.role == Role.SITE_MANAGER.value, User.active.is_(True))
    if email:
        stmt = stmt.where(User.email == email.strip().lower())
    for user in db.session.scalars(stmt.order_by(User.id)):
        if site in user.sites:
            return user
    raise click.ClickException(
        f"No active site manager of {site.code}"
        + (f" with email {email}" if email else "")
        + ": imports are recorded against one. Use --as EMAIL."
    )


@members_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_code", required=True, help="Code of the site the members join.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; import nothing.")
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows and leave out the bad ones (default: all or nothing).",
)
@click.option("--as", "as_email", default=None, help="The site manager doing the import.")
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the bad rows (default: FILE.errors.csv).",
)
def import_command(
    file: Path,
    site_code: str,
    dry_run: bool,
    skip_bad_rows: bool,
    as_email: str | None,
    errors_path: Path | None,
) -> None:
    """Import members from FILE.csv (see the column layout in the README or the template)."""
    site = _site(site_code)
    user = _importing_user(site, as_email or os.environ.get("SUPERMARKET_IMPORT_AS"))
    errors_path = errors_path or file.with_name(file.stem + ".errors.csv")
    with (
        errors_path.open("w", encoding="utf-8-sig", newline="") as error_file,
        file.open("rb") as stream,
        click.progressbar(length=file.stat().st_size, label="Importing", file=sys.stderr) as bar,
    ):
        writer = spreadsheets.writer(error_file)
        writer.writerow(importing.ERROR_COLUMNS)
        report = importing.import_members(
            site,
            stream,
            actor=user,
            dry_run=dry_run,
            skip_bad_rows=skip_bad_rows,
            source=file.name,
            progress=bar.update,
            error_sink=lambda e: writer.writerow(e.as_csv_row()),
        )
    db.session.commit()
    if report.error_count == 0:
        errors_path.unlink(missing_ok=True)
    if report.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(report.ignored_columns)}")
    for error in report.errors[:20]:
        click.echo(f"  line {error.line}, {error.column}: {error.problem}")
    if report.error_count > 20:
        click.echo(f"  ... and {report.error_count - 20} more problems")
    if report.error_count:
        click.echo(f"Every problem is listed in {errors_path}")
    if report.member_elsewhere:
        click.echo(f"{report.member_elsewhere} households may already be members at another site.")
    for warning in report.warnings[:20]:
        click.echo(f"  line {warning.line}: {warning.problem}")
    click.echo(report.summary)
    if not report.ok:
        raise SystemExit(1)


@members_group.command("lapse")
@run_once("members-upkeep")
def lapse_command() -> None:
    """Record as lapsed every membership whose term has ended (safe to run nightly)."""
    result = services.lapse_expired_members()
    db.session.commit()
    total = sum(result.values())
    click.echo(
        f"Lapsed {total} memberships"
        + (": " + ", ".join(f"{code} {n}" for code, n in result.items()) if total else ".")
    )


@members_group.command("rehash")
def rehash_command() -> None:
    """Recompute the cross-site duplicate hashes after MEMBER_MATCH_KEY or SECRET_KEY changed."""
    count = services.rehash_members()
    db.session.commit()
    click.echo(f"Recomputed the match hash of {count} members.")


retention_group = click.Group("retention", help="Personal data retention.")


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Report who is due; change nothing.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if on this date (YYYY-MM-DD).",
)
@run_once("members-upkeep")
def retention_run(dry_run: bool, today: object) -> None:
    """Anonymise members whose membership ended more than the site's retention period ago.

    Safe to run nightly: it also records lapsed memberships, and never touches a member twice.
    """
    day = today.date() if today is not None else None  # type: ignore[attr-defined]
    lapsed = {} if dry_run else services.lapse_expired_members(today=day)
    report = privacy.run_retention(today=day, dry_run=dry_run)
    db.session.commit()
    verb = "Would anonymise" if dry_run else "Anonymised"
    for code, cutoff in report.cutoffs.items():
        count = report.anonymised.get(code, 0)
        click.echo(f"{code:<16} {verb.lower()} {count} (membership ended before {cutoff:%d/%m/%Y})")
    if lapsed:
        click.echo("Lapsed: " + ", ".join(f"{code} {n}" for code, n in lapsed.items()))
    click.echo(f"{verb} {report.total} members in all.")
    if report.others_cleared:
        cleared = ", ".join(f"{code} {n}" for code, n in report.others_cleared.items())
        verb = "Would clear" if dry_run else "Cleared"
        click.echo(f"{verb} the details of people who never became members: {cleared}.")
