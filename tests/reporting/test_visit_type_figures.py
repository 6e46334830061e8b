"""Visits by type and anonymous households in the reports: a month worked out by hand, the
disclosure rule on it, anonymous households never in the unique households, and the section
in the JSON feed, the CSV, both PDFs and the page, with no personal data.

September 2026, three sites (every member carries tests/reporting/conftest.py's personal data):

  Alpha  12 members: a weekly shop each on 5 September (paid £3.50, retail £20.00, 10 items);
         3 of them an emergency parcel on 10 September (paid 0, retail £15.00) and 2 of them a
         Christmas extra on 11 September (paid 0, retail £10.00); one more emergency parcel
         voided. 11 anonymous emergency parcels (1 adult, 1 child aged 5-11; retail £10.00),
         one more voided, and one on 2 October (outside the month).
  Beta   10 members: a weekly shop each on 6 September (paid £4.00, retail £18.00); 1 anonymous
         emergency parcel (1 adult, 1 child aged 5-11).
  Gamma  10 members: a weekly shop each on 8 September (paid 0, retail £15.00).
  -> Programme: weekly shop 32 visits, 32 households; emergency parcel 3 and 3; Christmas
     extra 2 and 2; visits 37; unique households 32 (never 44: the 12 anonymous households are
     apart); anonymous households 12 (24 people: 12 adults, 12 children).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest
from pypdf import PdfReader

from supermarket.extensions import db
from supermarket.reporting.periods import parse_period
from supermarket.reporting.release import release_statistics
from supermarket.reporting.release.pattern import linked_pattern
from supermarket.reporting.release.visit_types import (
    _lines,
    anonymous_types,
    member_types,
    visit_type_pattern,
)
from supermarket.reporting.rollups import refresh_rollups
from supermarket.reporting.schemas import StatsOut
from supermarket.reporting.statistics import period_statistics
from supermarket.reporting.statistics.visit_types import visit_type_statistics
from supermarket.visits.anonymous import AnonymousVisit
from supermarket.visits.models import VisitBand
from tests.conftest import LONDON
from tests.reporting.conftest import PII, PII_STRINGS

SEPTEMBER = parse_period("2026-09")
TODAY = date(2026, 11, 20)  # any day after September; the period is long over


def _anonymous(site, day, *, voided=False):
    db.session.add(
        AnonymousVisit(
            site_id=site.id,
            visited_at=datetime.combine(day, time(11), LONDON),
            local_date=day,
            visit_type="emergency_parcel",
            adults=1,
            children_0_4=0,
            children_5_11=1,
            children_12_17=0,
            fee_pence=0,
            payment_method="cash",
            amount_paid_pence=0,
            retail_value_pence=1000,
            voided_at=datetime.combine(day, time(12), LONDON) if voided else None,
        )
    )


@pytest.fixture
def typed(make_site, insert_member, insert_visit):
    """The three sites of the module's docstring."""
    sites = {
        code: make_site(code=code, name=f"{code.title()} Pantry")
        for code in ("alpha", "beta", "gamma")
    }

    def members(site, n):
        return [insert_member(site, joined_on=date(2026, 1, 5), **PII) for _ in range(n)]

    alpha = members(sites["alpha"], 12)
    for member in alpha:
        visit = insert_visit(member, date(2026, 9, 5), paid=350, retail=2000)
        db.session.add(VisitBand(visit_id=visit.id, band="blue", quantity=10, value_pence=2000))
    for member in alpha[:3]:
        insert_visit(member, date(2026, 9, 10), paid=0, retail=1500).visit_type = "emergency_parcel"
    for member in alpha[3:5]:
        insert_visit(member, date(2026, 9, 11), paid=0, retail=1000).visit_type = "seasonal_extra"
    voided = insert_visit(alpha[5], date(2026, 9, 12), paid=0, retail=1500, voided=True)
    voided.visit_type = "emergency_parcel"
    for member in members(sites["beta"], 10):
        insert_visit(member, date(2026, 9, 6), paid=400, retail=1800)
    for member in members(sites["gamma"], 10):
        insert_visit(member, date(2026, 9, 8), paid=0, retail=1500)
    for _ in range(11):
        _anonymous(sites["alpha"], date(2026, 9, 12))
    _anonymous(sites["alpha"], date(2026, 9, 13), voided=True)
    _anonymous(sites["alpha"], date(2026, 10, 2))
    _anonymous(sites["beta"], date(2026, 9, 7))
    db.session.commit()
    refresh_rollups()
    return sites


