"""The tests' clock (tests/conftest.py): every test, the live server, the browser's JavaScript
and the tests' subprocesses start at TEST_NOW, not at the real date."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from supermarket.auth.models import User
from supermarket.extensions import db
from tests.conftest import (
    LONDON,
    TEST_NOW,
    browser_login,
    parse_test_now,
    read_test_now,
    subprocess_env,
)

# Generous: the clock ticks from TEST_NOW while the test's fixtures and the test run.
SLACK = timedelta(seconds=60)


def test_a_test_starts_at_the_test_clock_and_the_clock_ticks():
    start = datetime.now(UTC)
    assert TEST_NOW <= start < TEST_NOW + SLACK
    assert datetime.fromtimestamp(time.time(), UTC) - start < SLACK
    assert date.today() == datetime.now(UTC).date()  # the local zone is UTC in a test
    time.sleep(0.01)
    assert datetime.now(UTC) > start


def test_a_test_may_move_its_clock(clock):
    clock.move_to(datetime(2030, 2, 3, 4, 5, tzinfo=UTC), tick=False)
    assert datetime.now(UTC) == datetime(2030, 2, 3, 4, 5, tzinfo=UTC)
    clock.shift(timedelta(days=1))
    assert date.today() == date(2030, 2, 4)


@time_machine.travel(datetime(2025, 6, 1, 12, tzinfo=UTC), tick=False)
def test_a_test_that_pins_its_own_instant_keeps_it():
    assert datetime.now(UTC) == datetime(2025, 6, 1, 12, tzinfo=UTC)


def test_the_real_clock_is_not_read():
    real = datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)
    if abs(real - TEST_NOW) < timedelta(days=1):
        pytest.skip("the real date is the test clock's date")
    assert abs(datetime.now(UTC) - TEST_NOW) < SLACK
    assert abs(datetime.now(UTC) - real) > timedelta(days=1)


def test_a_subprocess_starts_at_the_test_clock():
    done = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    seen = datetime.fromtimestamp(float(done.stdout), UTC)
    assert TEST_NOW <= seen < TEST_NOW + SLACK


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-11-20T10:00:00+00:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2027-01-01T00:05Z", datetime(2027, 1, 1, 0, 5, tzinfo=UTC)),
        # Without an offset: London's wall clock, on GMT or BST.
        ("2027-01-01T00:05", datetime(2027, 1, 1, 0, 5, tzinfo=UTC)),
        ("2027-07-01T00:30", datetime(2027, 6, 30, 23, 30, tzinfo=UTC)),
        ("2027-03-31", datetime(2027, 3, 30, 23, tzinfo=UTC)),
    ],
)
def test_the_test_clock_is_read_as_an_instant_or_a_london_time(text, instant):
    assert parse_test_now(text) == instant


@pytest.mark.parametrize("text", ["2027-03-28T01:30", "31/03/2027", "tomorrow"])
def test_a_test_clock_that_is_no_instant_in_london_is_refused(text):
    with pytest.raises(pytest.UsageError, match="SUPERMARKET_TEST_NOW"):
        parse_test_now(text)


def test_the_test_clock_defaults_and_stays_where_the_tests_fixed_history_holds():
    assert read_test_now(None) == read_test_now("") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert read_test_now("2028-12-31T23:59") == datetime(2028, 12, 31, 23, 59, tzinfo=UTC)
    for outside in ("2026-11-01T12:00", "2029-01-01T00:00"):
        with pytest.raises(pytest.UsageError, match="must be from"):
            read_test_now(outside)


@pytest.mark.browser
@pytest.mark.concurrency
def test_the_live_server_and_the_browser_share_the_test_clock(browser_page, make_user):
    user = make_user("programme_lead")
    user_id = user.id
    page = browser_page
    browser_login(page, user)
    # The server's thread wrote the sign-in time with the test's clock...
    db.session.remove()
    signed_in = db.session.scalar(select(User.last_login_at).where(User.id == user_id))
    assert signed_in is not None
    assert TEST_NOW <= signed_in < TEST_NOW + SLACK
    # ...and the page's JavaScript reads the same clock, in London.
    browser_now = datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, UTC)
    assert abs(browser_now - datetime.now(UTC)) < timedelta(seconds=5)
    london_day = page.evaluate(
        "new Intl.DateTimeFormat('en-CA', {timeZone: 'Europe/London'}).format(new Date())"
    )
    assert london_day == datetime.now(LONDON).date().isoformat()
