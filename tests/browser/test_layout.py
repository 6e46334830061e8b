"""The back office fits a tablet (both ways round) and a phone, and each role can find its pages.

On the demonstration programme, a crawler follows the links each role sees from the page it
lands on after signing in: every page the role may use must be reached that way (the menu and
the home page are how people find things). The browser then opens every one of those pages at
1024x768, 768x1024 and 390x844, saves a screenshot of each under test-artifacts/, and checks
what a person sees: the page never scrolls sideways (a wide table scrolls in its own box), the
page's heading shows without scrolling, and on a landscape tablet the menu is one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask, current_app
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from supermarket.auth.models import User
from supermarket.demo import load_demo
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.stock.models import Product, StockBatch
from supermarket.stock.services.stocktake import start_stocktake
from supermarket.stock.services.transfers import TransferLine, TransferRequest, send_transfer
from tests.conftest import Client, browser_login, screenshot

# The demo's people, one of each role (Amara manages Harlow alone, Sue volunteers there).
PEOPLE = {
    "volunteer": "sue.volunteer@example.org",
    "site_manager": "amara.manager@example.org",
    "programme_lead": "priya.lead@example.org",
    "admin": "jo.admin@example.org",
}
SIZES = {"tablet-landscape": (1024, 768), "tablet-portrait": (768, 1024), "phone": (390, 844)}
# Pages that are not a page a person reads: fragments the check-in desk fetches, downloads,
# and the start ("/"), which only sends each role to its home.
NOT_PAGES = {"index", "visits.matches_fragment", "visits.panel_fragment"}
# Pages reached another way than by a link: the thanks that follows a survey's last answer,
# and a survey started from the check-in panel (which the desk's script fetches) or from a
# member's page when that member agreed to surveys (the crawler reads one member's page).
# Reached only by sending a form: the survey's thanks, and a parcel's confirmation.
NOT_LINKED = {"surveys.thanks", "surveys.take", "anonymous_visits.done"}
DOWNLOADS = (".pdf", ".csv", ".json")
# Pages another part of the work looks after (the desk and the tablet survey have their own
# browser tests); the back office is the rest.
NOT_BACK_OFFICE = {"visits.checkin", "surveys.take", "surveys.thanks"}
MAX_PAGES = 400


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def _endpoint(path: str) -> str | None:
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(path, "GET")
    except HTTPException:
        return None
    return str(endpoint)


def _sign_in(app: Flask, email: str, password: str) -> tuple[Client, str]:
    app.test_client_class = Client
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303
    db.session.remove()
    return client, urlsplit(response.headers["Location"]).path


def crawl(app: Flask, email: str, password: str) -> dict[str, str]:
    """The first address found of each page reachable by links from where the person lands
    after signing in (one address per endpoint, so a list of members is not read in full)."""
    client, landing = _sign_in(app, email, password)
    found: dict[str, str] = {}
    queue = [landing]
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url = queue.pop(0)
        endpoint = _endpoint(urlsplit(url).path)
        if endpoint is None or endpoint in found:
            continue
        response = client.get(url)
        db.session.remove()  # each request in a transaction of its own, as in production
        fetched += 1
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        found[endpoint] = url
        parser = _Links()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc not in ("", "localhost") or parts.path.startswith("/static"):
                continue
            if parts.path.endswith(DOWNLOADS) or parts.path.startswith("/api"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def pages_for(app: Flask, role: str) -> set[str]:
    """Every HTML page (GET, not the API, not a download) the role may open."""
    pages = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(("/api", "/static")):
            continue
        if rule.rule.endswith(DOWNLOADS) or rule.endpoint in NOT_PAGES:
            continue
        allowed = getattr(app.view_functions[rule.endpoint], "_roles", ())
        if role in allowed:
            pages.add(rule.endpoint)
    return pages


def _demo() -> dict[str, str]:
    """The demo programme, with a stocktake under way at Harlow and a transfer on its way to
    Basildon; each person's password."""
    logins = {email: password for _, email, password in load_demo()}
    harlow = db.session.scalar(select(Site).where(Site.code == "harlow"))
    manager = db.session.scalar(select(User).where(User.email == PEOPLE["site_manager"]))
    assert harlow is not None
    assert manager is not None
    sku = db.session.scalar(
        select(Product.sku)
        .join(StockBatch, StockBatch.product_id == Product.id)
        .where(StockBatch.site_id == harlow.id, StockBatch.quantity > 2)
        .order_by(Product.sku)
        .limit(1)
    )
    assert sku is not None
    send_transfer(
        harlow,
        TransferRequest(to_site="basildon", lines=(TransferLine(sku, 1),)),
        actor=manager,
    )
    start_stocktake(harlow, category=None, actor=manager, note="")
    db.session.commit()
    return logins


