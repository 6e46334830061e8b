"""Daily rollups: always equal to the ledgers they summarise, and read instead of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from supermarket.extensions import db
from supermarket.reporting.models import (
    DailyStockStats,
    DailyVisitStats,
    PeriodHouseholdStats,
    RollupStaleDay,
    RollupState,
)
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import (
    PEOPLE,
    complete_through,
    households,
    live_households,
    refresh_rollups,
)
from supermarket.reporting.statistics import period_statistics
from supermarket.visits.models import Visit

TODAY = date(2026, 11, 10)
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
Q3 = Period.quarter(2026, 3)


def _from_ledgers(period: Period):
    """The statistics with every day read from the ledgers (as before any refresh)."""
    with db.session.begin_nested() as savepoint:
        db.session.execute(delete(RollupState))
        stats = period_statistics(period, today=TODAY)
        savepoint.rollback()
    return stats


def _stale_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RollupStaleDay)) or 0


def test_refresh_rolls_up_every_day_to_yesterday_and_the_periods_that_are_over(
    make_site, insert_member, insert_visit, insert_movement
):
    site = make_site()
    member = insert_member(site, adults=2, children=(1, 0, 0))
    insert_visit(member, date(2026, 9, 29), paid=300, retail=2100)
    insert_visit(member, date(2026, 11, 9), paid=300, retail=2100)
    insert_movement(site, date(2026, 9, 29), "received", 5_000)

    report = refresh_rollups(now=NOW)

    assert (report.since, report.through) == (date(2026, 9, 29), date(2026, 11, 9))
    assert complete_through() == date(2026, 11, 9)
    day = db.session.get(DailyVisitStats, (site.id, date(2026, 9, 29)))
    assert (day.visits, day.adults, day.children_0_4, day.fees_pence, day.savings_pence) == (
        1,
        2,
        1,
        300,
        1800,
    )
    stock = db.session.scalars(select(DailyStockStats)).all()
    assert [(s.kind, s.source, s.reason, s.weight_g) for s in stock] == [
        ("received", "fareshare", "", 5_000)
    ]
    rows = db.session.scalars(select(PeriodHouseholdStats)).all()
    stored = {(row.period_key, row.site_id): row.households for row in rows if row.through is None}
    # September, Q3 and October are over; November and 2026 are not.
    assert stored == {
        ("2026-09", site.id): 1,
        ("2026-09", None): 1,
        ("2026-Q3", site.id): 1,
        ("2026-Q3", None): 1,
    }
    # The periods still running are stored to yesterday, for the statistics to add to.
    running = {
        (row.period_key, row.site_id): (row.households, row.through)
        for row in rows
        if row.through is not None
    }
    assert running == {
        (key, where): (1, date(2026, 11, 9))
        for key in ("2026-11", "2026-Q4", "2026")
        for where in (site.id, None)
    }


def test_statistics_read_rolled_up_days_from_the_rollup(make_site, insert_member, insert_visit):
    site = make_site()
    member = insert_member(site)
    insert_visit(member, date(2026, 8, 3), paid=350, retail=2000)
    refresh_rollups(now=NOW)
    # A change behind the ORM's back (a bulk fix-up) is not seen until the rollup is rebuilt.
    db.session.execute(update(Visit).values(amount_paid_pence=0))
    assert period_statistics(Q3, today=TODAY).programme.fees_pence == 350
    refresh_rollups(now=NOW, rebuild=True)
    assert period_statistics(Q3, today=TODAY).programme.fees_pence == 0


def test_a_back_dated_change_is_read_live_until_the_next_refresh(
    make_site, insert_member, insert_visit, insert_movement
):
    site = make_site()
    first = insert_member(site)
    insert_visit(first, date(2026, 8, 3))
    refresh_rollups(now=NOW)
    assert _stale_count() == 0

    late = insert_member(site)
    insert_visit(late, date(2026, 8, 20), paid=100, retail=900)
    insert_movement(site, date(2026, 8, 20), "received", 7_000, source="retailer")
    assert _stale_count() == 2
    stats = period_statistics(Q3, today=TODAY)
    assert (stats.programme.visits, stats.programme.households) == (2, 2)
    assert stats.programme.food_in_g["retailer"] == 7_000
    assert stats == _from_ledgers(Q3)

    report = refresh_rollups(now=NOW)
    assert report.stale_days == 1
    assert _stale_count() == 0
    assert period_statistics(Q3, today=TODAY) == stats


def test_voiding_a_rolled_up_visit_marks_its_day(make_site, insert_member, insert_visit):
    site = make_site()
    visit = insert_visit(insert_member(site), date(2026, 8, 3))
    refresh_rollups(now=NOW)
    visit.voided_at = datetime(2026, 8, 3, 12, tzinfo=UTC)
    db.session.flush()
    assert _stale_count() == 1
    assert period_statistics(Q3, today=TODAY).programme.visits == 0


def test_todays_check_ins_never_touch_the_rollup_tables(make_site, insert_member, insert_visit):
    site = make_site()
    refresh_rollups()
    today = complete_through() + timedelta(days=1)
    insert_visit(insert_member(site), today)
    assert _stale_count() == 0
    assert db.session.scalar(select(func.count()).select_from(DailyVisitStats)) == 0


def test_refreshing_twice_changes_nothing(make_site, insert_member, insert_visit, insert_movement):
    site = make_site()
    insert_visit(insert_member(site), date(2026, 7, 14))
    insert_movement(site, date(2026, 7, 14), "wasted", 300, reason="damaged")
    refresh_rollups(now=NOW)
    before = _rows()
    again = refresh_rollups(now=NOW)
    assert again.days == 0
    assert _rows() == before
    refresh_rollups(now=NOW, rebuild=True)
    assert _rows() == before


def _rows():
    visits = db.session.execute(select(DailyVisitStats.__table__)).all()
    stock = db.session.execute(select(DailyStockStats.__table__)).all()
    periods = db.session.execute(
        select(
            PeriodHouseholdStats.period_key,
            PeriodHouseholdStats.site_id,
            PeriodHouseholdStats.households,
        ).order_by(PeriodHouseholdStats.period_key, PeriodHouseholdStats.site_id)
    ).all()
    return sorted(visits), sorted(stock), periods


def test_the_rollup_command_reports_what_it_did(app, make_site, insert_member, insert_visit):
    site = make_site()
    insert_visit(insert_member(site), date(2026, 10, 2))
    result = app.test_cli_runner().invoke(args=["reporting", "rollup", "--since", "2026-10-01"])
    assert result.exit_code == 0, result.output
    assert "Rolled up" in result.output
    assert complete_through() is not None


@pytest.fixture
def world(make_site, insert_member):
    """Made once for all examples: make_site commits, which would end an example's savepoint."""
    sites = [make_site() for _ in range(3)]
    return {"sites": sites, "members": [[insert_member(site) for _ in range(4)] for site in sites]}


