"""Signing in and out on a tablet, in the real browser."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]


def test_volunteer_signs_in_sees_their_site_and_signs_out(browser_page, make_site, make_user):
    site = make_site(code="harlow", name="Harlow Community Supermarket")
    sue = make_user("volunteer", sites=[site], name="Sue Barker")
    page = browser_page
    page.goto("/")
    assert "/login" in page.url
    screenshot(page, "auth-login")
    browser_login(page, sue)
    assert page.get_by_text("Harlow Community Supermarket").first.is_visible()
    screenshot(page, "auth-home-volunteer")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("You have signed out.").is_visible()


def test_wrong_password_says_so_plainly(browser_page, make_user):
    user = make_user("site_manager")
    page = browser_page
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").filter(has_text="do not match").is_visible()
    screenshot(page, "auth-login-error")


def test_staff_with_two_sites_choose_where_they_work(browser_page, make_site, make_user):
    a = make_site(code="basildon", name="Basildon Community Supermarket")
    b = make_site(code="canvey", name="Canvey Island Community Supermarket")
    tom = make_user("volunteer", sites=[a, b], name="Tom Nowak")
    page = browser_page
    browser_login(page, tom)
    assert "/site" in page.url
    screenshot(page, "auth-choose-site")
    page.get_by_role("button", name="Canvey Island Community Supermarket").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".site-badge").inner_text() == "Canvey Island Community Supermarket"
