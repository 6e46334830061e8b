"""The desk when the network drops (issue 14, the browser's side): check-ins made offline are
kept on the tablet with their own Idempotency-Key, the banner says how many wait, the page
opens again offline (service worker), and when the network returns each visit is recorded
exactly once, even when the sync is cut off half-way or two tabs send the same queue."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.visits.models import Visit
from tests.conftest import browser_login, screenshot, writing_beside_the_server

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]

VISITS = "**/api/v1/sites/harlow/visits"


def visits_of(member) -> list[Visit]:
    db.session.rollback()  # end this thread's snapshot: the server has committed since
    return list(db.session.scalars(select(Visit).where(Visit.member_id == member.id)))


def scan(page: Any, number: str) -> None:
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'checkin-q'", timeout=5000
    )
    page.keyboard.type(number, delay=5)
    page.keyboard.press("Enter")


@pytest.fixture
def harlow(make_desk) -> Any:
    desk = make_desk(code="harlow")
    desk.site.name = "Harlow Community Supermarket"
    db.session.commit()
    return desk


def service_worker_ready(page: Any) -> None:
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=10000
    )


def check_in_offline(page: Any, member: Any) -> None:
    """Find the member while the network is up, then check them in with it down."""
    page.context.set_offline(False)
    scan(page, member.membership_number)
    page.locator(".member-panel").get_by_role("heading", name=member.first_name).wait_for()
    page.context.set_offline(True)
    page.get_by_role("button", name=f"Check in {member.first_name}").click()
    page.locator("#checkin-status").get_by_text(
        f"{member.first_name}: checked offline; the server will confirm."
    ).wait_for()


def banner(page: Any) -> Any:
    return page.locator("#offline-banner")


def test_five_check_ins_offline_survive_a_reload_and_are_recorded_once(browser_page, harlow):
    names = ["Ada", "Bea", "Cal", "Dot", "Eli"]
    members = [harlow.member(first_name=name) for name in names]
    page = browser_page
    browser_login(page, harlow.volunteer)
    service_worker_ready(page)
    sent: list[str] = []

    def no_network(route: Any) -> None:
        sent.append(route.request.headers["idempotency-key"])
        route.abort("internetdisconnected")

    # The Wi-Fi comes and goes: a panel loads while it is up, but no check-in gets through.
    page.route(VISITS, no_network)
    for count, member in enumerate(members, start=1):
        check_in_offline(page, member)
        banner(page).get_by_text(f"Offline — {count} check-in").wait_for()
    assert banner(page).get_by_text("Offline — 5 check-ins waiting to send").is_visible()
    assert all(visits_of(member) == [] for member in members)

    page.set_viewport_size({"width": 1024, "height": 768})
    screenshot(page, "offline-1-banner-1024x768")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "offline-2-banner-768x1024")

    # Reloaded with no network: the service worker gives the desk back, queue and all.
    page.reload()
    banner(page).get_by_text("Offline — 5 check-ins waiting to send").wait_for()
    assert page.get_by_label("Scan a card, or type a name or postcode").is_visible()

    page.unroute(VISITS)
    page.context.set_offline(False)
    banner(page).get_by_text("All sent").wait_for(timeout=20000)
    for member in members:
        assert len(visits_of(member)) == 1  # exactly once each


def test_a_sync_cut_off_half_way_is_sent_again_with_the_same_key(browser_page, harlow):
    ada, bea = harlow.member(first_name="Ada"), harlow.member(first_name="Bea")
    page = browser_page
    browser_login(page, harlow.volunteer)
    page.route(VISITS, lambda route: route.abort("internetdisconnected"))
    check_in_offline(page, ada)
    check_in_offline(page, bea)
    page.unroute(VISITS)
    keys: list[str] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the server records Ada's visit...
            route.abort("internetdisconnected")  # ...but the answer never arrives
        else:
            route.continue_()

    page.route(VISITS, lose_the_first_answer)
    page.context.set_offline(False)
    banner(page).get_by_text("All sent").wait_for(timeout=20000)
    assert keys[0] == keys[1]  # Ada's again, with the key made when she was checked in
    assert len(set(keys)) == 2
    assert len(visits_of(ada)) == 1
    assert len(visits_of(bea)) == 1


def test_two_tabs_sending_the_same_queue_record_each_visit_once(browser_page, harlow):
    members = [harlow.member(first_name=name) for name in ("Ada", "Bea", "Cal")]
    page = browser_page
    browser_login(page, harlow.volunteer)
    other = page.context.new_page()
    other.goto("/checkin")
    page.bring_to_front()
    # Both tabs' sends fail until the network is back: the other tab hears "online" too
    # each time check_in_offline finds a member, and must not send the queue early.
    page.context.route(VISITS, lambda route: route.abort("internetdisconnected"))
    for member in members:
        check_in_offline(page, member)
    page.context.unroute(VISITS)
    keys: list[str] = []

    def count(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        route.continue_()

    page.context.route(VISITS, count)
    page.context.set_offline(False)  # both tabs hear "online" and try to send
    banner(page).get_by_text("All sent").wait_for(timeout=20000)
    banner(other).get_by_text("All sent").wait_for(timeout=20000)
    assert len(keys) == len(set(keys)) == 3  # one tab at a time: each sent once
    for member in members:
        assert len(visits_of(member)) == 1


def test_a_refused_check_in_is_kept_aside_as_needing_attention(browser_page, harlow):
    ada = harlow.member(first_name="Ada")
    page = browser_page
    browser_login(page, harlow.volunteer)
    page.route(VISITS, lambda route: route.abort("internetdisconnected"))
    check_in_offline(page, ada)
    page.unroute(VISITS)
    page.route(
        VISITS,
        lambda route: route.fulfill(
            status=409,
            content_type="application/json",
            body='{"error": {"code": "conflict", "message": "Refused for the test."}}',
        ),
    )
    page.context.set_offline(False)
    banner(page).get_by_text("Refused for the test.").wait_for(timeout=20000)
    assert banner(page).get_by_text("Needs attention").is_visible()
    assert visits_of(ada) == []


# --- the roster on an enrolled tablet (the server's endpoints stood in for by routes) ---------

DEVICE = "test-device-0123456789abcdef"
KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # 32 bytes, base64url


def enrolled_with_roster(page: Any, members: list[Any], *, expires_in: timedelta) -> list[str]:
    """The tablet holds a device id, and the server answers its key and roster."""
    from datetime import UTC, datetime

    page.add_init_script(f"window.localStorage.setItem('supermarket.device', '{DEVICE}')")
    devices: list[str] = []
    expires = (datetime.now(UTC) + expires_in).isoformat()
    listed = [
        {
            "membership_number": m.membership_number,
            "display_number": f"{m.membership_number[:4]}-{m.membership_number[4:]}",
            "display_name": m.first_name,
            "status": "active",
            "tier": "standard",
            "household_size": 4,
            "allowance": {"red": 2, "blue": 8},
            "visits_this_week": 0,
            "visits_left_this_week": 1,
            "survey_due": False,
        }
        for m in members
    ]

    def key(route: Any) -> None:
        devices.append(route.request.headers.get("x-device", ""))
        route.fulfill(json={"key": KEY, "expires_at": expires})

    def roster(route: Any) -> None:
        devices.append(route.request.headers.get("x-device", ""))
        route.fulfill(
            json={
                "generated_at": datetime.now(UTC).isoformat(),
                "expires_at": expires,
                "site": {"code": "harlow", "fee_pence": 350, "bands": []},
                "members": listed,
                "removed": [],
                "full": True,
            }
        )

    page.route("**/api/v1/sites/harlow/roster/key", key)
    page.route(re.compile(r".*/api/v1/sites/harlow/roster(\?.*)?$"), roster)  # ?since= too
    return devices


def roster_count(page: Any) -> int:
    return page.evaluate(
        """() => new Promise((resolve) => {
             const open = indexedDB.open("supermarket-offline");
             open.onsuccess = () => {
               const db = open.result;
               if (!db.objectStoreNames.contains("roster")) { resolve(0); return; }
               const r = db.transaction("roster").objectStore("roster").count();
               r.onsuccess = () => resolve(r.result);
             };
           })"""
    )


def roster_kept(page: Any, count: int = 1) -> None:
    """Wait until the tablet's IndexedDB holds `count` rosters (evaluate awaits the promise;
    wait_for_function would take the promise itself for a truthy answer)."""
    for _ in range(100):
        if roster_count(page) == count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the tablet does not hold {count} roster(s)")


def test_offline_a_card_is_found_in_the_roster_and_checked_in(browser_page, harlow):
    tasha = harlow.member(first_name="Tasha")
    harlow.tablet(DEVICE)
    page = browser_page
    devices = enrolled_with_roster(page, [tasha], expires_in=timedelta(hours=6))
    browser_login(page, harlow.volunteer)
    roster_kept(page)
    assert set(devices) == {DEVICE}
    stored = page.evaluate(
        """() => new Promise((resolve) => {
             const open = indexedDB.open("supermarket-offline");
             open.onsuccess = () => {
               const r = open.result.transaction("roster").objectStore("roster").getAll();
               r.onsuccess = () => resolve(JSON.stringify(r.result.map(
                 (row) => Array.from(new Uint8Array(row.data)).join(","))));
             };
           })"""
    )
    assert "Tasha" not in stored  # the roster is kept encrypted

    page.context.set_offline(True)
    scan(page, tasha.membership_number)
    panel = page.locator(".offline-panel")
    panel.get_by_role("heading", name="Tasha").wait_for()
    assert panel.get_by_text("1 visit left this week.").is_visible()
    panel.get_by_label("Red (up to 2)").fill("2")
    screenshot(page, "offline-3-panel-from-the-roster")
    panel.get_by_role("button", name="Check in Tasha").click()
    page.get_by_text("Tasha: checked offline; the server will confirm.").wait_for()
    banner(page).get_by_text("Offline — 1 check-in waiting to send").wait_for()

    scan(page, tasha.membership_number)  # the tablet counts what it has recorded itself
    panel.get_by_text("0 visits left this week (1 checked in on this tablet offline).").wait_for()
    assert panel.get_by_text("the manager to review").is_visible()

    # Reloaded with no network: the page from the service worker, the roster read again with
    # the key this tab kept (sessionStorage: gone when the tab closes).
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    scan(page, tasha.membership_number)
    panel.get_by_text("0 visits left this week (1 checked in on this tablet offline).").wait_for()

    bodies: list[dict[str, Any]] = []

    def seen(route: Any) -> None:
        bodies.append(json.loads(route.request.post_data))
        route.continue_()

    page.route(VISITS, seen)
    page.context.set_offline(False)
    banner(page).get_by_text("All sent").wait_for(timeout=20000)
    [visit] = visits_of(tasha)
    assert visit.basket == {"red": 2}
    assert visit.offline_recorded_at is not None  # recorded as of when the tablet took it
    assert visit.offline_device == DEVICE
    assert visit.review_status is None  # an enrolled tablet, a member allowed to shop
    [sent] = bodies
    assert sent["offline"]["device"] == DEVICE
    assert sent["offline"]["recorded_at"].endswith("Z")  # ISO 8601, UTC


def test_an_expired_roster_refuses_offline_check_in(browser_page, harlow):
    tasha = harlow.member(first_name="Tasha")
    page = browser_page
    enrolled_with_roster(page, [tasha], expires_in=timedelta(seconds=-1))
    browser_login(page, harlow.volunteer)
    roster_kept(page)
    page.context.set_offline(True)
    scan(page, tasha.membership_number)
    page.get_by_text(
        "The member list on this tablet has expired: connect to the internet to check members in."
    ).wait_for()
    assert page.locator(".offline-panel").count() == 0


def test_without_an_enrolled_device_no_roster_is_asked_for(browser_page, harlow):
    tasha = harlow.member(first_name="Tasha")
    page = browser_page
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    browser_login(page, harlow.volunteer)
    page.context.set_offline(True)
    scan(page, tasha.membership_number)
    page.get_by_text("Could not reach the server — check the Wi-Fi and try again.").wait_for()
    assert not [url for url in asked if "/roster" in url]


def test_signing_out_wipes_the_roster(browser_page, harlow):
    tasha = harlow.member(first_name="Tasha")
    page = browser_page
    enrolled_with_roster(page, [tasha], expires_in=timedelta(hours=6))
    browser_login(page, harlow.volunteer)
    roster_kept(page)
    assert page.evaluate("sessionStorage.getItem('supermarket.roster-key')") == KEY
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    assert roster_count(page) == 0
    assert page.evaluate("sessionStorage.getItem('supermarket.roster-key')") is None


def test_signing_out_from_another_page_wipes_the_roster_too(browser_page, harlow):
    tasha = harlow.member(first_name="Tasha")
    page = browser_page
    enrolled_with_roster(page, [tasha], expires_in=timedelta(hours=6))
    browser_login(page, harlow.volunteer)
    roster_kept(page)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.goto("/sessions")  # a page without offline.js: the service worker sees it
    assert page.locator("#checkin-q").count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    roster_kept(page, 0)


def test_a_failed_tap_online_is_kept_and_sent_when_the_desk_moves_on(browser_page, harlow):
    bogdan = harlow.member(first_name="Bogdan")
    page = browser_page
    browser_login(page, harlow.volunteer)
    page.route(VISITS, lambda route: route.abort("connectionreset"))
    scan(page, bogdan.membership_number)
    page.get_by_role("button", name="Check in Bogdan").click()
    page.get_by_text(
        "Could not reach the server — tap again; it will not be recorded twice."
    ).wait_for()
    banner(page).get_by_text("1 check-in waiting to send").wait_for()
    page.unroute(VISITS)
    # The volunteer does not tap again but takes the next card: the tablet sends it itself.
    page.locator("#checkin-q").press("Escape")
    banner(page).get_by_text("All sent").wait_for(timeout=20000)
    assert len(visits_of(bogdan)) == 1


# --- the roster from the server itself ------------------------------------------------------


def enrolled(page: Any, desk: Any) -> str:
    """Enrol a tablet for the desk's site (as a manager would) and make this page that tablet."""
    device = desk.tablet()
    page.add_init_script(f"window.localStorage.setItem('supermarket.device', '{device}')")
    return device


