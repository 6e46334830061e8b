"""Offline check-ins as the server meets them when a tablet syncs: the rules as of when the
tablet recorded the visit, replays, visits a rule would have refused recorded and marked for
the site manager's review, times refused, and the review itself (list, accept, note, void)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.errors import RuleViolation
from supermarket.extensions import db
from supermarket.reporting.rollups.definitions import counted_visits
from supermarket.visits.models import Device, Visit
from tests.conftest import browser_login, csrf_token, screenshot
from tests.visits.conftest import local

FRONT_DESK = "tablet-front-desk-0123456789"


@pytest.fixture(autouse=True)
def front_desk(desk):
    """The desk's site has its tablet enrolled: what the offline check-ins here say sent them."""
    return desk.tablet(FRONT_DESK)


def offline(at: datetime, device: str = FRONT_DESK) -> dict[str, str]:
    return {"recorded_at": at.isoformat(), "device": device}


def earlier_today(site: Any, minutes: int, *, second: int) -> datetime:
    """`minutes` ago, but never before the site's today began (its midnight plus `second`
    seconds), whatever the clock: the tests also run just after midnight."""
    now = datetime.now(UTC)
    midnight = datetime.now(ZoneInfo(site.timezone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return max(now - timedelta(minutes=minutes), midnight + timedelta(seconds=second))


def visits_of(member) -> list[Visit]:
    return list(db.session.scalars(select(Visit).where(Visit.member_id == member.id)))


def counted(site) -> int:
    """Visits as the reports count them (the rollups' own predicate)."""
    stmt = select(func.count(Visit.id)).where(Visit.site_id == site.id, counted_visits())
    return db.session.scalar(stmt)


# --- the rules as of recorded_at -------------------------------------------------------------


def test_a_check_in_recorded_last_sunday_night_counts_in_last_week(desk):
    member = desk.member()
    sunday_night = local("2026-03-08 23:50")
    synced = local("2026-03-09 09:00")  # Monday morning
    result = desk.check_in(member, now=synced, offline=offline(sunday_night))
    visit = result.visit
    assert result.created
    assert visit.local_date == date(2026, 3, 8)
    assert visit.week_key == "2026-W10"
    assert visit.offline_recorded_at == sunday_night
    assert visit.visited_at == synced  # when the server stored it
    assert visit.review_status is None
    # Monday is a new week: the member may shop again, online.
    monday = desk.check_in(member, now=local("2026-03-09 10:00"))
    assert monday.created
    assert monday.visit.week_key == "2026-W11"


def test_a_check_in_recorded_before_the_membership_ended_is_fine_though_it_has_ended_now(desk):
    member = desk.member(expires_on=date(2026, 3, 8))
    result = desk.check_in(
        member, now=local("2026-03-09 09:00"), offline=offline(local("2026-03-08 16:00"))
    )
    assert result.created
    assert result.visit.review_status is None
    with pytest.raises(RuleViolation) as refused:  # it has ended now
        desk.check_in(member, now=local("2026-03-09 09:05"))
    assert refused.value.code == "membership_expired"


def test_a_rule_that_would_refuse_marks_the_visit_for_review_instead(desk):
    member = desk.member(expires_on=date(2026, 3, 1))
    result = desk.check_in(
        member, now=local("2026-03-09 09:00"), offline=offline(local("2026-03-08 16:00"))
    )
    visit = result.visit
    assert result.created
    assert visit.review_status == "open"
    assert visit.review_reason_code == "membership_expired"
    assert "Membership ended" in visit.review_reason
    assert visit.overridden_rules == []


# --- the tablet it was recorded on -----------------------------------------------------------


def test_a_tablet_not_enrolled_here_marks_the_visit_for_review(desk, make_desk):
    elsewhere = make_desk().tablet()
    at, synced = local("2026-03-08 16:00"), local("2026-03-08 16:30")
    for device in ("never-enrolled-anywhere", elsewhere):
        visit = desk.check_in(desk.member(), now=synced, offline=offline(at, device)).visit
        assert visit.review_status == "open"
        assert visit.review_reason_code == "device_not_enrolled"
        assert visit.review_reason == (
            "Recorded on a tablet that was not enrolled at this site at the time."
        )
        assert visit.offline_device == device


def test_a_tablet_revoked_counts_from_when_it_was_revoked(desk):
    device = db.session.get(Device, desk.tablet())
    device.revoked_at = local("2026-03-08 16:00")
    db.session.commit()
    synced = local("2026-03-08 17:00")
    before = desk.check_in(
        desk.member(), now=synced, offline=offline(local("2026-03-08 15:59"), device.id)
    )
    after = desk.check_in(
        desk.member(), now=synced, offline=offline(local("2026-03-08 16:01"), device.id)
    )
    assert before.visit.review_status is None
    assert after.visit.review_reason_code == "device_not_enrolled"


def test_no_tablet_named_is_no_reason_for_review(desk):
    # A check-in whose send failed on a tablet that holds no roster carries no device.
    result = desk.check_in(
        desk.member(), now=local("2026-03-08 16:30"), offline=offline(local("2026-03-08 16:00"), "")
    )
    assert result.visit.review_status is None
    assert result.visit.offline_device is None


def test_a_rule_and_an_unenrolled_tablet_give_the_rules_code_and_both_reasons(desk):
    member = desk.member(expires_on=date(2026, 3, 1))
    visit = desk.check_in(
        member, now=local("2026-03-09 09:00"), offline=offline(local("2026-03-08 16:00"), "gone")
    ).visit
    assert visit.review_reason_code == "membership_expired"
    assert "Membership ended" in visit.review_reason
    assert visit.review_reason.endswith("not enrolled at this site at the time.")


# --- the API ---------------------------------------------------------------------------------


def test_the_same_key_replays_the_first_offline_check_in(desk, api, clock):
    member = desk.member()
    caller = api(desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    body = {
        "membership_number": member.membership_number,
        "basket": {"red": 1},
        "offline": offline(datetime.now(UTC) - timedelta(minutes=40)),
    }
    key = str(uuid.uuid4())
    first = caller.post(path, json=body, key=key)
    again = caller.post(path, json=body, key=key)
    assert (first.status_code, again.status_code) == (201, 200), first.json
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json["offline"]["device"] == "tablet-front-desk-0123456789"
    assert first.json["review"] is None
    assert len(visits_of(member)) == 1
    # The key reused with another time is another check-in: refused, not replayed.
    other = {**body, "offline": offline(datetime.now(UTC) - timedelta(minutes=20))}
    assert caller.post(path, json=other, key=key).status_code == 409


def test_an_online_check_in_answers_no_offline_and_no_review(desk, api, clock):
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": member.membership_number},
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 201
    assert response.json["offline"] is None
    assert response.json["review"] is None


def test_checked_in_at_another_site_meanwhile_gives_one_visit_and_one_for_review(
    desk, make_desk, api, clock
):
    member = desk.member()
    away = make_desk(allow_other_site_members=True)
    online_at = earlier_today(desk.site, 30, second=2)
    offline_at = earlier_today(desk.site, 45, second=1)
    away.check_in(member, now=online_at)  # online, at the other site
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={
            "membership_number": member.membership_number,
            "offline": offline(offline_at),
        },
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.json
    review = response.json["review"]
    assert review["status"] == "open"
    assert review["reason_code"] == "visit_limit_reached"
    assert review["reason"].startswith("Already visited once this week")
    assert review["note"] == ""
    found = visits_of(member)
    assert len(found) == 2
    assert [v.review_status for v in sorted(found, key=lambda v: v.id)] == [None, "open"]


def test_an_unknown_member_is_still_refused(desk, api, clock):
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": "ZZZZZZZZ", "offline": offline(datetime.now(UTC))},
        key=str(uuid.uuid4()),
    )
    assert response.status_code in (404, 422)


@pytest.mark.parametrize(
    ("shift", "code"),
    [
        (timedelta(minutes=10), "offline_time_in_future"),
        (timedelta(days=-3), "offline_time_too_old"),
    ],
)
def test_a_time_in_the_future_or_too_old_is_refused(desk, api, clock, shift, code):
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={
            "membership_number": member.membership_number,
            "offline": offline(datetime.now(UTC) + shift),
        },
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == code
    assert "offline.recorded_at" in response.json["error"]["fields"]
    assert visits_of(member) == []


def test_yesterday_and_a_tablet_clock_a_little_fast_are_accepted(desk, api, clock):
    path = f"/api/v1/sites/{desk.site.code}/visits"
    caller = api(desk.volunteer)
    here = ZoneInfo(desk.site.timezone)
    # A day back on the site's wall clock (not 24 hours: the day the clocks change is not).
    for shift in (timedelta(minutes=4), timedelta(days=-1)):
        member = desk.member()
        response = caller.post(
            path,
            json={
                "membership_number": member.membership_number,
                "offline": offline(datetime.now(here) + shift),
            },
            key=str(uuid.uuid4()),
        )
        assert response.status_code == 201, response.json


def test_a_time_without_its_offset_is_refused(desk, api, clock):
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={
            "membership_number": member.membership_number,
            "offline": {"recorded_at": "2026-11-20T09:00:00", "device": "x"},
        },
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 422


# --- the review ------------------------------------------------------------------------------


@pytest.fixture
def marked(desk, clock):
    """A visit marked for review at the desk: the member was already in this week."""
    member = desk.member()
    now = datetime.now(UTC)
    desk.check_in(member, now=earlier_today(desk.site, 30, second=1))
    result = desk.check_in(member, now=now, offline=offline(earlier_today(desk.site, 10, second=2)))
    assert result.visit.review_status == "open"
    return result.visit


def test_the_review_list_is_for_the_sites_managers(desk, make_desk, api, marked):
    path = f"/api/v1/sites/{desk.site.code}/visits/review"
    answer = api(desk.manager).get(path)
    assert answer.status_code == 200, answer.json
    assert answer.json["open"] == 1
    assert [v["id"] for v in answer.json["items"]] == [marked.id]
    assert answer.json["items"][0]["review"]["reason_code"] == "visit_limit_reached"
    other = make_desk()
    assert api(other.manager).get(path).status_code == 404
    assert api(desk.volunteer).get(path).status_code == 403
    resolve = f"/api/v1/sites/{desk.site.code}/visits/{marked.id}/review"
    assert api(other.manager).post(resolve, json={"action": "accept"}).status_code == 404
    assert api(desk.volunteer).post(resolve, json={"action": "accept"}).status_code == 403


def test_accept_note_and_void(desk, api, marked):
    caller = api(desk.manager)
    path = f"/api/v1/sites/{desk.site.code}/visits/{marked.id}/review"
    site = desk.site
    assert counted(site) == 2  # open: counted like any visit

    assert caller.post(path, json={"action": "note"}).status_code == 422  # no note
    noted = caller.post(path, json={"action": "note", "note": "Rang the member."})
    assert noted.status_code == 200, noted.json
    assert noted.json["review"] == {
        "status": "open",
        "reason_code": "visit_limit_reached",
        "reason": marked.review_reason,
        "note": "Rang the member.",
    }

    accepted = caller.post(path, json={"action": "accept"})
    assert accepted.status_code == 200
    assert accepted.json["review"]["status"] == "accepted"
    assert accepted.json["reviewed_by"] == desk.manager.name
    assert counted(site) == 2  # accepted: still counted
    assert caller.post(path, json={"action": "accept"}).status_code == 409

    assert caller.post(path, json={"action": "void"}).status_code == 422  # no reason
    voided = caller.post(path, json={"action": "void", "note": "Shopped twice in error."})
    assert voided.status_code == 200
    assert voided.json["review"]["status"] == "voided"
    assert voided.json["voided"] is True
    assert voided.json["void_reason"] == "Shopped twice in error."
    assert counted(site) == 1  # voided: left out of reports, as voided visits are
    assert caller.post(path, json={"action": "void", "note": "again"}).status_code == 409
    assert caller.post(path, json={"action": "burn"}).status_code == 422

    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "visit", AuditEvent.object_id == str(marked.id)
            )
        )
    )
    assert {"visit.review_noted", "visit.review_accepted", "visit.review_voided"} <= actions


