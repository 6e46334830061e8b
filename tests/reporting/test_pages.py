"""Dashboard pages: the programme's for leads and admins, a site's for its managers."""

from __future__ import annotations

import re

import time_machine

from tests.conftest import csrf_token


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@time_machine.travel("2026-11-20 10:00 +0000")
def test_a_programme_lead_lands_on_the_latest_month_that_is_over(
    client, programme, make_user, login
):
    login(make_user("programme_lead"))
    home = client.get("/")
    assert home.headers["Location"].endswith("/reporting/programme")
    html = _page(client, "/reporting/programme")
    assert "Programme dashboard" in html
    assert "<strong>All sites</strong> · October 2026" in html
    # The board's pack is for the last quarter that is over.
    assert "Report pack for Q3 2026 (PDF)" in html
    html = _page(client, "/reporting/programme?period=2026-Q3")
    assert "Quarter 3 (July to September 2026)" in html
    assert "Alpha Community Supermarket" in html
    assert "Beta Community Supermarket" in html
    assert "ONS 10-5 rule" in html
    assert "People often join in a crisis" in html
    assert "/api/v1/reports/programme.pdf?period=2026-Q3" in html
    assert "/api/v1/stats/tables/sites.csv?period=2026-Q3" in html
    # Running periods are not offered to the programme.
    assert 'value="2026-Q4"' not in html
    assert 'value="2026-10"' in html


@time_machine.travel("2026-11-20 10:00 +0000")
def test_a_period_that_is_not_over_falls_back_with_a_note(client, programme, make_user, login):
    login(make_user("programme_lead"))
    html = _page(client, "/reporting/programme?period=2026-Q4")
    assert "is not over yet" in html
    assert "Showing October 2026 instead" in html
    html = _page(client, "/reporting/programme?period=rubbish")
    assert "Give the period as a month" in html


def test_charts_are_drawn_on_the_server_and_nothing_comes_from_elsewhere(
    client, programme, make_user, login
):
    login(make_user("programme_lead"))
    html = _page(client, "/reporting/programme?period=2026-Q3")
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert len(images) >= 2
    for src, alt in images:
        assert src.startswith("data:image/svg+xml;base64,")
        assert alt
    assert not re.search(r'(src|href)="https?://', html)
    assert "Not shown: too few households to publish these figures safely." in html
    assert "<script>" not in html


def test_a_lead_can_look_at_one_site(client, programme, make_user, login):
    login(make_user("programme_lead"))
    html = _page(client, "/reporting/programme?period=2026-Q3&site=beta")
    assert "<strong>Beta Community Supermarket</strong>" in html
    assert "Site by site" not in html


@time_machine.travel("2026-11-20 10:00 +0000")
def test_a_site_manager_sees_their_site_this_month_to_date(client, programme, make_user, login):
    alpha, _beta = programme
    login(make_user("site_manager", sites=[alpha]))
    html = _page(client, "/reporting/site")
    assert "Reports for Alpha Community Supermarket" in html
    assert "November 2026" in html
    assert "the period is not over" in html
    assert "Beta Community Supermarket" not in html
    html = _page(client, "/reporting/site?period=2026-09")
    assert "/api/v1/sites/alpha/reports/monthly.pdf?period=2026-09" in html


def test_the_dashboards_are_for_their_roles_only(client, programme, make_user, login):
    alpha, _beta = programme
    login(make_user("volunteer", sites=[alpha]))
    assert client.get("/reporting/site").status_code == 403
    assert client.get("/reporting/programme").status_code == 403


def test_a_site_manager_cannot_open_the_programme_dashboard(client, programme, make_user, login):
    alpha, _beta = programme
    login(make_user("site_manager", sites=[alpha]))
    assert client.get("/reporting/programme").status_code == 403


def test_the_menu_links_to_the_dashboards(client, programme, make_user, login):
    alpha, _beta = programme
    login(make_user("site_manager", sites=[alpha]))
    assert 'href="/reporting/site"' in _page(client, "/reporting/site")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/reporting/site")})
    login(make_user("admin"))
    assert 'href="/reporting/programme"' in _page(client, "/reporting/programme")
