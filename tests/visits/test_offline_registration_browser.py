"""Registering a household on an enrolled tablet with the network cut (issue 14): queued with
its own key and a provisional number on screen, checked in at once behind it, kept across a
reload, and when the network returns one member and one visit exist, with the real number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.offline.services import enrol_device
from tests.conftest import browser_login, screenshot
from tests.visits.test_offline_browser import (
    banner,
    roster_kept,
    service_worker_ready,
    visits_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]


@pytest.fixture
def harlow(make_desk) -> Any:
    """Harlow, where enrolled tablets may register households offline."""
    desk = make_desk(code="harlow", settings={"offline_registration": True})
    desk.site.name = "Harlow Community Supermarket"
    db.session.commit()
    return desk


def test_a_household_registered_and_checked_in_offline_syncs_once_with_its_real_number(
    browser_page, harlow
):
    tablet = enrol_device(harlow.site, "Front desk", actor=harlow.manager)
    db.session.commit()
    page = browser_page
    page.add_init_script(f"window.localStorage.setItem('supermarket.device', '{tablet.id}')")
    browser_login(page, harlow.volunteer)
    service_worker_ready(page)
    roster_kept(page)

    page.context.set_offline(True)
    page.get_by_role("button", name="Register a new household offline").click()
    form = page.locator("#offline-register-form")
    form.get_by_label("First name").fill("Nadia")
    form.get_by_label("Surname").fill("Offlineton")
    form.get_by_label("Date of birth").fill("1990-05-17")
    form.get_by_label("Postcode").fill("CM20 2AB")
    form.get_by_label("Adults (18+)").fill("2")
    form.get_by_label("I have given the household the privacy notice").check()
    form.get_by_role("button", name="Register offline").click()
    done = page.locator("#offline-register-done")
    done.get_by_text("Nadia Offlineton registered offline.").wait_for()
    provisional = re.search(r"P-[A-Z0-9]{4}-\d+", done.inner_text()).group(0)
    banner(page).get_by_text("Offline — 1 registration waiting to send").wait_for()
    screenshot(page, "offline-4-registered-offline")

    done.get_by_role("button", name="Check in Nadia now").click()
    panel = page.locator(".offline-panel")
    panel.get_by_text(provisional).wait_for()
    panel.get_by_label("Red (up to 2)").fill("1")
    panel.get_by_role("button", name="Check in Nadia").click()
    page.get_by_text("Nadia: checked offline; the server will confirm.").wait_for()
    banner(page).get_by_text("Offline — 1 registration and 1 check-in waiting to send").wait_for()

    # Reloaded with no network: the queue is still there, registration first.
    page.reload()
    banner(page).get_by_text("Offline — 1 registration and 1 check-in waiting to send").wait_for()

    page.context.set_offline(False)
    banner(page).get_by_text("All sent").wait_for(timeout=20000)
    db.session.rollback()
    [member] = db.session.scalars(
        select(Member).where(Member.site_id == harlow.site.id, Member.last_name == "Offlineton")
    ).all()
    assert member.offline_registration.provisional_number == provisional
    assert member.offline_registration.device == tablet.id
    assert member.offline_registration.review_status is None
    [visit] = visits_of(member)
    assert visit.member.membership_number == member.membership_number
    assert visit.offline_recorded_at is not None
    assert visit.basket == {"red": 1}


def test_the_manager_closes_a_possible_duplicate_on_the_review_page(browser_page, harlow):
    """The review list at tablet size, with a household registered offline that may be one
    already registered (a screenshot for a person to look at)."""
    import uuid
    from datetime import UTC, datetime

    from supermarket.members.schemas import MemberIn
    from supermarket.members.services import register_member
    from tests.factories import desk_member_payload

    ellen = harlow.member(first_name="Ellen", last_name="Marsh")
    body = desk_member_payload(
        first_name="Ellen",
        last_name="Marsh",
        offline={
            "recorded_at": datetime.now(UTC).isoformat(),
            "device": "front-desk",
            "provisional_number": "P-FRNT-3",
        },
    )
    new = register_member(
        harlow.site, MemberIn().load(body), actor=harlow.volunteer, key=str(uuid.uuid4())
    ).member
    db.session.commit()
    page = browser_page
    browser_login(page, harlow.manager)
    page.goto("/visits/review")
    section = page.locator("#registrations")
    section.get_by_text("1 registration to review.").wait_for()
    assert section.get_by_text("P-FRNT-3").is_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, "offline-registration-review-list")
    section.get_by_label("Note, or why it is a duplicate").fill("Same household; card reissued.")
    section.get_by_role("button", name="Close as duplicate").click()
    page.locator("#registrations").get_by_text("No registrations to review.").wait_for()
    db.session.rollback()
    assert db.session.get(Member, new.id).status == "closed"
    assert db.session.get(Member, ellen.id).status == "active"
