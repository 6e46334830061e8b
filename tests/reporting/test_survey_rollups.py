"""Survey pair rollups: the survey figures summed from the rolled-up cells (and the days not
rolled up yet) equal those counted from the assessments themselves, for any period."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from supermarket.extensions import db
from supermarket.members.terms import add_months
from supermarket.reporting.models import DailySurveyStats, SurveyStaleDay
from supermarket.reporting.outcomes import paired_outcome, paired_outcome_from_counts
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import refresh_rollups, survey_cell_counts
from supermarket.reporting.statistics import period_statistics, survey_counts
from supermarket.reporting.statistics.counts import last_closed_baseline_day
from supermarket.surveys.models import SurveyAssessment
from supermarket.surveys.scoring import CATEGORIES_10
from supermarket.surveys.services import survey_figures
from supermarket.surveys.services.due import window

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 10)
Q3 = Period.quarter(2026, 3)
PERIODS = (
    *(Period.month(2026, month) for month in range(4, 12)),
    Period.quarter(2026, 2),
    Q3,
    Period.quarter(2026, 4),
    Period.year(2026),
)


def _stale() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyStaleDay)) or 0


def _expected(site_id: int, period: Period, today: date) -> dict[str, object]:
    """The site's survey figures counted by the surveys' own service from the assessments."""
    after_end = period.end + timedelta(days=1)
    taken = survey_figures([site_id], start=period.start, end=after_end, today=today)
    due = survey_figures(
        [site_id],
        start=add_months(period.start, -3),
        end=add_months(after_end, -3),
        today=today,
    )
    return {
        "baselines": taken.baselines_complete,
        "baseline_categories": dict(taken.baseline_categories),
        "follow_ups_expected": due.follow_ups_expected,
        "follow_ups_done": due.follow_ups_done,
        "pair_counts": dict(Counter(due.pairs)),
        "pairs": due.pairs,
    }


def _check(site_ids: list[int], periods: tuple[Period, ...], today: date) -> None:
    for period in periods:
        found = survey_counts(site_ids, period, today)
        for site_id in site_ids:
            expected = _expected(site_id, period, today)
            pairs = expected.pop("pairs")
            assert found[site_id] == expected, (period.key, site_id)
            assert paired_outcome_from_counts(found[site_id]["pair_counts"]) == paired_outcome(
                pairs  # type: ignore[arg-type]
            )


def test_a_follow_up_marks_its_baselines_day_and_the_refresh_rolls_it_up(
    make_site, insert_member, insert_assessment
):
    site, other = make_site(), make_site()
    member = insert_member(site)
    insert_assessment(member, date(2026, 6, 2), "very_low")
    refresh_rollups(now=NOW)
    assert _stale() == 0
    cells = db.session.scalars(select(DailySurveyStats)).all()
    assert [
        (c.local_date, c.baseline_category, c.follow_up_category, c.baselines) for c in cells
    ] == [(date(2026, 6, 2), "very_low", "", 1)]

    # Taken at another site: the pair still counts at the baseline's site, on its day.
    follow_up = insert_assessment(member, date(2026, 9, 1), "marginal", timepoint=3)
    follow_up.site_id = other.id
    db.session.flush()
    assert {(s.site_id, s.local_date) for s in db.session.scalars(select(SurveyStaleDay))} == {
        (site.id, date(2026, 6, 2))
    }
    live = survey_counts([site.id, other.id], Q3, TODAY)
    assert live[site.id]["pair_counts"] == {("very_low", "marginal", 8, 2): 1}
    assert live[other.id]["follow_ups_done"] == 0

    report = refresh_rollups(now=NOW)
    assert report.survey_stale_days == 1
    assert _stale() == 0
    assert survey_counts([site.id, other.id], Q3, TODAY) == live


def test_the_statistics_read_rolled_up_baseline_days_from_the_rollup(
    make_site, insert_member, insert_assessment
):
    site = make_site()
    member = insert_member(site)
    insert_assessment(member, date(2026, 5, 4), "low")
    insert_assessment(member, date(2026, 8, 4), "high", timepoint=3)
    refresh_rollups(now=NOW)
    # A change behind the ORM's back (a bulk fix-up) is not seen until the rollup is rebuilt.
    db.session.execute(update(SurveyAssessment).values(complete=False))
    assert period_statistics(Q3, today=TODAY).programme.outcome.n_pairs == 1
    refresh_rollups(now=NOW, rebuild=True)
    assert period_statistics(Q3, today=TODAY).programme.outcome.n_pairs == 0


def test_refreshing_again_or_rebuilding_gives_the_same_cells(
    make_site, insert_member, insert_assessment
):
    site = make_site()
    for day, category in ((date(2026, 4, 7), "low"), (date(2026, 4, 7), "high")):
        member = insert_member(site)
        insert_assessment(member, day, category)
        insert_assessment(member, add_months(day, 3), "marginal", timepoint=3)
    insert_assessment(insert_member(site), date(2026, 4, 8), "low", complete=False)
    refresh_rollups(now=NOW)

    def cells() -> list[tuple[object, ...]]:
        return sorted(db.session.execute(select(DailySurveyStats.__table__)).all())

    before = cells()
    assert len(before) == 3
    assert refresh_rollups(now=NOW).days == 0
    assert cells() == before
    refresh_rollups(now=NOW, rebuild=True)
    assert cells() == before


@pytest.mark.parametrize(
    "today",
    [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 800, 7)]
    + [date(2027, 2, 28), date(2027, 3, 1), date(2028, 2, 29), date(2026, 12, 31)],
)
def test_the_last_closed_baseline_day_is_where_the_windows_close(today):
    last = last_closed_baseline_day(today)
    assert window(last, 3)[2] < today
    assert window(last + timedelta(days=1), 3)[2] >= today


@pytest.fixture
def world(make_site, insert_member):
    """Made once for all examples: make_site commits, which would end an example's savepoint."""
    sites = [make_site() for _ in range(3)]
    return {"sites": sites, "members": [insert_member(sites[i % 3]) for i in range(18)]}


