"""Never twice, never over the limit: many tablets (threads) checking in one member at the
same moment through the real HTTP server, on SQLite and PostgreSQL, then counting rows.

Run on PostgreSQL with DATABASE_URL=postgresql+psycopg://... (the same tests).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import event, func, select, text

from supermarket.extensions import db
from supermarket.visits.models import Visit
from supermarket.visits.services import stock_link

pytestmark = pytest.mark.concurrency

THREADS = 10


def post(base: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", **headers},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def race(count: int, work) -> list[tuple[int, Any]]:
    """Run work(i) in `count` threads released at the same moment; their answers in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = work(i)
        except Exception as exc:  # a failure to answer is an outcome to report, not to hide
            results[i] = (0, repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def tablets(token_for, user, count: int = THREADS) -> list[dict[str, str]]:
    """One API token per thread, as separate tablets would have: a shared token's first use
    updates its row, which would serialise the requests by accident and hide a race."""
    return [token_for(user) for _ in range(count)]


def visits_of(member_id: int) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count(Visit.id)).where(Visit.member_id == member_id))


def test_many_tablets_with_different_keys_record_one_visit_once_a_week(desk, token_for, live_url):
    member = desk.member()
    headers = tablets(token_for, desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    body = {"membership_number": member.membership_number, "basket": {"red": 1}}
    results = race(
        THREADS,
        lambda i: post(live_url, path, body, {**headers[i], "Idempotency-Key": str(uuid.uuid4())}),
    )
    outcomes = Counter(
        status if status != 409 else answer["error"]["code"] for status, answer in results
    )
    assert outcomes == {201: 1, "visit_limit_reached": THREADS - 1}, results
    assert visits_of(member.id) == 1


def test_many_tablets_at_twice_a_week_record_exactly_two(make_desk, token_for, live_url):
    desk = make_desk(visits_per_week=2)
    member = desk.member()
    headers = tablets(token_for, desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    body = {"membership_number": member.membership_number}
    results = race(
        THREADS,
        lambda i: post(live_url, path, body, {**headers[i], "Idempotency-Key": str(uuid.uuid4())}),
    )
    assert Counter(status for status, _ in results) == {201: 2, 409: THREADS - 2}, results
    assert visits_of(member.id) == 2


def test_retries_with_one_key_all_answer_with_the_single_visit(desk, token_for, live_url):
    member = desk.member()
    key = str(uuid.uuid4())
    headers = tablets(token_for, desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    body = {"membership_number": member.membership_number}
    results = race(
        THREADS, lambda i: post(live_url, path, body, {**headers[i], "Idempotency-Key": key})
    )
    assert Counter(status for status, _ in results) == {201: 1, 200: THREADS - 1}, results
    assert len({answer["id"] for _, answer in results}) == 1
    assert visits_of(member.id) == 1


def test_a_retry_while_the_first_attempt_is_still_running_gets_the_first_visit(
    desk, token_for, live_url, monkeypatch
):
    """The first attempt holds the member's lock and is slow to finish (as if the Wi-Fi
    dropped its answer); the retry with the same key waits, then answers with its visit."""
    member = desk.member()
    key = str(uuid.uuid4())
    first_tablet, second_tablet = tablets(token_for, desk.volunteer, 2)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    body = {"membership_number": member.membership_number}
    started = threading.Event()
    real_issue = stock_link.issue_lines

    def slow_issue(*args: Any, **kwargs: Any) -> None:
        if not started.is_set():
            started.set()
            time.sleep(1.0)  # inside the transaction, after the insert, before the commit
        real_issue(*args, **kwargs)

    monkeypatch.setattr(stock_link, "issue_lines", slow_issue)
    answers: dict[str, tuple[int, Any]] = {}

    def first() -> None:
        answers["first"] = post(live_url, path, body, {**first_tablet, "Idempotency-Key": key})

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(timeout=30)
    answers["retry"] = post(live_url, path, body, {**second_tablet, "Idempotency-Key": key})
    thread.join(timeout=60)
    (s1, a1), (s2, a2) = answers["first"], answers["retry"]
    assert (s1, s2) == (201, 200), answers
    assert a1["id"] == a2["id"]
    assert visits_of(member.id) == 1


def test_an_acknowledged_check_in_is_already_committed(desk, token_for, live_url, app):
    member = desk.member()
    status, answer = post(
        live_url,
        f"/api/v1/sites/{desk.site.code}/visits",
        {"membership_number": member.membership_number},
        token_for(desk.volunteer),
    )
    assert status == 201
    # A separate connection sees it at once: nothing waits to be committed after the answer.
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM visits WHERE id = :id"), {"id": answer["id"]})
        assert found.scalar() == answer["id"]


def test_the_same_member_at_two_sites_at_once_still_gets_one_visit(make_desk, token_for, live_url):
    home = make_desk()
    away = make_desk(allow_other_site_members=True)
    member = home.member()
    tokens = [token_for(home.volunteer if i % 2 else away.volunteer) for i in range(THREADS)]
    sites = [home.site.code if i % 2 else away.site.code for i in range(THREADS)]
    body = {"membership_number": member.membership_number}
    results = race(
        THREADS,
        lambda i: post(
            live_url,
            f"/api/v1/sites/{sites[i]}/visits",
            body,
            {**tokens[i], "Idempotency-Key": str(uuid.uuid4())},
        ),
    )
    assert Counter(status for status, _ in results) == {201: 1, 409: THREADS - 1}, results
    assert visits_of(member.id) == 1


def test_on_sqlite_the_desk_queues_for_the_write_lock_only_for_the_check_in_itself(
    desk, token_for, live_url
):
    """Who is asking and what they sent are read before the write lock is taken; the key,
    the member and the week's visits are read under it (so the limit still holds)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks the member's row instead")
    member = desk.member()
    headers = token_for(desk.volunteer)
    seen: list[str] = []
    whole: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split())[:60])
        whole.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        status, _ = post(
            live_url,
            f"/api/v1/sites/{desk.site.code}/visits",
            {"membership_number": member.membership_number},
            {**headers, "Idempotency-Key": str(uuid.uuid4())},
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert status == 201
    locked = seen.index("BEGIN IMMEDIATE")
    assert seen[0] == "BEGIN"
    # The token's user and sites, read with the token's columns (auth.services.user_for_token).
    assert any(s.startswith("SELECT") and " JOIN api_tokens " in s for s in whole[:locked])
    assert any(s.startswith("SELECT visits.id FROM visits") for s in seen[locked:])
    assert any(s.startswith("SELECT members.") for s in seen[locked:])
    # Before the lock only the token's "last used" bookkeeping, in its own short transaction.
    writes = [s for s in seen[:locked] if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert all(s.startswith("UPDATE api_tokens SET last_used_at") for s in writes), writes
