"""The `supermarket` command: sites, users, tokens, backup and demo."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.auth.services import authenticate, find_user_by_email
from supermarket.demo import DEMO_STAFF
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
def test_demo_loads_sites_and_staff_of_every_role_once(app, cli, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    caplog.set_level(logging.INFO)
    result = cli.invoke(args=["demo", "--host", "127.0.0.1", "--port", "5055"])
    assert result.exit_code == 0, result.output
    for role in ("Administrator", "Programme lead", "Site manager", "Volunteer"):
        assert role in result.output
    line = next(line for line in result.output.splitlines() if "sue.volunteer" in line)
    password = line.split()[-1]
    assert authenticate("sue.volunteer@example.org", password) is not None
    assert (tmp_path / "demo-logins.txt").exists()
    # A short start-up: where to go, each demo login and its password once, how to stop; the
    # audit log's lines stay off the console (its rows are in the database).
    assert "http://127.0.0.1:5055" in result.output
    assert "Ctrl+C" in result.output
    assert len(result.output.splitlines()) < 25
    for _, email, _, _ in DEMO_STAFF:
        assert result.output.count(email) == 1
    assert result.output.count(password) == 1
    assert not [r for r in caplog.records if r.name == "supermarket.audit"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > 100
    again = cli.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert again.output.count(password) == 1


@pytest.mark.parametrize(
    ("args", "host"), [((), "127.0.0.1"), (("HOST=0.0.0.0", "PORT=5099"), "0.0.0.0")]
)
def test_make_run_serves_on_the_host_it_is_given(args, host):
    root = Path(__file__).resolve().parents[1]
    # -n: print the commands without running them; the stamp keeps the install out of it.
    done = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "run", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"run --host {host} " in done.stdout
    assert f"demo --if-empty --host {host} " in done.stdout
