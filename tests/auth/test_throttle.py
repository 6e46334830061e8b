"""The sign-in throttle: it bites an attacker, never locks the owner out, and every worker
shares its counters (auth/throttle.py states the rule; the README the numbers)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from supermarket.auth import services as auth
from supermarket.auth import throttle
from supermarket.auth.models import SignInThrottle
from supermarket.extensions import db
from supermarket.models import utcnow
from tests.conftest import PASSWORD, csrf_token

ROOT = Path(__file__).resolve().parents[2]
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WRONG = "not the password at all"


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _post(client, path, data, address="127.0.0.1"):
    data = {**data, "csrf_token": csrf_token(client, "/login" if path == "/login" else path)}
    return client.post(path, data=data, environ_overrides={"REMOTE_ADDR": address})


def _sign_in(client, email, password, address="127.0.0.1"):
    return _post(client, "/login", {"email": email, "password": password}, address)


def _fresh(app):
    """Another browser: no cookies at all (a new device)."""
    from tests.conftest import Client

    app.test_client_class = Client
    return app.test_client()


# --- per address --------------------------------------------------------------------------------


def test_the_sixth_failure_from_one_address_is_refused_saying_when_to_retry(
    client, make_user, clock
):
    users = [make_user("volunteer") for _ in range(6)]
    statuses = [_sign_in(client, u.email, WRONG, "203.0.113.9").status_code for u in users[:5]]
    assert statuses == [401] * 5
    refused = _sign_in(client, users[5].email, PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "12"
    assert "Try again in 12 seconds." in refused.get_data(as_text=True)
    clock.shift(timedelta(seconds=12))
    assert _sign_in(client, users[5].email, PASSWORD, "203.0.113.9").status_code == 303


@pytest.mark.slow
def test_an_address_that_keeps_failing_gets_one_guess_every_three_minutes(client, make_user, clock):
    user = make_user("volunteer")
    let_through = 0
    for _ in range(60):  # an hour of one attempt a minute, each at a different account
        response = _sign_in(client, f"x{let_through}{user.email}", WRONG, "203.0.113.9")
        let_through += response.status_code == 401
        clock.shift(timedelta(minutes=1))
    # 20 an hour at once, then one every 3 minutes: at most 20 + 20 in the hour.
    assert let_through <= 40
    assert _sign_in(client, "other@example.org", WRONG, "198.51.100.7").status_code == 401


def test_a_spoofed_forwarded_for_header_does_not_buy_more_guesses(client, make_user, clock):
    user = make_user("volunteer")
    statuses = [
        client.post(
            "/login",
            data={"email": user.email, "password": WRONG, "csrf_token": csrf_token(client)},
            headers={"X-Forwarded-For": f"10.0.0.{i}"},
        ).status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]


# --- per account: slowed down, never locked --------------------------------------------------


def _attack(app, email, attempts, first=1):
    """Wrong passwords for one account, each from a new address and a new browser."""
    return [
        _sign_in(_fresh(app), email, WRONG, f"192.0.2.{first + i}").status_code
        for i in range(attempts)
    ]


def test_failures_from_many_addresses_only_delay_a_new_device_by_two_minutes(app, make_user, clock):
    user = make_user("volunteer")
    statuses = _attack(app, user.email, 30)
    assert statuses == [401] * 10 + [429] * 20
    owner = _fresh(app)
    waiting = _sign_in(owner, user.email, PASSWORD, "198.51.100.20")
    assert waiting.status_code == 429
    assert int(waiting.headers["Retry-After"]) <= 120
    assert "Try again in 2 minutes." in waiting.get_data(as_text=True)
    clock.shift(timedelta(seconds=int(waiting.headers["Retry-After"])))
    assert _sign_in(owner, user.email, PASSWORD, "198.51.100.20").status_code == 303


def test_the_owners_own_device_signs_in_at_once_during_an_attack(app, make_user, clock):
    user = make_user("volunteer")
    owner = _fresh(app)
    assert _sign_in(owner, user.email, PASSWORD, "198.51.100.20").status_code == 303
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/account")})
    assert _attack(app, user.email, 30)[-1] == 429
    # From the device that signed in before, even at another address: straight in.
    assert _sign_in(owner, user.email, PASSWORD, "198.51.100.99").status_code == 303


def test_an_attacker_sharing_the_owners_address_does_not_hold_up_the_owners_device(
    app, make_user, clock
):
    user = make_user("volunteer")
    tablet = _fresh(app)
    assert _sign_in(tablet, user.email, PASSWORD, "203.0.113.1").status_code == 303
    tablet.post("/logout", data={"csrf_token": csrf_token(tablet, "/account")})
    others = [make_user("volunteer") for _ in range(6)]
    # Someone else on the venue's Wi-Fi spends the address's budget...
    statuses = [_sign_in(_fresh(app), u.email, WRONG, "203.0.113.1").status_code for u in others]
    assert statuses == [401] * 5 + [429]
    # ...which still holds up new devices there, but not the tablet the owner signed in on.
    assert _sign_in(_fresh(app), user.email, PASSWORD, "203.0.113.1").status_code == 429
    assert _sign_in(tablet, user.email, PASSWORD, "203.0.113.1").status_code == 303


def test_a_known_device_has_its_own_budget(app, make_user, clock):
    user = make_user("volunteer")
    owner = _fresh(app)
    assert _sign_in(owner, user.email, PASSWORD).status_code == 303
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/account")})
    statuses = [
        _sign_in(owner, user.email, WRONG, f"198.51.100.{i}").status_code for i in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_a_forged_device_cookie_counts_for_nothing(app, make_user, clock):
    user = make_user("volunteer")
    _attack(app, user.email, 10)
    forger = _fresh(app)
    forger.set_cookie("device", "eyJkIjoiYSIsImEiOltdfQ.forged")
    assert _sign_in(forger, user.email, PASSWORD, "198.51.100.30").status_code == 429


@pytest.mark.slow
def test_an_attacker_with_many_addresses_gets_ten_guesses_then_one_every_two_minutes(
    app, make_user, clock
):
    user = make_user("volunteer")
    let_through = 0
    for minute in range(60):
        statuses = _attack(app, user.email, 3, first=3 * minute + 1)
        let_through += statuses.count(401)
        clock.shift(timedelta(minutes=1))
    assert let_through <= 10 + 30


def test_a_refused_attempt_never_reads_the_password(app, make_user, clock, monkeypatch):
    user = make_user("volunteer")
    _attack(app, user.email, 10)
    checked = []
    monkeypatch.setattr(auth, "check_password", lambda *a: checked.append(a))
    assert _sign_in(_fresh(app), user.email, PASSWORD, "198.51.100.40").status_code == 429
    assert checked == []


# --- /account and the second factor ---------------------------------------------------------


def test_the_current_password_on_the_account_page_is_throttled_like_sign_in(
    client, make_user, login, clock
):
    user = make_user("volunteer")
    login(user)
    # As if signed in before devices were remembered: the address's and account's budgets.
    client.delete_cookie("device")

    def change(current):
        return _post(
            client,
            "/account",
            {
                "current_password": current,
                "new_password": "a brand new long phrase",
                "confirm_password": "a brand new long phrase",
            },
            "203.0.113.50",
        )

    assert [change(WRONG).status_code for _ in range(5)] == [422] * 5
    refused = change(PASSWORD)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert '<p class="error" id="f-current_password-error" role="alert">Too many' in html
    assert auth.authenticate(user.email, PASSWORD) is not None
    # The same budget as signing in from that address.
    assert (
        _sign_in(_fresh(client.application), user.email, PASSWORD, "203.0.113.50").status_code
        == 429
    )
    clock.shift(timedelta(seconds=int(refused.headers["Retry-After"])))
    assert change(PASSWORD).status_code == 303


def _enrolled(make_user):
    user = make_user("site_manager")
    secret = pyotp.random_base32()
    auth.enable_totp(user, secret, pyotp.TOTP(secret).now())
    user.totp_last_step = 0
    db.session.commit()
    return user, secret


def test_second_factor_codes_are_throttled_per_account_across_addresses(app, make_user, clock):
    user, secret = _enrolled(make_user)
    browser = _fresh(app)
    assert _sign_in(browser, user.email, PASSWORD).status_code == 303

    def code(value, address):
        return _post(browser, "/login/verify", {"code": value}, address)

    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    statuses = [code(wrong, f"192.0.2.{i}").status_code for i in range(1, 7)]
    assert statuses == [401] * 5 + [429]
    refused = code(pyotp.TOTP(secret).now(), "192.0.2.99")
    assert refused.status_code == 429
    assert "Try again in 3 minutes." in refused.get_data(as_text=True)
    clock.shift(timedelta(seconds=int(refused.headers["Retry-After"])))
    assert code(pyotp.TOTP(secret).now(), "192.0.2.99").status_code == 303


# --- the table and the store ---------------------------------------------------------------


def test_the_table_holds_only_budgets_still_in_use(client, make_user, clock):
    user = make_user("volunteer")
    for i in range(30):
        _sign_in(client, f"{i}{user.email}", WRONG, f"192.0.2.{i}")
    used = db.session.scalar(select(func.count()).select_from(SignInThrottle))
    assert used == 30 * 3  # each: two address budgets and one account budget
    clock.shift(timedelta(hours=1, seconds=1))
    _sign_in(client, user.email, WRONG, "198.51.100.1")
    assert db.session.scalar(select(func.count()).select_from(SignInThrottle)) == 3


def test_rows_hold_no_address_or_email(client, make_user, clock):
    user = make_user("volunteer")
    _sign_in(client, user.email, WRONG, "203.0.113.77")
    keys = db.session.scalars(select(SignInThrottle.key)).all()
    assert keys
    assert not any("203.0.113" in k or "@" in k for k in keys)


def test_retry_phrases_are_plain():
    assert throttle.retry_phrase(1) == "in 1 second"
    assert throttle.retry_phrase(12) == "in 12 seconds"
    assert throttle.retry_phrase(60) == "in 60 seconds"
    assert throttle.retry_phrase(61) == "in 2 minutes"
    assert throttle.retry_phrase(180) == "in 3 minutes"


def _budgets(app, name):
    with app.test_request_context():
        return [throttle.Budget(f"{name}-a", throttle.Rate(3, 60))]


def _store_semantics(store, budgets):
    """Three at once, then one every 20 seconds; a refused attempt charges nothing."""
    assert store.wait(budgets, NOON) == 0
    for _ in range(3):
        assert store.settle(budgets, NOON, charge=True) == 0
    assert store.wait(budgets, NOON) == pytest.approx(20)
    assert store.settle(budgets, NOON, charge=True) == pytest.approx(20)
    assert store.settle(budgets, NOON, charge=False) == pytest.approx(20)
    later = NOON + timedelta(seconds=20)
    assert store.wait(budgets, later) == 0
    assert store.settle(budgets, later, charge=True) == 0
    assert store.wait(budgets, later) == pytest.approx(20)
    assert store.wait(budgets, NOON + timedelta(minutes=5)) == 0


def test_the_database_store(app):
    _store_semantics(throttle.DatabaseStore(), _budgets(app, "db"))


@pytest.fixture
def redis_uri() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip(
            "No redis-server: install the OS package 'redis-server' to test the Redis store"
        )
    with tempfile.TemporaryDirectory() as tmp:
        sock = str(Path(tmp) / "redis.sock")
        process = subprocess.Popen(
            [server, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not os.path.exists(sock):
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
            yield f"redis+unix://{sock}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_the_redis_store(app, redis_uri):
    _store_semantics(throttle.RedisStore(redis_uri), _budgets(app, "redis"))


def test_redis_is_used_when_configured(app, redis_uri, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", redis_uri)
    with app.test_request_context():
        assert isinstance(throttle._store(), throttle.RedisStore)
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "")
    with app.test_request_context():
        assert isinstance(throttle._store(), throttle.DatabaseStore)


# --- shared between workers, safe in parallel ------------------------------------------------

_WORKER = """
import json, sys
import time_machine
from datetime import datetime
from supermarket import create_app