days = st.integers(min_value=0, max_value=91).map(lambda n: date(2026, 7, 1) + timedelta(n))


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    visits=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 3), days, st.integers(0, 900), st.booleans()),
        max_size=25,
    ),
    moves=st.lists(
        st.tuples(
            st.integers(0, 2),
            days,
            st.sampled_from(["received", "issued", "wasted", "returned", "transferred_out"]),
            st.integers(1, 50_000),
            st.sampled_from(["fareshare", "purchase", "community"]),
        ),
        max_size=15,
    ),
    later=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), days), max_size=5),
    cut=days,
)
def test_rolled_up_statistics_always_equal_the_ledgers(
    world, insert_visit, insert_movement, visits, moves, later, cut
):
    sites, members = world["sites"], world["members"]
    with db.session.begin_nested() as example:
        for site_index, member_index, day, paid, voided in visits:
            insert_visit(members[site_index][member_index], day, paid=paid, voided=voided)
        for site_index, day, kind, grams, source in moves:
            reason = "damaged" if kind == "wasted" else None
            insert_movement(sites[site_index], day, kind, grams, source=source, reason=reason)
        refresh_rollups(now=datetime.combine(cut, datetime.min.time(), UTC) + timedelta(days=1))
        for site_index, member_index, day in later:  # back-dated, after the refresh
            insert_visit(members[site_index][member_index], day, paid=123)
        for period in (Q3, Period.month(2026, 8)):
            assert period_statistics(period, today=TODAY) == _from_ledgers(period)
        example.rollback()


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # (member's site, member, site visited, day, household at the visit)
    before=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.integers(0, 3),
            st.integers(0, 2),
            days,
            st.tuples(st.integers(1, 3), st.integers(0, 2), st.integers(0, 2), st.integers(0, 1)),
        ),
        max_size=20,
    ),
    after=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.integers(0, 3),
            st.integers(0, 2),
            days,
            st.tuples(st.integers(1, 3), st.integers(0, 2), st.integers(0, 2), st.integers(0, 1)),
        ),
        max_size=12,
    ),
    void_one=st.booleans(),
    cut=days,
)
def test_a_running_period_counts_the_same_households_from_its_stored_part_as_from_its_visits(
    world, insert_visit, before, after, void_one, cut
):
    """The households of a running period: stored to the refresh's day plus those since
    (households new to a site or to the programme, households whose people changed, visits
    at two sites, a visit voided after the refresh) equal the count from all its visits."""
    sites, members = world["sites"], world["members"]
    site_ids = [s.id for s in sites]
    with db.session.begin_nested() as example:
        made = [
            insert_visit(members[home][m], day, site=sites[at], household=people)
            for home, m, at, day, people in before
        ]
        refresh_rollups(now=datetime.combine(cut, datetime.min.time(), UTC) + timedelta(days=1))
        for home, m, at, day, people in after:
            insert_visit(members[home][m], day, site=sites[at], household=people)
        if void_one and made:
            made[0].voided_at = NOW
            made[0].void_reason = "mistake"
            db.session.flush()
        for period in (Q3, Period.month(2026, 8), Period.month(2026, 9)):
            assert households(site_ids, period) == {
                key: live_households(site_ids, period.start, period.end).get(
                    key, dict.fromkeys(("households", *PEOPLE), 0)
                )
                for key in (*site_ids, None)
            }
        example.rollback()