def test_a_visit_not_marked_for_review_cannot_be_reviewed(desk, api, clock):
    visit = desk.check_in(desk.member()).visit
    response = api(desk.manager).post(
        f"/api/v1/sites/{desk.site.code}/visits/{visit.id}/review", json={"action": "accept"}
    )
    assert response.status_code == 404


def test_the_review_page_lists_and_resolves(desk, login, marked):
    client = login(desk.manager)
    html = client.get("/visits/review").get_data(as_text=True)
    assert "Offline check-ins to review" in html
    assert marked.review_reason.split(" —")[0] in html
    assert "1 waiting for review" in html
    assert 'href="/visits/review"' in client.get("/home").get_data(as_text=True)
    assert 'href="/visits/review"' in client.get("/visits").get_data(as_text=True)
    response = client.post(
        f"/visits/{marked.id}/review",
        data={
            "action": "accept",
            "note": "Fine",
            "csrf_token": csrf_token(client, "/visits/review"),
        },
    )
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Visit, marked.id).review_status == "accepted"


def test_volunteers_do_not_get_the_review_page(desk, login):
    assert login(desk.volunteer).get("/visits/review").status_code == 403


def test_voiding_a_visit_under_review_the_usual_way_settles_its_review(desk, api, marked):
    response = api(desk.manager).post(
        f"/api/v1/sites/{desk.site.code}/visits/{marked.id}/void",
        json={"reason": "Shopped twice in error."},
    )
    assert response.status_code == 200, response.json
    assert response.json["review"]["status"] == "voided"
    listed = api(desk.manager).get(f"/api/v1/sites/{desk.site.code}/visits/review").json
    assert listed["open"] == 0


