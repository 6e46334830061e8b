"""`supermarket stock ...`: import the catalogue from CSV and check the ledger."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from supermarket.extensions import db

stock_group = click.Group("stock", help="The product catalogue and the stock ledger.")


@stock_group.command("import-products")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--email", required=True, help="The administrator or site manager importing.")
@click.option(
    "--good-rows",
    is_flag=True,
    help="Import the good rows even if some are bad (default: all or nothing).",
)
def import_products(path: Path, email: str, good_rows: bool) -> None:
    """Add or update products from a CSV file (sku, name, category, unit_weight_g, ...)."""
    from supermarket.auth.services import find_user_by_email
    from supermarket.errors import DomainError
    from supermarket.stock.services.product_import import import_products as run_import

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            result = run_import(stream, actor=user, good_rows_only=good_rows)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    except UnicodeDecodeError as exc:
        raise click.ClickException("The file is not UTF-8 text.") from exc
    for line, message in result.errors:
        click.echo(f"line {line}: {message}", err=True)
    if not result.imported:
        db.session.rollback()
        raise click.ClickException(
            f"Nothing imported: {len(result.errors)} row(s) need correcting (or use --good-rows)."
        )
    db.session.commit()
    click.echo(
        f"Imported {result.created} new and {result.updated} updated product(s); "
        f"{len(result.errors)} row(s) left out."
    )


@stock_group.command("check-ledger")
def check_ledger() -> None:
    """Check that every batch's level equals the sum of its movements (exit 1 if not)."""
    from supermarket.stock.services.ledger import ledger_discrepancies

    problems = ledger_discrepancies()
    for batch_id, cached, total in problems:
        click.echo(f"batch {batch_id}: level {cached}, ledger says {total}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} batch(es) disagree with the ledger.")
    click.echo("The stock ledger adds up.")


def register(app: Flask) -> None:
    app.cli.add_command(stock_group)