def test_visits_by_month_are_the_days_summed(make_site, insert_member, insert_visit):
    """The trend's visits per site and month (grouped in the database) are the visits per
    site and day summed: rolled-up days, a stale day read live, and days not rolled up."""
    from supermarket.reporting.rollups import daily_visits, monthly_visits

    sites = [make_site(), make_site()]
    for number, day in enumerate((date(2026, 7, 30), date(2026, 8, 3), date(2026, 8, 3))):
        insert_visit(insert_member(sites[number % 2]), day)
    refresh_rollups(now=NOW)
    insert_visit(insert_member(sites[0]), date(2026, 8, 20))  # back-dated: a stale day
    insert_visit(insert_member(sites[1]), date(2026, 11, 9))  # after the rollup
    ids = [site.id for site in sites]
    days = daily_visits(ids, date(2026, 7, 1), date(2026, 11, 30))
    summed: dict[tuple[int, int, int], int] = {}
    for (site_id, day), count in days.items():
        key = (site_id, day.year, day.month)
        summed[key] = summed.get(key, 0) + count
    assert monthly_visits(ids, date(2026, 7, 1), date(2026, 11, 30)) == summed
    assert sum(summed.values()) == 5


def test_one_reading_reads_the_rollups_state_once_and_answers_as_the_tables_do(
    make_site, insert_member, insert_visit, insert_movement
):
    """A report reads how far the rollups go and which days are stale once (one_reading), and
    every range it asks about answers as the tables would."""
    from sqlalchemy import event

    from supermarket.reporting.rollups import one_reading, stale_days

    north, south = make_site(), make_site(code="south", name="South")
    for site, day in ((north, date(2026, 8, 3)), (south, date(2026, 9, 1))):
        insert_visit(insert_member(site), day)
    refresh_rollups(now=NOW)
    for site, day in ((north, date(2026, 8, 20)), (south, date(2026, 8, 21))):
        insert_visit(insert_member(site), day)
    insert_movement(north, date(2026, 9, 30), "received", 1_000, source="retailer")
    ranges = [
        ([north.id, south.id], date(2026, 7, 1), date(2026, 9, 30)),
        ([north.id], date(2026, 8, 20), date(2026, 8, 20)),
        ([south.id], date(2026, 8, 1), date(2026, 8, 20)),
        ([north.id, south.id], date(2026, 10, 1), date(2026, 10, 31)),
    ]
    expected = [stale_days(*args) for args in ranges]
    assert expected[0] == [
        (north.id, date(2026, 8, 20)),
        (north.id, date(2026, 9, 30)),
        (south.id, date(2026, 8, 21)),
    ]
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with one_reading():
            assert [complete_through() for _ in range(3)] == [TODAY - timedelta(days=1)] * 3
            assert [stale_days(*args) for args in ranges] == expected
            stats = period_statistics(Q3, today=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert sum("rollup_state" in s for s in seen) == 1
    assert sum("rollup_stale_days" in s for s in seen) == 1
    assert stats == period_statistics(Q3, today=TODAY) == _from_ledgers(Q3)
    # Outside a reading, each call reads the tables again.
    seen.clear()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        complete_through()
        complete_through()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert sum("rollup_state" in s for s in seen) == 2


def test_on_postgresql_a_refresh_leaves_the_planner_statistics_of_what_it_wrote(
    make_site, insert_member, insert_visit
):
    """Without them the planner takes a freshly rolled-up table for empty (autovacuum may not
    have looked yet, or at all) and plans a year's read as for a handful of rows."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    site = make_site()
    member = insert_member(site)
    for day in range(1, 31):
        insert_visit(member, date(2026, 9, day))
    refresh_rollups(now=NOW)
    rows = db.session.scalar(select(func.count()).select_from(DailyVisitStats))
    estimated = db.session.scalar(
        text("SELECT reltuples FROM pg_class WHERE relname = 'daily_visit_stats'")
    )
    assert rows == 30
    assert estimated == rows
    # The days' histogram the planner estimates a date range by.
    days = db.session.scalar(
        text(
            "SELECT n_distinct FROM pg_stats"
            " WHERE tablename = 'daily_visit_stats' AND attname = 'local_date'"
        )
    )
    assert days == -1  # every row a different day


def test_more_than_a_thousand_stale_days_are_read_live_and_rolled_up_again(
    make_site, insert_member, insert_visit, insert_assessment
):
    """A busy programme's follow-ups mark a baseline day each, and a night the job did not run
    leaves them all: every stale (site, day) of a year at three sites, read and rolled up."""
    from sqlalchemy import insert

    from supermarket.reporting.models import SurveyStaleDay
    from supermarket.reporting.rollups import one_reading

    year = Period.year(2025)
    sites = [make_site(code=f"s{n}", name=f"Site {n}") for n in range(3)]
    for n, site in enumerate(sites):
        member = insert_member(site)
        insert_visit(member, date(2025, 3 + n, 4), paid=100 * (n + 1), retail=900)
        insert_assessment(member, date(2024, 12, 2 + n), "low")
        insert_assessment(member, date(2025, 3, 2 + n), "high", timepoint=3)
    refresh_rollups(now=NOW)
    marks = [
        {"site_id": site.id, "local_date": year.start + timedelta(days=n)}
        for site in sites
        for n in range(365)
    ]
    db.session.execute(insert(RollupStaleDay), marks)
    db.session.execute(insert(SurveyStaleDay), marks)
    expected = _from_ledgers(year)
    assert expected.programme.visits == 3
    assert period_statistics(year, today=TODAY) == expected
    with one_reading():
        assert period_statistics(year, today=TODAY) == expected

    report = refresh_rollups(now=NOW)
    assert (report.stale_days, report.survey_stale_days) == (1095, 1095)
    assert _stale_count() == 0
    assert period_statistics(year, today=TODAY) == expected