def _report(site_code=None):
    stats = period_statistics(SEPTEMBER, today=TODAY)
    by_type = visit_type_statistics([s.id for s in stats.sites], SEPTEMBER, TODAY)
    site = None if site_code is None else stats.site(site_code)
    return stats, by_type, release_statistics(stats, site=site, visit_types=by_type)


def test_the_raw_figures_of_the_month(typed):
    ids = [site.id for site in typed.values()]
    stats = visit_type_statistics(ids, SEPTEMBER, TODAY)
    alpha, programme = stats.by_scope[typed["alpha"].id], stats.by_scope[None]
    assert alpha.by_type["weekly_shop"] == {
        "visits": 12,
        "households": 12,
        "items": 120,
        "retail_value_pence": 24_000,
        "fees_pence": 4_200,
    }
    assert alpha.by_type["emergency_parcel"] == {
        "visits": 3,
        "households": 3,
        "items": 0,
        "retail_value_pence": 4_500,
        "fees_pence": 0,
    }
    assert programme.measure("weekly_shop", "visits") == 32
    assert programme.measure("weekly_shop", "households") == 32
    assert programme.measure("weekly_shop", "retail_value_pence") == 24_000 + 18_000 + 15_000
    assert programme.measure("weekly_shop", "fees_pence") == 4_200 + 4_000
    assert programme.measure("seasonal_extra", "visits") == 2
    assert alpha.anonymous == {"emergency_parcel": 11}
    assert programme.anonymous == {"emergency_parcel": 12}
    assert programme.anonymous_people == {
        "adults": 12,
        "children_0_4": 0,
        "children_5_11": 12,
        "children_12_17": 0,
    }
    assert [key for key, _ in stats.types] == ["weekly_shop", "emergency_parcel", "seasonal_extra"]


def test_anonymous_households_are_never_unique_households(typed):
    stats, _by_type, report = _report()
    assert stats.programme.households == 32  # the members; never 32 + 12
    assert stats.programme.visits == 37
    assert report.figures["visits"]["unique_households"] == 30  # 32, rounded to 5
    assert report.figures["visits"]["visits"] == 35  # 37
    assert report.anonymous["in_unique_households"] is False
    assert report.anonymous["households"] == 10  # 12


def test_small_cells_and_secondary_suppression(typed):
    stats, by_type, report = _report()
    rows = {row["type"]: row for row in report.visit_types["types"]}
    weekly, emergency, extra = rows["weekly_shop"], rows["emergency_parcel"], rows["seasonal_extra"]
    # The weekly shop: shown, rounded to 5; money to the pound.
    assert (weekly["visits"], weekly["households"]) == (30, 30)
    assert weekly["retail_value_pence"] == 57_000
    assert weekly["fees_pence"] == 8_200
    assert weekly["items"] == 120
    # 3 emergency parcels and 2 Christmas extras: below 10, so their money is withheld too.
    assert (emergency["visits"], emergency["households"]) == ("<10", "<10")
    assert (extra["visits"], extra["households"]) == ("<10", "<10")
    assert emergency["retail_value_pence"] is None
    assert "visit_types.emergency_parcel.retail_value_pence" in report.withheld
    assert report.visit_types["visits"] == 35  # 37, the report's visits
    # Anonymous: 12 households in the programme, 11 at Alpha, 1 at Beta.
    assert emergency["anonymous_households"] == 10
    assert weekly["anonymous_households"] == 0  # a structural zero: never given anonymously
    people = report.anonymous["people"]
    assert (people["adults"], people["children_5_11"], people["total"]) == (10, 10, 25)
    assert people["children_0_4"] == "<10"
    beta = release_statistics(stats, site=stats.site("beta"), visit_types=by_type)
    assert beta.anonymous["households"] == "<10"
    assert beta.anonymous["retail_value_pence"] is None
    alpha = release_statistics(stats, site=stats.site("alpha"), visit_types=by_type)
    assert alpha.anonymous["households"] == 10  # 11
    # No line of the pattern has exactly one hidden entry (none can be subtracted back).
    ids = [s.id for s in stats.sites]
    pattern = visit_type_pattern(
        by_type, linked_pattern({**stats.by_site, None: stats.programme}, ids), ids
    )
    hidden = pattern.primary | pattern.secondary
    lines = [
        ([(p, scope) for p in parts], (total, scope))
        for scope in (None, *ids)
        for parts, total in _lines(member_types(by_type), anonymous_types(by_type))
    ]
    names = {name for name, scope in pattern.values if scope is None}
    lines += [([(name, site_id) for site_id in ids], (name, None)) for name in names]
    for parts, total in lines:
        assert sum(key in hidden for key in (*parts, total)) != 1, (parts, total)