baseline_days = st.integers(min_value=0, max_value=250).map(
    lambda n: date(2026, 3, 1) + timedelta(n)
)
follow_ups = st.none() | st.tuples(
    st.sampled_from(CATEGORIES_10),
    st.booleans(),  # complete
    st.integers(-21, 21),  # days from the due day
    st.booleans(),  # recorded after the refresh
    st.integers(0, 2),  # the site it was taken at
)
surveys = st.none() | st.tuples(
    baseline_days, st.sampled_from(CATEGORIES_10), st.booleans(), follow_ups, st.booleans()
)


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    members=st.lists(surveys, min_size=18, max_size=18),
    cut=st.integers(min_value=0, max_value=260).map(lambda n: date(2026, 3, 1) + timedelta(n)),
    today=st.integers(min_value=0, max_value=100).map(lambda n: date(2026, 8, 12) + timedelta(n)),
)
def test_rolled_up_survey_figures_always_equal_the_assessments(
    world, insert_assessment, members, cut, today
):
    """Several periods, sites and days: baselines and follow-ups before the refresh, follow-ups
    recorded and baselines changed after it, and `today` anywhere around the windows."""
    sites, people = world["sites"], world["members"]
    last_day = date(2026, 11, 19)
    with db.session.begin_nested() as example:
        later = []
        for member, survey in zip(people, members, strict=True):
            if survey is None:
                continue
            day, category, complete, follow_up, change = survey
            baseline = insert_assessment(member, day, category, complete=complete)
            if follow_up is not None:
                f_category, f_complete, offset, after, site_index = follow_up
                f_day = min(add_months(day, 3) + timedelta(days=offset), last_day)
                step = (member, f_day, f_category, f_complete, sites[site_index].id)
                if after:
                    later.append(step)
                else:
                    _follow_up(insert_assessment, *step)
            if change:
                later.append(baseline)
        refresh_rollups(now=datetime.combine(cut, datetime.min.time(), UTC) + timedelta(days=1))
        for step in later:
            if isinstance(step, SurveyAssessment):
                step.complete = not step.complete
                db.session.flush()
            else:
                _follow_up(insert_assessment, *step)
        _check([site.id for site in sites], PERIODS, today)
        example.rollback()


def _follow_up(insert_assessment, member, day, category, complete, site_id):  # type: ignore[no-untyped-def]
    follow_up = insert_assessment(member, day, category, timepoint=3, complete=complete)
    if follow_up.site_id != site_id:
        follow_up.site_id = site_id
        db.session.flush()


def test_cell_counts_flag_each_range_a_day_is_in_and_keep_an_empty_ranges_place(
    make_site, insert_member, insert_assessment
):
    """Overlapping ranges read a day once and flag it in both; an empty range reads nothing
    but keeps its place in the flags, so callers can unpack them by position."""
    site = make_site()
    for day in (date(2026, 5, 4), date(2026, 6, 10), date(2026, 7, 20)):
        insert_assessment(insert_member(site), day, "low")
    refresh_rollups(now=NOW)
    insert_assessment(insert_member(site), date(2026, 6, 11), "high")  # marks its day stale
    ranges = [
        (date(2026, 5, 1), date(2026, 6, 30)),
        (date(2026, 9, 1), date(2026, 8, 1)),  # empty
        (date(2026, 6, 1), date(2026, 7, 31)),
    ]
    rows = survey_cell_counts([site.id], ranges)
    by_flags: Counter[tuple[bool, ...]] = Counter()
    for _site_id, _cell, flags, _closed, count in rows:
        by_flags[flags] += count
    assert by_flags == {
        (True, False, False): 1,  # 4 May
        (True, False, True): 2,  # 10 and 11 June, read once
        (False, False, True): 1,  # 20 July
    }
    assert survey_cell_counts([site.id], [ranges[1]]) == []