def test_the_tablet_refreshes_its_roster_with_the_changes_only(browser_page, harlow):
    tasha = harlow.member(first_name="Tasha")
    page = browser_page
    enrolled(page, harlow)
    with page.expect_response(lambda r: r.url.endswith("/roster")) as whole:
        browser_login(page, harlow.volunteer)
    assert whole.value.json()["full"] is True
    roster_kept(page)

    with writing_beside_the_server():
        omar = harlow.member(first_name="Omar")  # registered at the desk since
    with page.expect_response(lambda r: "/roster?since=" in r.url) as change:
        page.reload()
    answer = change.value.json()
    assert answer["full"] is False
    assert omar.membership_number in [m["membership_number"] for m in answer["members"]]
    page.wait_for_timeout(500)  # the merged roster is stored (encrypted) before going offline

    page.context.set_offline(True)
    for member in (omar, tasha):  # the new member added, the one held before kept
        scan(page, member.membership_number)
        page.locator(".offline-panel").get_by_role(
            "heading", name=f"{member.first_name} {member.last_name}"
        ).wait_for()
        page.locator("#checkin-q").press("Escape")


def test_checked_in_offline_here_and_meanwhile_at_another_site_one_visit_one_for_review(
    browser_page, harlow, make_desk
):
    basildon = make_desk(code="basildon", allow_other_site_members=True)
    tasha = harlow.member(first_name="Tasha")
    page = browser_page
    device = enrolled(page, harlow)
    with page.expect_response(lambda r: r.url.endswith("/roster")):
        browser_login(page, harlow.volunteer)
    roster_kept(page)

    page.context.set_offline(True)
    scan(page, tasha.membership_number)
    panel = page.locator(".offline-panel")
    panel.get_by_role("button", name="Check in Tasha").click()
    page.get_by_text("Tasha: checked offline; the server will confirm.").wait_for()
    # While Harlow's network is down, Tasha shops at Basildon, whose desk is online.
    with writing_beside_the_server():
        assert basildon.check_in(tasha).created

    page.context.set_offline(False)
    banner(page).get_by_text("All sent").wait_for(timeout=20000)
    found = sorted(visits_of(tasha), key=lambda v: v.id)
    assert [(v.site_id, v.review_status) for v in found] == [
        (basildon.site.id, None),
        (harlow.site.id, "open"),
    ]
    synced = found[1]
    assert synced.review_reason_code == "visit_limit_reached"
    assert synced.offline_device == device
    assert synced.offline_recorded_at is not None
