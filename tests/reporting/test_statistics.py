"""The statistics on a small hand-built programme, every figure worked out by hand below.

Two sites, Alpha and Beta, in the quarter 2026-Q3 (1 July to 30 September 2026):

Members                                   Active in Q3?          New in Q3?
  m1 Alpha  joined 05/01, 2 adults + (1, 1, 0) children   yes          no
  m2 Alpha  joined 10/08, 1 adult + (0, 0, 2)             yes          yes
  m3 Alpha  joined 01/03, closed 30/06                    no (closed)  no
  m4 Alpha  on the waiting list since 20/07               no           no
  m5 Alpha  joined 01/02, membership expired 15/07        yes          no
  m6 Beta   joined 30/09 (the quarter's last day)         yes          yes
  m7 Beta   joined 01/10                                  no           no
  m8 Beta   joined 01/06                                  yes          no
  -> Alpha: active 3 (m1, m2, m5), new 1 (m2); Beta: active 2 (m6, m8), new 1 (m6).

Visits in Q3 (household snapshot adults, 0-4, 5-11, 12-17; paid; retail value)
  m1 Alpha 04/07 (2,1,1,0)  £3.50  £20.00
  m1 Alpha 01/08 (2,1,1,1)  £3.50  £25.00   (the household grew)
  m1 Alpha 12/09  voided -> left out
  m2 Alpha 15/08 (1,0,0,2)  £0.00  £15.00   override "hardship"
  m1 Beta  20/09 (2,1,1,1)  £4.00  £30.00   (visiting another site)
  m6 Beta  30/09 (1,0,0,0)  £4.00  £18.00
  (m5 Alpha 30/06 and m1 Alpha 01/10 fall outside the quarter)
  -> Alpha: 3 visits, 2 households, people at each household's last Alpha visit:
     m1 (2,1,1,1) + m2 (1,0,0,2) = adults 3, children 1/1/3, 8 people;
     fees £7.00, retail £60.00, savings £16.50 + £21.50 + £15.00 = £53.00; 1 override.
  -> Beta: 2 visits, 2 households: m1 (2,1,1,1) + m6 (1,0,0,0) = adults 3, children 1/1/1;
     fees £8.00, retail £48.00, savings £26.00 + £14.00 = £40.00.
  -> Programme: 5 visits, 3 households (m1 counts once); people at each household's last
     visit anywhere: m1 at Beta (2,1,1,1) + m2 + m6 = adults 4, children 1/1/3, 9 people.

Stock in Q3 (grams)
  Alpha: received FareShare 38,000, purchased 5,000, retailer 12,000; issued FareShare 3,000
         and purchased 1,000; returned (a voided visit) FareShare 500; wasted past use-by
         2,000 and damaged 700; transferred out 4,000.  (received 9,999 on 30/06: outside)
  Beta:  transferred in 4,000; issued FareShare 2,000; received community 6,000.
  -> Alpha out to members 3,000 + 1,000 - 500 = 3,500, of it surplus 2,500 (not purchased);
     Beta out 2,000, all surplus. Programme out 5,500 g = 13.095 meals at 420 g;
     surplus 4,500 g = 0.0045 t x 1,600 kg/t = 7.2 kg CO2e.

Surveys
  Baselines taken in Q3: m1 (very low, Alpha), m2 (low, Alpha), m6 (Beta, incomplete: left
  out). Follow-ups due in Q3 (baselines in April to June):
  m5 Alpha baseline 15/04 low -> 3-month follow-up 14/07 marginal (improved, now secure)
  m3 Alpha baseline 20/05 very low -> none; window closed 10/09 -> expected, not done
  m8 Beta  baseline 02/06 high -> follow-up 03/09 low (worse, became insecure)
  -> Alpha: expected 2, done 1, 1 pair; Beta: expected 1, done 1, 1 pair.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from supermarket.reporting.outcomes import AssessmentPair
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import refresh_rollups
from supermarket.reporting.statistics import Conversions, period_statistics

TODAY = date(2026, 11, 10)
Q3 = Period.quarter(2026, 3)


def _check(stats, alpha, beta):
    a, b, p = stats.by_site[alpha.id], stats.by_site[beta.id], stats.programme

    assert (a.active_households, a.new_households) == (3, 1)
    assert (b.active_households, b.new_households) == (2, 1)
    assert (p.active_households, p.new_households) == (5, 2)

    assert (a.visits, a.households, a.overrides) == (3, 2, 1)
    assert dict(a.people) == {
        "adults": 3,
        "children_0_4": 1,
        "children_5_11": 1,
        "children_12_17": 3,
    }
    assert (a.fees_pence, a.retail_value_pence, a.savings_pence) == (700, 6000, 5300)
    assert (b.visits, b.households, b.overrides) == (2, 2, 0)
    assert dict(b.people) == {
        "adults": 3,
        "children_0_4": 1,
        "children_5_11": 1,
        "children_12_17": 1,
    }
    assert (b.fees_pence, b.retail_value_pence, b.savings_pence) == (800, 4800, 4000)
    assert (p.visits, p.households, p.overrides) == (5, 3, 1)
    assert dict(p.people) == {
        "adults": 4,
        "children_0_4": 1,
        "children_5_11": 1,
        "children_12_17": 3,
    }
    assert (p.people_total, p.children) == (9, 5)
    assert (p.fees_pence, p.retail_value_pence, p.savings_pence) == (1500, 10800, 9300)

    assert a.food_in_g == {
        "fareshare": 38_000,
        "retailer": 12_000,
        "public": 0,
        "community": 0,
        "purchase": 5_000,
    }
    assert (a.out_to_members_g, a.out_surplus_g, a.transferred_out_g) == (3_500, 2_500, 4_000)
    assert a.wasted_g == {
        "past_use_by": 2_000,
        "damaged": 700,
        "temperature": 0,
        "recalled": 0,
        "other": 0,
    }
    assert b.food_in_g["community"] == 6_000
    assert (b.out_to_members_g, b.out_surplus_g, b.transferred_in_g) == (2_000, 2_000, 4_000)
    assert (p.food_in_total_g, p.out_to_members_g, p.out_surplus_g) == (61_000, 5_500, 4_500)
    assert p.wasted_total_g == 2_700
    assert stats.conversions.meals(p.out_to_members_g) == pytest.approx(13.095, abs=1e-3)
    assert stats.conversions.co2e_kg(p.out_surplus_g) == pytest.approx(7.2)

    assert (a.baselines, dict(a.baseline_categories)) == (
        2,
        {"high": 0, "marginal": 0, "low": 1, "very_low": 1},
    )
    assert b.baselines == 0
    assert (a.follow_ups_expected, a.follow_ups_done) == (2, 1)
    assert (b.follow_ups_expected, b.follow_ups_done) == (1, 1)
    assert a.pair_counts == {AssessmentPair("low", "marginal", 4, 2): 1}
    assert b.pair_counts == {AssessmentPair("high", "low", 0, 4): 1}
    outcome = p.outcome
    assert (outcome.n_pairs, outcome.became_secure, outcome.became_insecure) == (2, 1, 1)
    assert (outcome.improved, outcome.unchanged, outcome.worsened) == (1, 0, 1)


def test_statistics_of_a_hand_built_quarter(programme):
    alpha, beta = programme
    stats = period_statistics(Q3, today=TODAY)
    assert stats.complete
    assert [s.code for s in stats.sites] == ["alpha", "beta"]
    _check(stats, alpha, beta)


def test_rolled_up_figures_equal_the_ledgers(programme):
    alpha, beta = programme
    live = period_statistics(Q3, today=TODAY)
    report = refresh_rollups(now=datetime(2026, 11, 10, 12, tzinfo=UTC))
    assert report.through == date(2026, 11, 9)
    rolled = period_statistics(Q3, today=TODAY)
    assert rolled == live
    _check(rolled, alpha, beta)


def test_conversions_are_settings():
    conversions = Conversions(meal_grams=500, co2e_kg_per_tonne=2000)
    assert conversions.meals(1_000) == 2
    assert conversions.co2e_kg(1_000_000) == 2000


def test_survey_counts_match_the_surveys_own_figures(programme):
    """Reporting reads the surveys in two grouped queries; the counting is the surveys'."""
    from supermarket.members.terms import add_months
    from supermarket.reporting.statistics import survey_counts
    from supermarket.surveys.services import survey_figures

    ids = [site.id for site in programme]
    mine = survey_counts(ids, Q3, TODAY)
    for site_id in ids:
        taken = survey_figures([site_id], start=Q3.start, end=date(2026, 10, 1), today=TODAY)
        due = survey_figures(
            [site_id],
            start=add_months(Q3.start, -3),
            end=add_months(date(2026, 10, 1), -3),
            today=TODAY,
        )
        assert mine[site_id]["baselines"] == taken.baselines_complete
        assert mine[site_id]["baseline_categories"] == dict(taken.baseline_categories)
        assert mine[site_id]["follow_ups_expected"] == due.follow_ups_expected
        assert mine[site_id]["follow_ups_done"] == due.follow_ups_done
        assert mine[site_id]["pair_counts"] == Counter(due.pairs)


def test_the_trend_takes_a_running_months_households_from_its_statistics(programme):
    """A site manager's month to date: its households are counted once, not again for the
    trend, with the same figures."""
    from supermarket.reporting.periods import months_ending
    from supermarket.reporting.statistics import monthly_trend

    today = date(2026, 9, 25)
    september = Period.month(2026, 9)
    stats = period_statistics(september, today=today)
    months = months_ending(september, 6)
    reused = monthly_trend(months, today=today, known=stats)
    assert reused == monthly_trend(months, today=today)
    assert reused[-1].households[None] == stats.programme.households == 2
