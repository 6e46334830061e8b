"""Fixed reporting periods: months, quarters and years only."""

from __future__ import annotations

from datetime import date

import pytest

from supermarket.errors import InvalidInput
from supermarket.reporting.periods import (
    Period,
    latest_complete,
    months_ending,
    parse_period,
    recent_periods,
)


@pytest.mark.parametrize(
    ("text", "start", "end", "kind", "label"),
    [
        ("2026-09", date(2026, 9, 1), date(2026, 9, 30), "month", "September 2026"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month", "February 2024"),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "quarter", "July to September 2026"),
        ("2026-q4", date(2026, 10, 1), date(2026, 12, 31), "quarter", "October to December 2026"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "year", "2026"),
        (" 2025-Q1 ", date(2025, 1, 1), date(2025, 3, 31), "quarter", "January to March 2025"),
    ],
)
def test_fixed_periods_parse_to_their_calendar_dates(text, start, end, kind, label):
    period = parse_period(text)
    assert (period.start, period.end, period.kind, period.label) == (start, end, kind, label)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-Q0",
        "26-09",
        "2026-9",
        "2026-09-01",
        "2026-09..2026-10",
        "1999",
        "2101",
        "last month",
        "2026-W09",
    ],
)
def test_anything_but_a_month_quarter_or_year_is_refused(text):
    with pytest.raises(InvalidInput) as refused:
        parse_period(text)
    assert refused.value.code == "invalid_period"
    assert "period" in refused.value.fields


def test_a_quarter_is_made_of_its_three_months():
    assert [m.key for m in parse_period("2026-Q3").months()] == ["2026-07", "2026-08", "2026-09"]
    assert len(parse_period("2026").months()) == 12


def test_periods_know_when_they_are_over():
    q3 = Period.quarter(2026, 3)
    assert not q3.is_complete(date(2026, 9, 30))
    assert q3.is_complete(date(2026, 10, 1))
    assert q3.has_started(date(2026, 7, 1))
    assert not q3.has_started(date(2026, 6, 30))
    assert latest_complete("quarter", date(2026, 11, 25)) == q3
    assert latest_complete("month", date(2026, 1, 3)).key == "2025-12"


def test_twelve_months_ending_with_a_period():
    months = months_ending(Period.quarter(2026, 1), 12)
    assert [months[0].key, months[-1].key] == ["2025-04", "2026-03"]


def test_choosers_offer_recent_periods_newest_first():
    over = list(recent_periods(date(2026, 11, 25), include_current=False))
    assert over[0].key == "2026-10"
    assert "2026-Q3" in [p.key for p in over]
    assert "2026-Q4" not in [p.key for p in over]
    assert "2026" not in [p.key for p in over]
    running = [p.key for p in recent_periods(date(2026, 11, 25), include_current=True)]
    assert running[0] == "2026-11"
    assert {"2026-Q4", "2026"} <= set(running)
