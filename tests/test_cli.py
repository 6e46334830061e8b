"""The `supermarket` command: sites, users, tokens, backup and demo."""

from __future__ import annotations

import sqlite3

import pytest

from supermarket.auth.services import authenticate, find_user_by_email
from supermarket.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_sites_create_and_list(cli):
    result = cli.invoke(
        args=["sites", "create", "--code", "jaywick", "--name", "Jaywick", "--postcode", "co15 2ld"]
    )
    assert result.exit_code == 0, result.output
    listed = cli.invoke(args=["sites", "list"])
    assert "jaywick" in listed.output
    bad = cli.invoke(args=["sites", "create", "--code", "Bad Code", "--name", "X"])
    assert bad.exit_code != 0
    assert "code" in bad.output


def test_users_create_with_password_on_stdin_then_deactivate(cli, make_site):
    make_site(code="harlow")
    result = cli.invoke(
        args=[
            "users",
            "create",
            "--email",
            "sue@example.org",
            "--name",
            "Sue Barker",
            "--role",
            "volunteer",
            "--site",
            "harlow",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate("sue@example.org", PASSWORD) is not None
    assert "sue@example.org" in cli.invoke(args=["users", "list"]).output
    assert cli.invoke(args=["users", "deactivate", "sue@example.org"]).exit_code == 0
    assert authenticate("sue@example.org", PASSWORD) is None


def test_users_create_refuses_a_site_role_without_a_site(cli):
    result = cli.invoke(
        args=[
            "users",
            "create",
            "--email",
            "v@example.org",
            "--name",
            "V",
            "--role",
            "volunteer",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "site" in result.output


def test_tokens_create_prints_the_token_alone_on_the_last_line(cli, client, make_user):
    user = make_user("programme_lead")
    result = cli.invoke(args=["tokens", "create", "--email", user.email, "--label", "council"])
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = cli.invoke(args=["tokens", "list"]).output
    assert "council" in listing
    assert token not in listing
    token_id = listing.split()[0]
    assert cli.invoke(args=["tokens", "revoke", token_id]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.concurrency
def test_backup_writes_a_consistent_sqlite_copy(cli, tmp_path, make_site):
    if db.engine.dialect.name != "sqlite":
        result = cli.invoke(args=["backup", str(tmp_path / "b.dump")])
        assert "pg_dump" in result.output
        return
    make_site(code="harlow")
    target = tmp_path / "backup.db"
    result = cli.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT code FROM sites").fetchall() == [("harlow",)]
    again = cli.invoke(args=["backup", str(target)])
    assert again.exit_code != 0


def test_demo_refuses_in_production(app, cli):
    app.config["PRODUCTION"] = True
    try:
        result = cli.invoke(args=["demo"])
    finally:
        app.config["PRODUCTION"] = False
    assert result.exit_code != 0
    assert "development only" in result.output
    assert find_user_by_email("jo.admin@example.org") is None


@pytest.mark.slow
def test_demo_loads_sites_and_staff_of_every_role_once(app, cli, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = cli.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for role in ("admin", "programme_lead", "site_manager", "volunteer"):
        assert role in result.output
    line = next(line for line in result.output.splitlines() if "sue.volunteer" in line)
    password = line.split()[-1]
    assert authenticate("sue.volunteer@example.org", password) is not None
    assert (tmp_path / "demo-logins.txt").exists()
    again = cli.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
