"""Report packs as PDF: opened and read back, as a board member or a funder would."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from supermarket.reporting.rollups import refresh_rollups
from tests.conftest import ARTIFACTS, LONDON


def save_artifact(name: str, data: bytes) -> None:
    """Keep the PDF under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


def _text(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


@pytest.fixture
def seeded(seed_programme):
    data = seed_programme({"harlow": 60, "basildon": 90, "canvey": 6})
    refresh_rollups()
    return data


def test_the_programme_report_pack_for_a_quarter(client, seeded, make_user, token_for):
    headers = token_for(make_user("programme_lead"))
    response = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=headers)
    reader, text = _text(response)
    save_artifact("reporting-programme-2026-Q3.pdf", response.data)
    assert response.headers["Content-Disposition"].endswith("programme-report-2026-Q3.pdf")
    assert reader.metadata.title == "Programme report: July to September 2026"
    assert len(reader.pages) >= 5
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "Programme report" in cover
    assert "All sites · Quarter 3 (July to September 2026)" in cover
    assert "ONS 10-5 rule" in cover
    for expected in (
        "Headline figures, July to September 2026",
        "Households that visited",
        "People reached",
        "Meals equivalent",
        "CO2e avoided",
        "Members' savings",
        "Site by site: members and reach",
        "Site by site: food, money and surveys",
        "Basildon Community Supermarket",
        "Canvey Island Community Supermarket",
        "Harlow Community Supermarket",
        "<10",
        "Visits and households, month by month",
        "Food received, by source (kg)",
        "Food insecurity: first survey and follow-up",
        "People often join in a crisis",
        "regression to the mean",
        "Follow-up rate",
        "From first survey (rows) to follow-up (columns)",
        "Methods",
        "The disclosure rule",
        "secondary suppression",
        "420 g of food = 1 meal",
        "1.6 t CO2e per tonne of surplus food",
        "USDA ERS",
        "30 days",
        "Newcombe",
    ):
        assert expected in text, expected
    # The methods are at the end (four pages with the support and reach definitions).
    assert any("Methods" in page.extract_text() for page in reader.pages[-4:])


def test_the_programme_report_for_a_year_to_date_is_refused_until_it_is_over(
    client, seeded, make_user, token_for
):
    headers = token_for(make_user("programme_lead"))
    this_year = datetime.now(LONDON).year
    response = client.get(f"/api/v1/reports/programme.pdf?period={this_year}", headers=headers)
    assert response.status_code == 409
    last_year = client.get(f"/api/v1/reports/programme.pdf?period={this_year - 1}", headers=headers)
    assert last_year.status_code == 200


def test_the_programme_report_is_for_a_quarter_or_a_year(client, make_user, token_for):
    headers = token_for(make_user("programme_lead"))
    response = client.get("/api/v1/reports/programme.pdf?period=2026-09", headers=headers)
    assert response.status_code == 422
    assert "quarter" in response.json["error"]["fields"]["period"]


def test_site_managers_do_not_get_the_programme_pack(client, make_user, token_for):
    headers = token_for(make_user("site_manager"))
    response = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=headers)
    assert response.status_code == 403


def test_a_site_manager_downloads_their_monthly_report(client, seeded, make_user, token_for):
    harlow = seeded["sites"]["harlow"]
    headers = token_for(make_user("site_manager", sites=[harlow]))
    response = client.get(
        "/api/v1/sites/harlow/reports/monthly.pdf?period=2026-09", headers=headers
    )
    _reader, text = _text(response)
    assert response.headers["Content-Disposition"].endswith("harlow-2026-09-report.pdf")
    for expected in (
        "Monthly site report",
        "Harlow Community Supermarket",
        "September 2026",
        "Headline figures: Harlow Community Supermarket, September 2026",
        "People reached",
        "Food in and out (kg)",
        "Visits and households, month by month",
        "People often join in a crisis",
        "Methods",
    ):
        assert expected in text, expected
    assert "Basildon" not in text
    other = client.get("/api/v1/sites/basildon/reports/monthly.pdf?period=2026-09", headers=headers)
    assert other.status_code == 404


def test_the_monthly_report_is_for_one_month(client, seeded, make_user, token_for):
    headers = token_for(make_user("programme_lead"))
    response = client.get(
        "/api/v1/sites/harlow/reports/monthly.pdf?period=2026-Q3", headers=headers
    )
    assert response.status_code == 422
    ok = client.get("/api/v1/sites/canvey/reports/monthly.pdf?period=2026-09", headers=headers)
    _reader, text = _text(ok)
    assert "Canvey Island Community Supermarket" in text
    assert "<10" in text


@pytest.mark.slow
def test_a_programme_of_many_sites_gets_its_report_pack(
    client, seed_programme, make_user, token_for
):
    """One bar a site: with 45 sites the bars narrow so the chart still fits its page."""
    seed_programme({f"site-{i:02d}": 12 for i in range(45)})
    refresh_rollups()
    headers = token_for(make_user("programme_lead"))
    response = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=headers)
    _reader, text = _text(response)
    save_artifact("reporting-programme-45-sites.pdf", response.data)
    assert "Members' savings, by site" in text


@pytest.mark.slow
def test_a_programme_of_more_sites_than_a_page_holds_prints_its_busiest(
    client, seed_programme, make_user, token_for
):
    """Past MAX_SITE_ROWS sites the pack prints the sites with most visits and says where the
    rest are, instead of a table (and a chart) of every site."""
    from supermarket.reporting.pdf.sections import MAX_SITE_ROWS, SHOWN_SITES

    count = MAX_SITE_ROWS + 2
    # Two busy sites and many quiet ones: the busy ones are printed, most quiet ones not.
    sizes = {f"site-{i:02d}": 2 for i in range(count - 2)} | {"busy-a": 30, "busy-b": 25}
    seed_programme(sizes)
    refresh_rollups()
    headers = token_for(make_user("programme_lead"))
    response = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=headers)
    _reader, text = _text(response)
    save_artifact("reporting-programme-many-sites.pdf", response.data)
    assert f"The programme has {count} sites" in text
    assert f"show the {SHOWN_SITES} with most visits" in text
    assert "Busy-A" in text
    assert "Busy-B" in text
    names = [code.title() for code in sizes]
    printed = [name for name in names if name.startswith("Site-") and f"{name} " in text]
    assert len(printed) <= SHOWN_SITES - 2
    # Every site is still in the CSV file.
    csv = client.get("/api/v1/stats/tables/sites.csv?period=2026-Q3", headers=headers)
    assert csv.status_code == 200
    assert all(name in csv.get_data(as_text=True) for name in names)


def test_a_bar_chart_of_any_length_fits_a_page():
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from supermarket.reporting import charts, pdf

    for count in (3, 40, 200):
        chart = charts._horizontal(
            "k",
            "Savings by site",
            "summary",
            [(f"Community supermarket number {i}", 1000 * i) for i in range(count)],
            unit="",
            empty="none",
            headers=("Site", "£"),
        )
        assert chart.drawing.height <= charts.MAX_HEIGHT or count * charts.MIN_ROW > 600
        out = io.BytesIO()
        SimpleDocTemplate(out, pagesize=A4).build(pdf.layout.chart_block(chart))  # no LayoutError
        assert PdfReader(io.BytesIO(out.getvalue())).pages
