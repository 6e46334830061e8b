"""CSV downloads of every table: the rule at the top, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from supermarket.extensions import db
from supermarket.reporting.tables import TABLES
from supermarket.spreadsheets import safe_cell, starts_formula


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 1234", "'+44 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\ncmd", "'\ncmd"),
        (" =1+1", "' =1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("＝1+1 Site", "'＝1+1 Site"),
        ("<10", "<10"),
        ("Harlow", "Harlow"),
        (-5, -5),
        (12.5, 12.5),
        (None, None),
    ],
)
def test_cells_that_would_start_a_formula_are_quoted(value, safe):
    assert safe_cell(value) == safe


@pytest.mark.parametrize("name", TABLES)
def test_every_table_downloads_with_the_rule_at_the_top(
    client, programme, make_user, token_for, name
):
    headers = token_for(make_user("programme_lead"))
    rows = _rows(client.get(f"/api/v1/stats/tables/{name}.csv?period=2026-Q3", headers=headers))
    assert rows[1] == ["Period", "July to September 2026", "2026-Q3"]
    assert rows[2] == ["Sites", "All sites"]
    assert rows[3][0] == "Disclosure rule"
    assert rows[3][1].startswith("ONS 10-5 rule: counts below 10 suppressed")
    assert rows[4][0] == "Key"
    header = rows[6]
    assert len(header) >= 2
    body = rows[7:]
    assert body


def test_the_site_table_for_the_finance_team(client, programme, make_user, token_for):
    headers = token_for(make_user("programme_lead"))
    rows = _rows(client.get("/api/v1/stats/tables/sites.csv?period=2026-Q3", headers=headers))
    header = rows[6]
    assert header[:4] == ["Site", "Active households", "New households", "Visits"]
    names = [row[0] for row in rows[7:10]]
    assert names == ["Alpha Community Supermarket", "Beta Community Supermarket", "All sites"]
    assert rows[7][3] == "<10"
    assert rows[7][header.index("Savings (£)")] == ""  # withheld


def test_a_site_named_like_a_formula_cannot_run_in_a_spreadsheet(
    client, make_site, make_user, token_for
):
    make_site(code="evil", name='=HYPERLINK("http://evil.example","Click")')
    headers = token_for(make_user("programme_lead"))
    rows = _rows(client.get("/api/v1/stats/tables/sites.csv?period=2026-Q3", headers=headers))
    assert rows[7][0] == '\'=HYPERLINK("http://evil.example","Click")'
    one = _rows(
        client.get("/api/v1/stats/tables/summary.csv?period=2026-Q3&site=evil", headers=headers)
    )
    assert one[2] == ["Sites", '\'=HYPERLINK("http://evil.example","Click")']


def test_a_site_manager_downloads_their_sites_tables(client, programme, make_user, token_for):
    alpha, _beta = programme
    headers = token_for(make_user("site_manager", sites=[alpha]))
    rows = _rows(client.get("/api/v1/stats/tables/food.csv?period=2026-Q3", headers=headers))
    assert rows[2] == ["Sites", "Alpha Community Supermarket"]
    food = {row[0]: row[1] for row in rows[7:] if len(row) == 2}
    assert food["Received: FareShare"] == "38"
    assert food["Wasted: Past its use-by date"] == "2"
    # The site table is the programme's; a site's own download has no such table.
    missing = client.get("/api/v1/stats/tables/sites.csv?period=2026-Q3", headers=headers)
    assert missing.status_code == 404


def test_an_unknown_table_is_not_found(client, make_user, token_for):
    headers = token_for(make_user("programme_lead"))
    response = client.get("/api/v1/stats/tables/members.csv?period=2026-Q3", headers=headers)
    assert response.status_code == 404


# A name as stored, whatever the site form allows today: the CSV must be safe regardless.
FORMULA_NAMES = ["＝1+1 Site", " =1+1 Site", "\n=1+1 Site", "＠SUM(A1) Site", "－1 Site"]


@pytest.mark.parametrize("name", TABLES)
def test_no_cell_of_any_table_can_start_a_formula(
    client, programme, make_site, make_user, token_for, name
):
    for i, evil in enumerate(FORMULA_NAMES):
        make_site(code=f"evil{i}", name=f"Evil {i}").name = evil
    db.session.commit()
    headers = token_for(make_user("programme_lead"))
    rows = _rows(client.get(f"/api/v1/stats/tables/{name}.csv?period=2026-Q3", headers=headers))
    assert [cell for row in rows for cell in row if starts_formula(cell)] == []
    if name == "sites":
        assert {"'" + evil for evil in FORMULA_NAMES} <= {row[0] for row in rows if row}
