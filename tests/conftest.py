"""Test set-up: migrations build the schema once; each test runs in a rolled-back transaction,
with the clock moved to one fixed instant (see "The clock" below)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
import time_machine
from argon2 import PasswordHasher
from flask import Flask, g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from supermarket import create_app
from supermarket.auth import passwords
from supermarket.auth.models import User
from supermarket.auth.services import create_user
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.sites.services import create_site
from supermarket.transactions import sqlite_write_intent

pytest_plugins = ["tests.factories"]  # the factories every test package shares

PASSWORD = "correct horse battery staple"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# --- the clock ---------------------------------------------------------------------------
# No test reads the real date. Every test (its fixtures, the app, the live server's thread, the
# browser's JavaScript and any Python subprocess it starts with subprocess_env()) runs with the
# clock moved to TEST_NOW and ticking on from there, so that timeouts and waits still work.
# TEST_NOW is DEFAULT_TEST_NOW unless the environment sets SUPERMARKET_TEST_NOW: an ISO 8601
# date-time with an offset ("...Z", "...+01:00") is that instant; without one, London's wall
# clock ("2027-03-31T22:30"; "2027-01-01" is midnight). CI runs the date-sensitive tests again
# at awkward instants (.ci/run), so a test must hold at any instant in TEST_NOW_RANGE:
# it works its expected dates out from the clock, on the site's calendar (datetime.now(LONDON),
# the site's today; "now - 2 days" in UTC may be another day there), or pins its own instant
# with time_machine.travel when it is about one particular day. While a test runs the process's
# local zone is UTC (time_machine sets it), so date.today() is UTC's day, not London's.

DEFAULT_TEST_NOW = "2026-11-20T10:00:00+00:00"  # a Friday; London is on GMT
LONDON = ZoneInfo("Europe/London")


def parse_test_now(text: str) -> datetime:
    """SUPERMARKET_TEST_NOW's value as an aware UTC datetime (naive: London wall-clock time)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise pytest.UsageError(
            f"SUPERMARKET_TEST_NOW={text!r} is not an ISO 8601 date-time (2027-03-31T22:30)"
        ) from None
    if value.tzinfo is None:
        local = value.replace(tzinfo=LONDON)
        if local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != value:
            raise pytest.UsageError(
                f"SUPERMARKET_TEST_NOW={text!r} does not exist in London (the clocks go forward)"
            )
        value = local
    return value.astimezone(UTC)


# Reporting's fixed history (January to October 2026) must be over, and within the two
# calendar years back that the dashboards' period choosers offer.
TEST_NOW_RANGE = (DEFAULT_TEST_NOW, "2029-01-01T00:00:00+00:00")


def read_test_now(text: str | None) -> datetime:
    """The tests' starting instant: SUPERMARKET_TEST_NOW's, checked, or the default."""
    found = parse_test_now(text or DEFAULT_TEST_NOW)
    first, end = (parse_test_now(edge) for edge in TEST_NOW_RANGE)
    if not first <= found < end:
        raise pytest.UsageError(
            f"SUPERMARKET_TEST_NOW must be from {TEST_NOW_RANGE[0]} and before"
            f" {TEST_NOW_RANGE[1]}: reporting's tests read a fixed history of 2026"
        )
    return found


TEST_NOW = read_test_now(os.environ.get("SUPERMARKET_TEST_NOW"))


def pytest_report_header() -> str:
    london = TEST_NOW.astimezone(LONDON)
    return f"clock: tests start at {TEST_NOW.isoformat()} ({london:%a %d %b %Y %H:%M %Z} in London)"


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    """The test's clock, at TEST_NOW and ticking; `clock.shift(...)`/`clock.move_to(...)`
    move it for the rest of the test."""
    # A ZoneInfo instant also sets the process's local zone (TZ) to it while the test runs.
    with time_machine.travel(TEST_NOW.astimezone(ZoneInfo("UTC")), tick=True) as traveller:
        yield traveller


def subprocess_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for running Python in a subprocess at the test's clock (as it is now)."""
    env = dict(os.environ if env is None else env)
    hook = str(Path(__file__).resolve().parent / "clock")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (hook, env.get("PYTHONPATH", "")) if p)
    env["SUPERMARKET_TEST_CLOCK"] = repr(time.time())
    return env


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


class _OneHashPerPassword(PasswordHasher):
    """argon2id with the app's parameters that hashes each password once per test run.

    A hash costs 20 to 40 ms by design, and the tests create thousands of accounts with a
    few passwords: a quarter of the suite's time went on hashing. Verifying is real."""

    _hashes: ClassVar[dict[str, str]] = {}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        key = password if isinstance(password, str) else password.decode()
        if key not in self._hashes:
            self._hashes[key] = super().hash(password, salt=salt)
        return self._hashes[key]


