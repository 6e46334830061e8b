"""Requests that only read never fail because another connection wrote: the sequences that
answered 500 ("database is locked") on SQLite, against real connections on a file database.

A read request (GET) reads in a plain transaction; what it records (the audit of what it
showed, a session's or token's last use) goes aside in a short transaction of its own, and a
statement that writes in the read transaction itself is refused every time (ReadOnlyRequest),
so a breach shows in any test, not now and then under load.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, insert, select

from supermarket.auth.models import AuditEvent, User
from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.models import Member
from supermarket.members.schemas import MemberIn
from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.transactions import (
    ReadOnlyRequest,
    begin_request,
    end_request,
    finish_read_request,
    write_aside,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.concurrency

PARALLEL = 40


def register(site: Site, manager: User, last_name: str = "Okafor") -> Member:
    data = MemberIn().load(
        {
            "first_name": "Tasha",
            "last_name": last_name,
            "date_of_birth": "1988-04-12",
            "postcode": "CM20 1AB",
            "household": {"adults": 2, "children_0_4": 0, "children_5_11": 1, "children_12_17": 0},
            "eligibility": {"route": "self_declared"},
            "consents": {"privacy_notice_given": True, "survey": False, "contact": False},
        }
    )
    member = members.register_member(site, data, actor=manager).member
    db.session.commit()
    return member


@dataclass
class Harlow:
    code: str
    number: str
    volunteer: User
    manager: User


@pytest.fixture
def harlow(make_site: Callable[..., Site], make_user: Callable[..., User]) -> Any:
    site = make_site(code="harlow")
    volunteer = make_user("volunteer", sites=[site])
    manager = make_user("site_manager", sites=[site])
    member = register(site, manager)
    return Harlow(site.code, member.membership_number, volunteer, manager)


def audit_count(action: str) -> int:
    db.session.remove()
    count = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))
    db.session.remove()
    return int(count or 0)


# --- after a minute without a request -------------------------------------------------------


def test_the_first_pages_after_an_idle_minute_open(client, login, harlow):
    h = harlow
    login(h.manager)
    with time_machine.travel(utcnow(), tick=True) as clock:
        for path in (
            "/checkin",
            f"/checkin/panel/{h.number}",
            f"/members/{h.number}",
            f"/members/{h.number}/card.pdf",
            f"/members/cards.pdf?number={h.number}",
            f"/members/{h.number}/export.json",
            f"/members/{h.number}/export.pdf",
        ):
            clock.shift(timedelta(minutes=2))  # the session's last-seen is due to be written
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
    assert audit_count("member.viewed") >= 1
    assert audit_count("member.card_printed") == 1


def test_a_new_tokens_first_request_for_an_export_answers(client, token_for, harlow):
    h = harlow
    headers = token_for(h.manager)
    path = f"/api/v1/sites/{h.code}/members/{h.number}/export"
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert audit_count("member.exported") == 1


def test_a_refusal_after_an_idle_minute_is_audited_and_answers_403(client, login, harlow):
    h = harlow
    login(h.volunteer)
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=True):
        response = client.get(f"/members/{h.number}/export.json")
    assert response.status_code == 403
    assert audit_count("access.denied") == 1


# --- in parallel ----------------------------------------------------------------------------


def race(count: int, work: Callable[[int], int]) -> Counter[int]:
    """work(i) in `count` threads released at once; how many answered each status."""
    barrier = threading.Barrier(count)
    statuses: list[int] = [0] * count

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            statuses[i] = work(i)
        except Exception:  # no answer at all is counted as status 0
            statuses[i] = 0

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(statuses)


def get(base: str, path: str, headers: dict[str, str]) -> int:
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_forty_parallel_audited_api_reads_all_answer(live_url, token_for, harlow):
    h = harlow
    # A token each, never used: every first request also records the token's use.
    volunteers = [token_for(h.volunteer) for _ in range(PARALLEL // 2)]
    managers = [token_for(h.manager) for _ in range(PARALLEL // 2)]
    paths = [
        f"/api/v1/sites/{h.code}/checkin/{h.number}",
        f"/api/v1/sites/{h.code}/members/{h.number}",
        f"/api/v1/sites/{h.code}/members/{h.number}/card.pdf",
    ]
    export = f"/api/v1/sites/{h.code}/members/{h.number}/export"

    def work(i: int) -> int:
        if i % 2:
            return get(live_url, paths[i % 3], volunteers[i // 2])
        if i % 4 == 0:  # the subject-access export, audited
            return get(live_url, export, managers[i // 2])
        return get(live_url, paths[i % 3], managers[i // 2])

    assert race(PARALLEL, work) == Counter({200: PARALLEL})
    assert audit_count("member.exported") == PARALLEL // 4


def test_parallel_refusals_are_audited_and_answer_403(live_url, token_for, harlow):
    h = harlow
    tokens = [token_for(h.volunteer) for _ in range(PARALLEL // 4)]
    path = f"/api/v1/sites/{h.code}/members/{h.number}/export"
    assert race(len(tokens), lambda i: get(live_url, path, tokens[i])) == Counter(
        {403: len(tokens)}
    )
    assert audit_count("access.denied") == len(tokens)


def signed_in_opener(base: str, user: User) -> urllib.request.OpenerDirector:
    """A browser of sorts: its own cookie jar, signed in through the real form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login", timeout=60).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert token is not None
    form = urllib.parse.urlencode(
        {"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)}
    ).encode()
    opener.open(f"{base}/login", data=form, timeout=60).read()
    return opener


def test_parallel_member_pages_all_open(live_url, harlow):
    h = harlow
    browsers = [signed_in_opener(live_url, h.manager) for _ in range(8)]
    paths = [f"/members/{h.number}", f"/checkin/panel/{h.number}", f"/members/{h.number}/card.pdf"]

    def work(i: int) -> int:
        try:
            return int(browsers[i].open(f"{live_url}{paths[i % 3]}", timeout=60).status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert race(len(browsers), work) == Counter({200: len(browsers)})


# --- the rule itself --------------------------------------------------------------------------


def test_a_write_in_a_read_requests_own_transaction_is_refused(app, make_site):
    site_id = make_site().id
    begin_request("GET", None)
    try:
        db.session.scalar(select(Site).where(Site.id == site_id))
        with pytest.raises(ReadOnlyRequest, match="write_aside"):
            db.session.execute(insert(AuditEvent).values(action="test.write", site_id=site_id))
    finally:
        db.session.rollback()
        end_request()
    assert audit_count("test.write") == 0


def test_what_a_read_request_keeps_aside_survives_another_connections_commit(app, make_site):
    site_id = make_site().id
    begin_request("GET", None)
    try:
        db.session.scalar(select(Site).where(Site.id == site_id))  # the request has read
        engine = db.engine
        other = threading.Thread(target=commit_elsewhere, args=(engine, site_id))  # a request
        other.start()
        other.join()
        write_aside(insert(AuditEvent).values(action="test.aside", site_id=site_id))
        assert audit_count_in_request("test.aside") == 0  # not yet: when the answer is ready
        finish_read_request()
    finally:
        end_request()
    assert audit_count("test.aside") == 1
    assert audit_count("test.other") == 1


def commit_elsewhere(engine: Any, site_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(insert(AuditEvent).values(action="test.other", site_id=site_id))


def audit_count_in_request(action: str) -> int:
    """Counted on a connection of its own, leaving the request's transaction as it is."""
    with db.engine.connect() as conn:
        count = conn.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))
    return int(count or 0)