@pytest.mark.slow
def test_every_page_a_role_may_use_is_reached_from_its_home(app):
    logins = _demo()
    missing = {}
    for role, email in PEOPLE.items():
        # Choosing a site is for people with more than one; none of these has.
        expected = pages_for(app, role) - {"auth.choose_site"} - NOT_LINKED
        reached = set(crawl(app, email, logins[email]))
        if expected - reached:
            missing[role] = sorted(expected - reached)
    assert missing == {}


# --- in the browser ---------------------------------------------------------------------------

_MEASURE = """() => {
  const h1 = document.querySelector('main h1');
  const box = h1 ? h1.getBoundingClientRect() : null;
  const nav = document.querySelector('.mainnav > ul');
  const bar = document.querySelector('.topbar');
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    innerHeight: window.innerHeight,
    h1: box ? {top: box.top, bottom: box.bottom, text: h1.innerText,
               visible: box.width > 0 && box.height > 0} : null,
    nav: nav && getComputedStyle(nav).display !== 'none' ? nav.getBoundingClientRect().height : 0,
    bar: bar ? bar.getBoundingClientRect().height : 0,
    folded: document.querySelector('.mainnav.folded') !== null,
  };
}"""


def _problems(size: str, url: str, m: dict[str, Any]) -> Iterator[str]:
    width, _ = SIZES[size]
    if m["scrollWidth"] > m["innerWidth"]:
        yield f"the page scrolls sideways ({m['scrollWidth']} px wide on {m['innerWidth']})"
    h1 = m["h1"]
    if h1 is None or not h1["visible"]:
        yield "no heading"
    elif h1["top"] < 0 or h1["bottom"] > m["innerHeight"]:
        yield f"the heading {h1['text']!r} is off screen ({h1['top']:.0f}-{h1['bottom']:.0f} px)"
    if width >= 1024 and (m["folded"] or m["nav"] > 52):
        yield f"the menu is not on one line ({m['nav']:.0f} px high, folded: {m['folded']})"
    if width < 600 and not m["folded"]:
        yield "the menu is not folded behind its button on a phone"
    if m["bar"] > 64:
        yield f"the top bar is {m['bar']:.0f} px high"


def _name(role: str, endpoint: str, size: str) -> str:
    return f"layout-{size}-{role}-{endpoint.replace('.', '-')}"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.concurrency
@pytest.mark.parametrize("size", list(SIZES))
def test_back_office_pages_fit_the_screen(app, browser_page, size):
    logins = _demo()
    page = browser_page
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    failures: list[str] = []
    visited = 0
    for role, email in PEOPLE.items():
        urls = crawl(app, email, logins[email])
        page.context.clear_cookies()
        page.goto("/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(logins[email])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        for endpoint, url in sorted(urls.items()):
            if endpoint in NOT_BACK_OFFICE:
                continue
            response = page.goto(url)
            page.wait_for_load_state("load")
            visited += 1
            assert response is not None
            assert response.ok, f"{role} {url}: {response.status}"
            measured = page.evaluate(_MEASURE)
            for problem in _problems(size, url, measured):
                failures.append(f"{role} {url} at {size}: {problem}")
            screenshot(page, _name(role, endpoint, size))
    assert visited > 40
    assert not failures, "\n".join(failures)


@pytest.mark.browser
@pytest.mark.concurrency
def test_on_a_phone_the_menu_opens_from_its_button_and_leads_to_the_sites_settings(
    browser_page, desk
):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, desk.manager)
    settings = page.get_by_role("link", name="Settings", exact=True)
    assert not settings.is_visible()
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert settings.is_visible()
    screenshot(page, "layout-phone-menu-open")
    settings.click()
    page.wait_for_url(f"**/sites/{desk.site.code}/settings")
    assert page.get_by_role("heading", level=1).is_visible()
    # At a tablet's width in landscape the same menu is one line, with no button.
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.locator(".mainnav.folded")).to_have_count(0)
    assert page.get_by_role("link", name="Settings", exact=True).is_visible()
    assert not menu.is_visible()