url, key, email, addresses, now = sys.argv[1:6]
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": key,
                  "SERVER_NAME": None})
client = app.test_client()
statuses = []
with time_machine.travel(datetime.fromisoformat(now), tick=False):
    for address in json.loads(addresses):
        html = client.get("/login").get_data(as_text=True)
        token = html.split('name="csrf-token" content="')[1].split('"')[0]
        response = client.post("/login", data={"email": email, "password": "wrong password x",
                               "csrf_token": token}, environ_overrides={"REMOTE_ADDR": address})
        statuses.append(response.status_code)
print(json.dumps(statuses))
"""


def _other_worker(app, email, addresses):
    """Failed sign-ins made by another process (another gunicorn worker, in effect), one from
    each address given."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _WORKER,
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["SECRET_KEY"],
            email,
            json.dumps(addresses),
            utcnow().isoformat(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.concurrency
@pytest.mark.slow
def test_counters_are_shared_between_worker_processes(app, client, make_user):
    # Read once: the test thread must not open a transaction of its own between requests.
    email = make_user("volunteer").email
    with time_machine.travel(NOON, tick=False):
        assert _other_worker(app, email, ["203.0.113.5"] * 3) == [401] * 3
        statuses = [_sign_in(client, email, WRONG, "203.0.113.5").status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        # The address's budget is spent for the other worker too; then the account's: ten
        # failures in all, split between the two workers.
        assert _other_worker(app, email, ["203.0.113.5"] + ["192.0.2.1"] * 5) == [429] + [401] * 5
        assert _sign_in(client, email, PASSWORD, "192.0.2.2").status_code == 429


@pytest.mark.concurrency
def test_failures_in_parallel_never_spend_more_than_the_budget(app, make_user):
    email = make_user("volunteer").email
    parallel = 16
    barrier = threading.Barrier(parallel)
    statuses: list[int] = []

    def attempt(i: int) -> None:
        with app.app_context():
            browser = _fresh(app)
            token = csrf_token(browser)
            barrier.wait()
            response = browser.post(
                "/login",
                data={"email": email, "password": WRONG, "csrf_token": token},
                environ_overrides={"REMOTE_ADDR": f"192.0.2.{i + 1}"},
            )
            statuses.append(response.status_code)

    with time_machine.travel(NOON, tick=False):
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(parallel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert sorted(statuses) == [401] * 10 + [429] * 6