@pytest.fixture(autouse=True)
def _password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reuse one real hash per password, except in tests of hashing itself."""
    if request.node.get_closest_marker("real_password_hashing"):
        return
    real = passwords._hasher
    monkeypatch.setattr(
        passwords,
        "_hasher",
        _OneHashPerPassword(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            type=real.type,
        ),
    )


@pytest.fixture(autouse=True)
def _transaction(
    request: pytest.FixtureRequest, app: Flask, clock: time_machine.Traveller
) -> Iterator[None]:
    """Run the test in a transaction that is rolled back; app code may commit freely."""
    if request.node.get_closest_marker("concurrency"):
        # The test thread only sets up and checks: its reads must not hold SQLite's write
        # lock while the server or worker threads (which default to write intent) work.
        token = sqlite_write_intent.set(False)
        try:
            with app.app_context():
                yield
                _truncate_all()
        finally:
            sqlite_write_intent.reset(token)
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
            # SQLite has no TRUNCATE that skips triggers: set the audit log's append-only
            # triggers aside for the emptying, in the same transaction.
            triggers = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _ in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            for _, sql in triggers:
                conn.execute(text(sql))


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
        site = create_site(
            code=code or f"site{n}", name=name or f"Test Site {n}", actor=None, **kwargs
        )
        db.session.commit()
        return site

    return make


def _agency_for_referrer(n: int) -> int:
    """A referrer needs an agency: one of its own, referring to no site, unless given."""
    from supermarket.support.agency_models import ReferralAgency

    agency = ReferralAgency(name=f"Test Agency {n}", kind="charity")
    db.session.add(agency)
    db.session.flush()
    return agency.id


@pytest.fixture
def make_user(make_site: Callable[..., Site]) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        role: str = "volunteer",
        sites: list[Site] | None = None,
        email: str | None = None,
        name: str = "Test Person",
        password: str = PASSWORD,
        agency_id: int | None = None,
    ) -> User:
        n = next(counter)
        if sites is None:
            sites = [make_site()] if role in ("volunteer", "site_manager") else []
        if role == "referrer" and agency_id is None:
            agency_id = _agency_for_referrer(n)
        user = create_user(
            email=email or f"{role}{n}@example.org",
            name=name,
            role=role,
            password=password,
            sites=sites,
            agency_id=agency_id,
            actor=None,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Sign a user in through the real login form."""

    def do(user: User, password: str = PASSWORD) -> FlaskClient:
        response = client.post(
            "/login",
            data={"email": user.email, "password": password, "csrf_token": csrf_token(client)},
        )
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


# --- browser tests ------------------------------------------------------------------------
# Real pages in the system's headless Chromium. The server runs in a thread of this process
# against the same database, so browser tests are marked `concurrency`: their data is
# committed (the server must see it) and every table is emptied afterwards.

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 820, "height": 1180}  # a 10.9" tablet in portrait, in CSS pixels


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is marked `browser` and drives `browser_page`, whose JavaScript reads
    the test's clock: a test that opened Chromium any other way would read the real one."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        marked = item.get_closest_marker("browser") is not None
        if marked != ("browser_page" in fixtures) or (
            "_chromium" in fixtures and "browser_page" not in fixtures
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: a browser test is marked `browser` and uses the"
                " `browser_page` fixture (its page reads the test's clock)"
            )


class _Served:
    """The app as the live server runs it, counting the requests it is still answering, so
    that a browser test's end can wait for them (a request the page sent as it closed, say
    an "online" event's roster refresh, must not meet the next test's table truncation)."""

    def __init__(self, app: Flask) -> None:
        import threading

        self.app = app
        self.in_flight = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self.lock:
            self.in_flight += 1
        try:
            body = self.app(environ, start_response)
            try:
                return list(body)
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        finally:
            with self.lock:
                self.in_flight -= 1

    def wait_until_idle(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)


_served: _Served | None = None


@pytest.fixture(scope="session")
def live_url(app: Flask) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1 for the browser to use."""
    import threading

    from werkzeug.serving import make_server

    global _served
    _served = _Served(app)
    server = make_server("127.0.0.1", 0, _served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"No Chromium at {CHROMIUM}: install the OS package 'chromium' to run browser tests"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_chromium: Any, live_url: str) -> Iterator[Any]:
    """A fresh Playwright page (own cookies) at tablet size; base URL is the live server.
    A test that moves its clock after opening the page moves the page's too:
    `page.clock.set_system_time(datetime.now(UTC))`."""
    context = _chromium.new_context(
        viewport=TABLET,
        base_url=live_url,
        locale="en-GB",
        timezone_id="Europe/London",
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    # The page's JavaScript sees the test's clock too (it ticks on from there, as ours does).
    context.clock.set_system_time(datetime.now(UTC))
    page = context.new_page()
    yield page
    context.close()
    if _served is not None:
        _served.wait_until_idle()  # what the page sent before it closed is answered first


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def writing_beside_the_server() -> Iterator[None]:
    """In a concurrency test, write (more members, a visit elsewhere) while the server runs:
    this thread's reads begin without SQLite's write lock, and a transaction that has read
    cannot start writing once the server has committed, so end it and write under the lock."""
    db.session.rollback()
    token = sqlite_write_intent.set(True)
    try:
        yield
    finally:
        db.session.rollback()
        sqlite_write_intent.reset(token)


def browser_login(page: Any, user: User, password: str = PASSWORD) -> None:
    """Sign in through the real login page."""
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
