"""Test set-up: migrations build the schema once; each test runs in a rolled-back transaction."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from supermarket import create_app
from supermarket.auth.models import User
from supermarket.auth.services import create_user
from supermarket.extensions import db, limiter
from supermarket.sites.models import Site
from supermarket.sites.services import create_site

PASSWORD = "correct horse battery staple"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    return f"sqlite:///{tmp / 'test.db'}"


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": _database_url(Path(tmp)),
                "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
                "RATELIMIT_STORAGE_URI": "memory://",
                "SERVER_NAME": None,
            }
        )
        with app.app_context():
            _reset_schema()
            upgrade(revision="heads")
        yield app
        with app.app_context():
            db.engine.dispose()


def _reset_schema() -> None:
    """PostgreSQL keeps its tables between runs: start every test session from empty."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Run the test in a transaction that is rolled back; app code may commit freely."""
    limiter.reset()
    if request.node.get_closest_marker("concurrency"):
        with app.app_context():
            yield
            _truncate_all()
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _truncate_all() -> None:
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names


class Client(FlaskClient):
    """Clears `g` before each request: pytest-flask shares one app context, so Flask-Login's
    cached user, Flask-WTF's cached CSRF token and our current site would leak between
    requests."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        for name in list(g):
            g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def make_site() -> Callable[..., Site]:
    counter = iter(range(1, 10_000))

    def make(code: str | None = None, name: str | None = None, **kwargs: Any) -> Site:
        n = next(counter)
        site = create_site(code=code or f"site{n}", name=name or f"Test Site {n}", actor=None,
                           **kwargs)
        db.session.commit()
        return site

    return make


@pytest.fixture
def make_user(make_site: Callable[..., Site]) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str = "volunteer", sites: list[Site] | None = None, email: str | None = None,
             name: str = "Test Person", password: str = PASSWORD) -> User:
        n = next(counter)
        if sites is None:
            sites = [make_site()] if role in ("volunteer", "site_manager") else []
        user = create_user(email=email or f"{role}{n}@example.org", name=name, role=role,
                           password=password, sites=sites, actor=None)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Sign a user in through the real login form."""

    def do(user: User, password: str = PASSWORD) -> FlaskClient:
        response = client.post("/login", data={"email": user.email, "password": password,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return do


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """A CSRF token for the client's session, read from a page's meta tag."""
    html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def token_for() -> Callable[[User], dict[str, str]]:
    """Authorization headers for an API token acting as the user."""
    from supermarket.auth.services import create_token

    def make(user: User) -> dict[str, str]:
        _, secret = create_token(user, label="test", actor=None)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make
