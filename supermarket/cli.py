"""The `supermarket` command: the Flask CLI bound to the app, with our own groups."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy import select

from supermarket.errors import DomainError
from supermarket.extensions import db

if TYPE_CHECKING:
    from supermarket.auth.models import User


def _fail(error: DomainError) -> NoReturn:
    db.session.rollback()
    details = "; ".join(f"{k}: {v}" for k, v in error.fields.items())
    raise click.ClickException(f"{error.message} {details}".strip())


@contextmanager
def _committed() -> Iterator[None]:
    """Commit what the block changes; a refused change rolls back and fails the command."""
    try:
        yield
    except DomainError as exc:
        _fail(exc)
    db.session.commit()


def register_commands(app: Flask) -> None:
    app.cli.add_command(sites_group)
    app.cli.add_command(users_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(backup)
    app.cli.add_command(demo)
    from supermarket.demo import register_domain_commands

    register_domain_commands(app)
    from supermarket import partitions_cli

    partitions_cli.register(app)


# --- sites ---------------------------------------------------------------------------------


sites_group = click.Group("sites", help="Add and list sites.")


@sites_group.command("create")
@click.option("--code", required=True, help="Short code used in URLs, e.g. harlow.")
@click.option("--name", required=True)
@click.option("--postcode", default="")
@click.option("--address", default="")
def sites_create(code: str, name: str, postcode: str, address: str) -> None:
    from supermarket.sites.services import create_site

    with _committed():
        site = create_site(code=code, name=name, postcode=postcode, address=address, actor=None)
    click.echo(f"Created site {site.code}: {site.name}")


@sites_group.command("list")
def sites_list() -> None:
    from supermarket.sites.services import list_sites

    for site in list_sites():
        state = "" if site.active else " (inactive)"
        click.echo(f"{site.code:<16} {site.name}{state}")


# --- users ---------------------------------------------------------------------------------


users_group = click.Group("users", help="Staff accounts.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["volunteer", "site_manager", "programme_lead", "admin"]),
)
@click.option("--site", "site_codes", multiple=True, help="Site code; repeat for several.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(
    email: str, name: str, role: str, site_codes: tuple[str, ...], password_stdin: bool
) -> None:
    from supermarket.auth.services import create_user
    from supermarket.sites.codes import normalise_site_code
    from supermarket.sites.models import Site

    codes = {normalise_site_code(code) for code in site_codes}
    sites = list(db.session.scalars(select(Site).where(Site.code.in_(codes))))
    missing = codes - {s.code for s in sites}
    if missing:
        raise click.ClickException(f"No such site: {', '.join(sorted(missing))}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _committed():
        user = create_user(
            email=email, name=name, role=role, password=password, sites=sites, actor=None
        )
    click.echo(f"Created {user.role} {user.email}")


@users_group.command("list")
def users_list() -> None:
    from supermarket.auth.models import User

    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.email:<36} {user.role:<15} {state:<12} {','.join(user.site_codes)}")


def _account(email: str) -> User:
    """The account with this email, or the command fails saying there is none."""
    from supermarket.auth.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}")
    return user


@users_group.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    from supermarket.auth.services import deactivate_user

    user = _account(email)
    deactivate_user(user, actor=None)
    db.session.commit()
    click.echo(f"Deactivated {user.email}; their sessions and tokens have ended.")


# --- API tokens ----------------------------------------------------------------------------


tokens_group = click.Group("tokens", help="API tokens (shown once, stored hashed).")


@tokens_group.command("create")
@click.option("--email", required=True)
@click.option("--label", default="")
def tokens_create(email: str, label: str) -> None:
    from supermarket.auth.services import create_token

    user = _account(email)
    with _committed():
        token, secret = create_token(user, label=label, actor=None)
    click.echo(f"Token {token.id} for {user.email} ({user.role}). It is shown only once:", err=True)
    click.echo(secret)


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    from supermarket.auth.services import revoke_token

    with _committed():
        revoke_token(token_id, actor=None)
    click.echo(f"Revoked token {token_id}")


@tokens_group.command("list")
def tokens_list() -> None:
    from supermarket.auth.services import list_tokens

    for token in list_tokens():
        state = "revoked" if token.revoked_at else "live"
        click.echo(
            f"{token.id:<5} {token.prefix}…  {token.user.email:<32} {state:<8} {token.label}"
        )


# --- backup --------------------------------------------------------------------------------


@click.command("backup", help="Write a consistent copy of the database to PATH.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "For PostgreSQL take the backup with pg_dump, which is consistent while the app "
            f'runs:\n  pg_dump --format=custom --file={path} "$DATABASE_URL"\n'
            'Restore it with: pg_restore --clean --dbname="$DATABASE_URL" ' + str(path)
        )
    source_path = engine.url.database
    if not source_path:
        raise click.ClickException("The database has no file to back up.")
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # SQLite's online backup API copies a consistent snapshot while the app keeps running.
    with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    click.echo(
        f"Backed up {source_path} to {path}. Restore by stopping the app and copying it "
        "back in place of the database file."
    )


# --- demo ----------------------------------------------------------------------------------


@click.command("demo", help="Load realistic demonstration data (development only).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
@click.option("--host", help="Where the app is about to be served, for the start-up message.")
@click.option("--port", type=int, help="The port it is about to be served on.")
def demo(if_empty: bool, host: str | None, port: int | None) -> None:
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("The demo data is for development only; refusing in production.")
    from supermarket.auth.models import User
    from supermarket.demo import load_demo, quiet_audit_log, sign_in_text, start_up_text

    logins_file = Path(current_app.instance_path) / "demo-logins.txt"
    if db.session.scalar(select(User.id).limit(1)) is not None:
        if if_empty:
            sign_ins = logins_file.read_text("utf-8").rstrip() if logins_file.exists() else None
            click.echo(start_up_text(sign_ins, loaded=False, host=host, port=port))
            return
        raise click.ClickException("The database already has data; demo loads into an empty one.")
    click.echo("Loading the demonstration data (it takes a little while, once)...")
    with quiet_audit_log():
        logins = load_demo()
    db.session.commit()
    sign_ins = sign_in_text(logins)
    logins_file.write_text(sign_ins + "\n", encoding="utf-8")
    logins_file.chmod(0o600)
    click.echo(start_up_text(sign_ins, loaded=True, host=host, port=port))


def main() -> None:
    """Entry point of the `supermarket` console script."""
    from supermarket import create_app

    cli = FlaskGroup(create_app=create_app, help="Community supermarket system.")
    cli.main(prog_name="supermarket")
