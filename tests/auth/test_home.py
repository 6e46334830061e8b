"""Each role's home shows what the role does, as big links; the menu shows the way there."""

from __future__ import annotations


def test_a_site_managers_home_and_menu_lead_to_the_sites_settings(client, desk, login):
    login(desk.manager)
    html = client.get("/home").get_data(as_text=True)
    settings = f'href="/sites/{desk.site.code}/settings"'
    assert html.count(settings) == 2  # the menu's "Settings" and the home's "Site settings"
    assert "You are signed in as a site manager" in html
    for job in ("Check in", "Register a household", "Receive a delivery", "Site reports"):
        assert f">{job}" in html
    # The menu is on every page, so the settings are one tap from anywhere.
    assert settings in client.get("/members").get_data(as_text=True)


def test_a_volunteers_home_has_the_desks_jobs_and_no_managers_pages(client, desk, login):
    login(desk.volunteer)
    html = client.get("/home").get_data(as_text=True)
    assert ">Check in" in html
    assert ">Register a household" in html
    assert "/settings" not in html
    assert ">Site reports" not in html


def test_an_administrators_home_counts_sites_and_accounts(client, make_user, login):
    login(make_user("admin"))
    for path in ("/home", "/admin"):
        html = client.get(path).get_data(as_text=True)
        assert "You are signed in as an admin" in html
        assert "active</span>" in html
        assert ">Audit log" in html
