"""The statistics feed: who may read which figures, for which periods, in which shape."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from supermarket.reporting.rollups import refresh_rollups
from tests.conftest import LONDON


@pytest.fixture
def lead_headers(make_user, token_for):
    return token_for(make_user("programme_lead"))


def test_a_programme_lead_pulls_the_quarter_for_all_sites(client, programme, lead_headers):
    response = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers)
    assert response.status_code == 200
    body = response.json
    assert body["period"] == {
        "key": "2026-Q3",
        "kind": "quarter",
        "label": "July to September 2026",
        "start": "2026-07-01",
        "end": "2026-09-30",
        "complete": True,
        "figures_to": "2026-09-30",
    }
    assert body["site"] == "all"
    assert body["disclosure"]["rule"] == "ONS 10-5 rule"
    assert body["disclosure"]["suppressed"] == "<10"
    assert [row["code"] for row in body["sites"]] == ["alpha", "beta"]
    # The hand-built quarter is small: every count is "<10", money is withheld, food received
    # (about food, not people) is shown to the kilogram.
    assert body["figures"]["visits"]["visits"] == "<10"
    assert body["figures"]["money"]["savings_pence"] is None
    assert "households" in body["withheld"]["money.savings_pence"]
    assert body["figures"]["food"]["received_g"] == 61_000
    assert body["outcome"]["caveat"].startswith("People often join in a crisis")
    assert len(body["trend"]) == 12


def test_one_site_for_a_lead_is_that_sites_row(client, programme, lead_headers):
    everything = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers).json
    alpha = client.get("/api/v1/stats?period=2026-Q3&site=alpha", headers=lead_headers).json
    assert alpha["site"] == {"code": "alpha", "name": "Alpha Community Supermarket"}
    assert "sites" not in alpha
    assert alpha["figures"] == everything["sites"][0]["figures"]


def test_the_feed_reads_the_same_figures_after_the_nightly_rollup(client, programme, lead_headers):
    before = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers).json
    refresh_rollups()
    after = client.get("/api/v1/stats?period=2026-Q3", headers=lead_headers).json
    for body in (before, after):
        body.pop("generated_at")
    assert after == before


def test_a_site_manager_reads_their_own_site_only(client, programme, make_user, token_for):
    alpha, _beta = programme
    headers = token_for(make_user("site_manager", sites=[alpha]))
    own = client.get("/api/v1/stats?period=2026-Q3", headers=headers)
    assert own.status_code == 200
    assert own.json["site"]["code"] == "alpha"
    assert client.get("/api/v1/stats?period=2026-Q3&site=alpha", headers=headers).status_code == 200
    other = client.get("/api/v1/stats?period=2026-Q3&site=beta", headers=headers)
    assert other.status_code == 404
    assert other.json["error"]["code"] == "site_not_found"


def test_a_manager_of_two_sites_says_which(client, programme, make_user, token_for):
    headers = token_for(make_user("site_manager", sites=list(programme)))
    response = client.get("/api/v1/stats?period=2026-Q3", headers=headers)
    assert response.status_code == 422
    assert "site" in response.json["error"]["fields"]


def test_volunteers_get_no_statistics(client, programme, make_user, token_for):
    alpha, _beta = programme
    headers = token_for(make_user("volunteer", sites=[alpha]))
    assert client.get("/api/v1/stats?period=2026-Q3", headers=headers).status_code == 403


def test_admins_read_the_programme(client, programme, make_user, token_for):
    headers = token_for(make_user("admin"))
    assert client.get("/api/v1/stats?period=2026-Q3", headers=headers).status_code == 200


def test_an_unknown_site_is_not_found(client, programme, lead_headers):
    response = client.get("/api/v1/stats?period=2026-Q3&site=nowhere", headers=lead_headers)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 422, "validation_error"),
        ("period=2026-07-01..2026-07-15", 422, "validation_error"),
        ("period=last-week", 422, "validation_error"),
        ("period=2026-Q9", 422, "invalid_period"),
        ("period=2026-13", 422, "invalid_period"),
        ("period={next_quarter}", 422, "period_not_started"),
        ("period=2026-Q3&extra=1", 422, "validation_error"),
    ],
)
def test_only_fixed_periods_are_answered(client, lead_headers, query, status, code):
    today = datetime.now(LONDON).date()
    quarter = (today.month - 1) // 3 + 1  # this quarter, in London
    next_quarter = f"{today.year}-Q{quarter + 1}" if quarter < 4 else f"{today.year + 1}-Q1"
    query = query.format(next_quarter=next_quarter)
    response = client.get(f"/api/v1/stats?{query}", headers=lead_headers)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


@time_machine.travel(date(2026, 11, 20))
def test_programme_figures_wait_until_the_period_is_over(client, programme, lead_headers):
    response = client.get("/api/v1/stats?period=2026-Q4", headers=lead_headers)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "period_not_over"
    assert "2026-Q3" in response.json["error"]["fields"]["period"]


@time_machine.travel(date(2026, 11, 20))
def test_a_site_manager_follows_the_current_month_to_date(client, programme, make_user, token_for):
    alpha, _beta = programme
    headers = token_for(make_user("site_manager", sites=[alpha]))
    body = client.get("/api/v1/stats?period=2026-11", headers=headers).json
    assert body["period"]["complete"] is False
    assert body["period"]["figures_to"] == "2026-11-20"


def test_anonymous_callers_are_refused(client):
    assert client.get("/api/v1/stats?period=2026-Q3").status_code == 401


def test_the_feed_is_in_the_openapi_description(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/stats"]["get"]
    assert "disclosure" in operation["summary"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    ref = schema["$ref"].rsplit("/", 1)[-1]
    properties = spec["components"]["schemas"][ref]["properties"]
    assert {"period", "site", "disclosure", "figures", "outcome", "sites", "trend"} <= set(
        properties
    )
    for path in (
        "/api/v1/reports/programme.pdf",
        "/api/v1/sites/{code}/reports/monthly.pdf",
        "/api/v1/stats/tables/{name}.csv",
    ):
        assert "get" in spec["paths"][path]
