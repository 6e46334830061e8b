"""Personal data never leaves: everything a programme lead can obtain, scanned for it.

Every member of the seeded programme carries the same distinctive name, date of birth,
postcode, phone, email and note, and a recognisable membership number. The test asks for every
page, JSON answer, CSV file and PDF a programme lead may get (every GET route their role
allows, with every site and table, and a spread of periods) and searches each one, charts
and PDF text included, for any of them.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from supermarket.auth.models import Role
from supermarket.reporting.rollups import refresh_rollups
from supermarket.reporting.tables import TABLES
from tests.reporting.conftest import PII_STRINGS

PERIODS = ("2026-Q3", "2026-Q2", "2026-09", "2026-10", "2025")
_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _urls(app, site_codes: list[str]) -> Iterator[str]:
    """Every GET URL a programme lead's role allows, filled in with real values."""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if Role.PROGRAMME_LEAD not in getattr(view, "_roles", ()):
            continue
        names = [name for _converter, name in _ARG.findall(rule.rule)]
        fills: list[dict[str, str]] = [{}]
        if "code" in names:
            fills = [{**f, "code": code} for f in fills for code in site_codes]
        if "name" in names:
            fills = [{**f, "name": name} for f in fills for name in TABLES]
        for fill in fills:
            path = _ARG.sub(lambda m, fill=fill: fill.get(m.group(2), "x1"), rule.rule)
            if not rule.endpoint.startswith("reporting"):
                yield path
                continue
            periods = PERIODS[:2] if rule.endpoint == "reporting_api.table_csv" else PERIODS
            for period in periods:
                if rule.endpoint == "reporting_api.monthly_pdf" and "Q" in period:
                    continue
                if rule.endpoint == "reporting_api.programme_pdf" and len(period) == 7:
                    continue
                yield f"{path}?period={period}"
                if "code" not in fill and rule.endpoint != "reporting_api.programme_pdf":
                    for code in site_codes:
                        yield f"{path}?period={period}&site={code}"


def _readable(response) -> str:
    """All the text a response carries: PDF text, and the SVG inside data: URIs."""
    if response.mimetype == "application/pdf":
        reader = PdfReader(io.BytesIO(response.data))
        text = "\n".join(page.extract_text() for page in reader.pages)
        meta = " ".join(str(v) for v in (reader.metadata or {}).values())
        return f"{text}\n{meta}\n{response.data.decode('latin-1')}"
    body = response.get_data(as_text=True)
    for encoded in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", body):
        body += base64.b64decode(encoded).decode("utf-8")
    return body


@pytest.mark.parametrize("how", ["session", "token"])
@pytest.mark.slow
def test_nothing_a_programme_lead_can_obtain_holds_personal_data(
    app, client, make_user, login, token_for, seed_programme, how
):
    seeded = seed_programme({"harlow": 30, "basildon": 45, "canvey": 6})
    refresh_rollups()
    numbers = [member.membership_number for member in seeded["members"]]
    assert all(re.fullmatch(r"Q\d{7}", number) for number in numbers)
    lead = make_user("programme_lead", name="Priya Shah")
    headers = {}
    if how == "session":
        login(lead)
    else:
        headers = token_for(lead)

    codes = sorted(seeded["sites"])
    urls = sorted(set(_urls(app, codes)))
    if how == "token":  # the feed's way in; pages are the session's
        urls = [url for url in urls if url.startswith("/api/")]
    checked = 0
    kinds: set[str] = set()
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue
        kinds.add(response.mimetype)
        text = _readable(response)
        for value in (*PII_STRINGS, *numbers):
            assert value not in text, (url, value)
        # Postcodes no finer than the district: no full postcode of the seeded kind.
        assert not re.search(r"\bCM20 ?9ZQ\b", text), url
        checked += 1
    assert checked >= 60
    assert {"application/json", "text/csv", "application/pdf"} <= kinds
    if how == "session":
        assert "text/html" in kinds
