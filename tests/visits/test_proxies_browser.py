"""In the real browser: the desk ticks the proxy who is collecting, and the check-in it sends
names them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.access_inputs import NewProxy
from supermarket.members.services import access
from supermarket.visits.models import Visit
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]


def test_the_desk_checks_in_a_proxy_collecting(browser_page: Any, desk: Any) -> None:
    member = desk.member(first_name="Mavis")
    proxy = access.add_proxy(member, NewProxy("Jo Bloggs", "neighbour"), actor=desk.volunteer)
    db.session.commit()
    page = browser_page
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data or "{}"))
            if r.method == "POST" and "/api/v1/" in r.url
            else None
        ),
    )
    browser_login(page, desk.volunteer)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'checkin-q'")
    page.keyboard.type(member.membership_number, delay=5)
    page.keyboard.press("Enter")
    page.get_by_text("May collect").wait_for()
    page.get_by_text("Collected by proxy: Jo Bloggs (neighbour)").click()
    page.get_by_role("button", name="One more blue").click()
    page.get_by_role("button", name="Check in Mavis").click()
    page.locator("#checkin-status").get_by_text("Mavis checked in").wait_for()
    assert sent[0]["proxy"] == proxy.id
    db.session.rollback()  # the server has committed since
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert visit is not None
    assert visit.proxy_id == proxy.id
