"""The programme lead's first look: the dashboards open on a period with figures, lead with
plain sentences that never give away a hidden figure, keep the statistics' names on the
methods page (and at the end of the PDF), and explain "<10" once."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from pypdf import PdfReader

from supermarket.reporting import services
from supermarket.reporting.periods import Period
from supermarket.reporting.release import report_for, wording
from supermarket.reporting.rollups import refresh_rollups

JARGON = ("McNemar", "Newcombe", "Hyndman")
NOTE = "hidden to protect privacy"


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    """What a person reads on a page: no tags, no attributes, no data URIs."""
    body = html.split("<main", 1)[-1]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _households(insert_member, insert_visit, site, count: int, days: list[date], **member):
    members = [insert_member(site, joined_on=date(2026, 1, 5), **member) for _ in range(count)]
    for m in members:
        for day in days:
            insert_visit(m, day)
    return members


@pytest.fixture
def september_with_figures(make_site, insert_member, insert_visit):
    """40 households visit twice in September 2026; one visits once in October."""
    site = make_site(code="harlow", name="Harlow Community Supermarket")
    members = _households(
        insert_member, insert_visit, site, 40, [date(2026, 9, 5), date(2026, 9, 19)]
    )
    insert_visit(members[0], date(2026, 10, 3))
    return site


@pytest.mark.parametrize("rolled_up", [False, True])
@time_machine.travel("2026-11-20 10:00 +0000")
def test_the_dashboard_opens_on_the_latest_period_with_figures(
    client, september_with_figures, make_user, login, rolled_up
):
    if rolled_up:
        refresh_rollups()
    login(make_user("programme_lead"))
    html = _page(client, "/reporting/programme")
    # October 2026 is the latest month that is over, but one household is all it has.
    assert "<strong>All sites</strong> · September 2026" in html
    assert "Report pack for Q3 2026 (PDF)" in html
    assert "/api/v1/stats/tables/summary.csv?period=2026-09" in html
    assert "/api/v1/stats?period=2026-09" in html
    # The chooser lists the periods with figures first, the rest after them.
    options = re.findall(r'<option value="([^"]+)"', html)
    assert options.index("2026-09") < options.index("2026-10")
    assert '<optgroup label="Too few people to show most figures">' in html
    # A period asked for is still shown.
    html = _page(client, "/reporting/programme?period=2026-10")
    assert "<strong>All sites</strong> · October 2026" in html


@time_machine.travel("2026-11-20 10:00 +0000")
def test_a_site_manager_opens_on_a_month_with_figures_not_a_near_empty_one(
    client, september_with_figures, make_user, login
):
    login(make_user("site_manager", sites=[september_with_figures]))
    html = _page(client, "/reporting/site")
    # November so far has no visits at all: September is the latest month with figures.
    assert "· September 2026" in html
    assert "the period is not over" not in html
    assert "/api/v1/sites/harlow/reports/monthly.pdf?period=2026-09" in html


@time_machine.travel("2026-12-06 10:00 +0000")
def test_no_pack_is_offered_for_a_quarter_with_nothing_in_it(
    client, make_site, insert_member, insert_visit, make_user, login
):
    """As the demo: eight weeks of visits, so the last quarter that is over is empty."""
    site = make_site(code="harlow")
    _households(insert_member, insert_visit, site, 20, [date(2026, 10, 20), date(2026, 11, 14)])
    login(make_user("programme_lead"))
    html = _page(client, "/reporting/programme")
    assert "· November 2026" in html
    assert "Report pack for" not in html
    assert "none has figures yet" in html


@time_machine.travel("2026-11-20 10:00 +0000")
def test_with_no_figures_at_all_the_dashboard_says_so(client, make_site, make_user, login):
    make_site(code="harlow")
    login(make_user("programme_lead"))
    html = _page(client, "/reporting/programme")
    assert "There are no figures yet: no visits have been recorded" in html
    assert "· October 2026" in html


def test_period_choices_prefer_recent_periods_with_figures():
    today = date(2026, 11, 20)
    sep, oct_, q3, y25 = (
        Period.month(2026, 9),
        Period.month(2026, 10),
        Period.quarter(2026, 3),
        Period.year(2025),
    )
    choices = [
        services.PeriodChoice(oct_, False, True),
        services.PeriodChoice(sep, True, True),
        services.PeriodChoice(q3, True, True),
        services.PeriodChoice(y25, True, True),
    ]
    assert services.best_period(choices, today) == sep  # a month before its quarter
    assert services.best_period(choices, today, kinds=("quarter", "year")) == q3
    assert services.best_period(choices[:1], today) is None


# --- the plain sentences -------------------------------------------------------------------


@pytest.fixture
def harlow_pairs(make_site, insert_member, insert_visit, insert_movement, insert_assessment):
    """Harlow: 46 households of three (two adults, a child under 5) visit in August and
    September 2026, each saving £20 a visit; surveyed at joining (June 2026) and again three
    months later: 12 stay food insecure, 14 become secure, 10 become insecure, 10 stay
    secure. 1,300 kg of FareShare food is given out."""
    harlow = make_site(code="harlow", name="Harlow Community Supermarket")
    insert_movement(harlow, date(2026, 8, 4), "issued", 1_300_000)
    changes = [("low", "low")] * 12 + [("low", "high")] * 14 + [("high", "low")] * 10
    changes += [("high", "high")] * 10
    for index, (before, after) in enumerate(changes):
        joined = date(2026, 6, 1 + index % 28)
        member = insert_member(harlow, joined_on=joined, adults=2, children=(1, 0, 0))
        insert_assessment(member, joined, before)
        insert_assessment(member, joined + timedelta(days=91), after, timepoint=3)
        insert_visit(member, date(2026, 8, 4), retail=2350, paid=350)
        insert_visit(member, date(2026, 9, 8), retail=2350, paid=350)
    return harlow


@pytest.fixture
def paired_quarter(harlow_pairs, make_site, insert_member, insert_visit, insert_assessment):
    """Harlow as above, and Canvey: 6 households (6 pairs), below the threshold. (To protect
    Canvey, Harlow's households are held back in the programme's pattern too.)"""
    canvey = make_site(code="canvey", name="Canvey Island Community Supermarket")
    for index in range(6):
        joined = date(2026, 6, 2 + index)
        member = insert_member(canvey, joined_on=joined)
        insert_assessment(member, joined, "very_low")
        insert_assessment(member, joined + timedelta(days=91), "high", timepoint=3)
        for day in (date(2026, 7, 7), date(2026, 8, 4), date(2026, 9, 8)):
            insert_visit(member, day)
    return harlow_pairs, canvey


def _report(actor, site=None):
    return report_for(Period.quarter(2026, 3), site=site, actor=actor, today=date(2026, 11, 20))


def test_the_sentences_give_the_released_figures(harlow_pairs, make_user):
    harlow = harlow_pairs
    report = _report(make_user("programme_lead"), site=harlow)
    reach = " ".join(wording.reach_sentences(report))
    # 46 households of 3 people (138), two visits each (92), £20 saved a visit (£1,840):
    # counts rounded to the nearest 5; 1,300 kg is 3,095 meals of 420 g (to the nearest 10).
    assert reach == (
        "45 households (140 people, 45 of them children) used Harlow Community Supermarket"
        " in July to September 2026, making 90 visits. Members took home 1.3 tonnes of food"
        " (about 3,100 meals) and saved £1,840 against shop prices."
    ), reach
    outcome = wording.outcome_sentence(report)
    # 26 of 46 food insecure at joining (56.5%), 22 of 46 three months later (47.8%).
    assert outcome.startswith(
        "Of 45 members surveyed again after 3 months, the share who were food insecure fell"
        " from 57% to 48%."
    ), outcome
    paired = report.outcome["paired"]
    if paired["ci95_pct_points"] is not None:
        assert "the range we are 95% sure of is" in outcome
        assert "could be chance" in outcome  # 14 against 10 changes: p = 0.54
    for word in (*JARGON, "CI", "p =", "p <"):
        assert word not in outcome


def test_the_sentences_never_give_away_a_hidden_figure(paired_quarter, make_user):
    _harlow, canvey = paired_quarter
    report = _report(make_user("programme_lead"), site=canvey)
    assert report.figures["visits"]["unique_households"] == "<10"
    text = " ".join(wording.reach_sentences(report) + wording.outcome_sentences(report))
    assert text.startswith(
        "Too few households used Canvey Island Community Supermarket in July to September"
        " 2026 to publish figures about them. There were 20 visits."
    ), text
    assert "Too few members were surveyed again after 3 months to report the change" in text
    # Neither the 6 households, their 6 people, nor their 6 pairs, nor their money.
    without_dates = text.replace("2026", "")
    assert not re.search(r"\b6\b", without_dates), text
    assert "£" not in text
    assert "<10" not in text


# --- the methods apart, and one note --------------------------------------------------------


@time_machine.travel("2026-11-20 10:00 +0000")
def test_the_dashboard_speaks_plainly_and_links_to_the_methods(
    client, paired_quarter, make_user, login
):
    login(make_user("programme_lead"))
    html = _page(client, "/reporting/programme?period=2026-Q3")
    text = _text(html)
    assert (
        "Of 50 members surveyed again after 3 months, the share who were food insecure fell"
        " from 62% to 42%. The change could be chance: the range we are 95% sure of is"
        " anything from a rise of 1 to a fall of 38 points in every 100 members."
    ) in text
    for word in JARGON:
        assert word not in html, word
    assert text.count(NOTE) == 1
    assert "Held back" not in text
    assert 'href="/reporting/methods"' in html
    methods = _text(_page(client, "/reporting/methods"))
    for word in (*JARGON, "ONS 10-5 rule", "secondary suppression", "420 g of food = 1 meal"):
        assert word in methods, word


def test_the_site_managers_page_shares_the_plain_words(client, paired_quarter, make_user, login):
    harlow, _canvey = paired_quarter
    login(make_user("site_manager", sites=[harlow]))
    html = _page(client, "/reporting/site?period=2026-09")
    text = _text(html)
    assert "used Harlow Community Supermarket in September 2026" in text
    for word in JARGON:
        assert word not in html, word
    assert text.count(NOTE) == 1
    assert "McNemar" in _page(client, "/reporting/methods")


def test_volunteers_do_not_get_the_methods_page(client, paired_quarter, make_user, login):
    harlow, _canvey = paired_quarter
    login(make_user("volunteer", sites=[harlow]))
    assert client.get("/reporting/methods").status_code == 403


def _pdf_parts(data: bytes) -> tuple[str, str]:
    """(the main text, the methods at the end) of a report pack."""
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]
    start = next(i for i, page in enumerate(pages) if "Methods The disclosure rule" in page)
    return " ".join(pages[:start]), " ".join(pages[start:])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/programme.pdf?period=2026-Q3",
        "/api/v1/sites/harlow/reports/monthly.pdf?period=2026-09",
        "/api/v1/sites/canvey/reports/monthly.pdf?period=2026-09",
    ],
)
def test_the_pdf_leads_plainly_and_keeps_its_methods_to_the_end(
    client, paired_quarter, make_user, token_for, path
):
    response = client.get(path, headers=token_for(make_user("programme_lead")))
    assert response.status_code == 200
    main, methods = _pdf_parts(response.data)
    for word in JARGON:
        assert word not in main, word
    for word in ("McNemar", "Newcombe", "Hyndman-Fan", "secondary suppression"):
        assert word in methods, word
    assert main.count(NOTE) == 1
    assert "Held back" not in main
    if "programme" in path:
        assert "used the supermarkets in July to September 2026" in main
    elif "canvey" in path:
        assert "Too few households used Canvey Island" in main