def test_the_day_list_marks_offline_visits_and_those_to_review(desk, api, marked):
    day = api(desk.volunteer).get(f"/api/v1/sites/{desk.site.code}/visits").json["items"]
    by_id = {v["id"]: v for v in day}
    assert by_id[marked.id]["review"]["status"] == "open"
    assert by_id[marked.id]["offline"]["recorded_at"]


@pytest.mark.browser
def test_the_review_list_on_a_tablet(browser_page, desk, marked):
    """The manager's review list at tablet size (a screenshot for a person to look at)."""
    page = browser_page
    browser_login(page, desk.manager)
    page.goto("/visits/review")
    page.get_by_text("1 waiting for review.").wait_for()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, "offline-review-list")
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("Nothing waiting for review.").wait_for()
    screenshot(page, "offline-review-list-accepted")


def test_voiding_on_the_page_without_a_reason_says_so(desk, login, marked):
    client = login(desk.manager)
    response = client.post(
        f"/visits/{marked.id}/review",
        data={"action": "void", "csrf_token": csrf_token(client, "/visits/review")},
        follow_redirects=True,
    )
    assert response.status_code in (200, 422)
    assert "Say why the visit is voided." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Visit, marked.id).review_status == "open"


def test_a_check_in_synced_after_the_nightly_rollup_is_counted_on_its_day(desk, api, clock):
    """The check-in stores its visit without the ORM; a visit recorded offline yesterday and
    synced after the night's rollup must still reach the reports: its day is marked stale,
    read from the visits until the next rollup, which rolls it up again."""
    from supermarket.reporting.models import RollupStaleDay
    from supermarket.reporting.rollups import refresh_rollups, visit_sums

    here = ZoneInfo(desk.site.timezone)
    recorded = datetime.now(here) - timedelta(days=1)
    day = recorded.date()
    refresh_rollups(now=datetime.now(UTC))
    before = visit_sums([desk.site.id], day, day)[desk.site.id]["visits"]
    member = desk.member()
    response = api(desk.volunteer).post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": member.membership_number, "offline": offline(recorded)},
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.json
    marked = select(func.count()).select_from(RollupStaleDay)
    assert db.session.scalar(
        marked.where(RollupStaleDay.site_id == desk.site.id, RollupStaleDay.local_date == day)
    )
    assert visit_sums([desk.site.id], day, day)[desk.site.id]["visits"] == before + 1
    refresh_rollups(now=datetime.now(UTC))
    assert visit_sums([desk.site.id], day, day)[desk.site.id]["visits"] == before + 1
    # Today's check-ins are read live: they mark nothing.
    count = db.session.scalar(marked)
    other = desk.member()
    caller = api(desk.volunteer)
    response = caller.post(
        f"/api/v1/sites/{desk.site.code}/visits",
        json={"membership_number": other.membership_number},
        key=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.json
    assert db.session.scalar(marked) == count