def test_the_weekly_shops_figures_stay_as_they_were(typed):
    """The headline figures count member visits as before; the section only splits them."""
    stats, _by_type, with_types = _report()
    without = release_statistics(stats, site=None)
    assert with_types.figures == without.figures
    assert not without.visit_types


@pytest.fixture
def lead(make_user):
    return make_user("programme_lead")


def test_the_json_feed_carries_the_section(typed, client, lead, token_for):
    response = client.get("/api/v1/stats?period=2026-09", headers=token_for(lead))
    assert response.status_code == 200
    body = response.json
    assert StatsOut().validate(body) == {}
    types = {row["type"]: row for row in body["visit_types"]["types"]}
    assert types["weekly_shop"]["visits"] == 30
    assert types["emergency_parcel"]["visits"] == "<10"
    assert body["anonymous"]["households"] == 10
    assert body["anonymous"]["in_unique_households"] is False
    assert body["figures"]["visits"]["unique_households"] == 30
    text = response.get_data(as_text=True)
    for pii in PII_STRINGS:
        assert pii not in text


def _csv(client, lead, token_for, name, site=""):
    response = client.get(
        f"/api/v1/stats/tables/{name}.csv?period=2026-09{site}", headers=token_for(lead)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_of_the_section(typed, client, lead, token_for):
    rows = _csv(client, lead, token_for, "visit_types")
    assert rows[0][0].startswith("Visits by type")
    assert any(r[:1] == ["Disclosure rule"] for r in rows)
    weekly = next(r for r in rows if r and r[0] == "Weekly shop")
    assert weekly[1:7] == ["30", "30", "120", "570", "82", "0"]
    emergency = next(r for r in rows if r and r[0] == "Emergency parcel")
    assert emergency[1:3] == ["<10", "<10"]
    assert emergency[6] == "10"
    assert any("never counted in the unique households" in " ".join(r) for r in rows)
    flat = "\n".join(",".join(r) for r in rows)
    for pii in PII_STRINGS:
        assert pii not in flat


def test_the_pdfs_and_the_page_contain_the_section(typed, client, lead, token_for, login):
    programme = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=token_for(lead))
    assert programme.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(programme.data)).pages)
    assert "Visits by type" in text
    assert "Anonymous households" in text
    monthly = client.get(
        "/api/v1/sites/alpha/reports/monthly.pdf?period=2026-09", headers=token_for(lead)
    )
    assert monthly.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(monthly.data)).pages)
    assert "Visits by type" in text
    for pii in PII_STRINGS:
        assert pii not in text
    login(lead)
    page = client.get("/reporting/programme?period=2026-09").get_data(as_text=True)
    assert 'id="h-visit-types"' in page
    assert "Anonymous households" in page
    for pii in PII_STRINGS:
        assert pii not in page
    methods = client.get("/reporting/methods").get_data(as_text=True)
    assert "Visits by type and anonymous households" in methods


def test_a_type_only_one_site_gives_is_shown_with_that_sites_label(
    typed, insert_member, insert_visit
):
    """The types' labels come from the sites' stored settings: a type of the site's own (not
    one of the programme's) is named as the site names it; one no site used is left out."""
    from dataclasses import replace

    from supermarket.sites.settings import VisitType

    gamma = typed["gamma"]
    gamma.settings = replace(
        gamma.settings,
        visit_types=(
            *gamma.settings.visit_types,
            VisitType("soup_lunch", "Community lunch"),
            VisitType("unused_type", "Never given"),
        ),
    )
    member = insert_member(gamma, joined_on=date(2026, 1, 5), **PII)
    insert_visit(member, date(2026, 9, 15), paid=0, retail=500).visit_type = "soup_lunch"
    db.session.commit()
    stats = visit_type_statistics([s.id for s in typed.values()], SEPTEMBER, TODAY)
    assert stats.types[-1] == ("soup_lunch", "Community lunch")
    assert "unused_type" not in dict(stats.types)
