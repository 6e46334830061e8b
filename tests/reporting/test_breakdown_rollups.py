"""The visit-type rollup and the stored household breakdowns (who is reached, households by
visit type) give what the visits themselves give: before any refresh, for a period over and
stored, for a period still running (stored up to the last night plus the visits since), with
back-dated and voided visits after the refresh, and for periods stored before the breakdowns
were kept (the next refresh stores them)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.monitoring import NOT_ASKED, QUESTIONS, EthnicGroup, MemberMonitoring
from supermarket.reporting.models import DailyVisitTypeStats, PeriodHouseholdBreakdown
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import (
    NO_DISTRICT,
    complete_through,
    period_breakdowns,
    refresh_rollups,
)
from supermarket.reporting.statistics.payments import payment_sums
from supermarket.reporting.statistics.reach import BREAKDOWNS, reach_statistics
from supermarket.reporting.statistics.visit_types import visit_type_statistics
from supermarket.visits.models import Visit, VisitBand

Q3 = Period.quarter(2026, 3)
TYPES = ("weekly_shop", "emergency_parcel", "holiday_hamper")
MODELS = ("flat_fee", "pay_as_you_feel", "points")
ANSWERS: list[dict[str, str | None]] = [
    {"gender": "woman", "ethnic_group": "white_irish", "disability": "yes"},
    {"gender": "man", "ethnic_group": "asian_pakistani", "carer": "no"},
    {"gender": "prefer_not_to_say", "employment": "retired", "veteran": "yes"},
    {},  # answered nothing: "not asked" everywhere
]
DISTRICTS = ("CM20", "SS14", "")
ROUTES = ("self_declared", "referral", "benefits", "no_fixed_abode")


@pytest.fixture
def world(make_site, insert_member):
    """Three sites of four households, with their answers, districts and routes; made once
    for all examples (make_site commits, which would end an example's savepoint)."""
    sites = [make_site() for _ in range(3)]
    members: list[list[Member]] = []
    for s, site in enumerate(sites):
        row = []
        for m in range(4):
            member = insert_member(site, postcode_district=DISTRICTS[(s + m) % 3])
            member.eligibility_route = ROUTES[(s * 4 + m) % 4]
            answers = ANSWERS[(s + m) % 4]
            if answers:
                db.session.add(MemberMonitoring(member_id=member.id, site_id=site.id, **answers))
            row.append(member)
        members.append(row)
    db.session.commit()
    return {"sites": sites, "members": members}


def _typed_visit(insert_visit, member, day, site, kind, model, items, paid, voided=False):
    visit = insert_visit(member, day, site=site, paid=paid, voided=voided)
    visit.visit_type = TYPES[kind]
    visit.payment_model = MODELS[model]
    visit.points_spent = 7 * items if MODELS[model] == "points" else 0
    for band, quantity in (("fresh", items), ("tins", items // 2)):
        db.session.add(VisitBand(visit_id=visit.id, local_date=day, band=band, quantity=quantity))
    db.session.flush()
    return visit


# --- the figures, from the visits and members as they are now ---------------------------------


def _category(member: Member, answers: MemberMonitoring | None, key: str) -> str:
    if key == "district":
        return member.postcode_district or NO_DISTRICT
    if key == "route":
        return member.eligibility_route
    value = None if answers is None else getattr(answers, key)
    if value is None:
        return NOT_ASKED
    return EthnicGroup(value).group if key == "ethnic_group" else value


def _expected(site_ids: list[int], period: Period, today: date) -> dict[str, Any]:
    end = min(period.end, today)
    visits = db.session.scalars(
        select(Visit).where(
            Visit.local_date.between(period.start, end),
            Visit.voided_at.is_(None),
            Visit.site_id.in_(site_ids),
        )
    ).all()
    items = dict(
        db.session.execute(
            select(VisitBand.visit_id, func.sum(VisitBand.quantity)).group_by(VisitBand.visit_id)
        ).all()
    )
    sums: dict[Any, Counter[tuple[str, str]]] = {key: Counter() for key in (*site_ids, None)}
    typed: dict[Any, dict[str, set[int]]] = {key: {} for key in (*site_ids, None)}
    reached: dict[Any, set[int]] = {key: set() for key in (*site_ids, None)}
    for v in visits:
        for key in (v.site_id, None):
            sums[key][(v.visit_type, "visits")] += 1
            sums[key][(v.visit_type, "items")] += int(items.get(v.id, 0))
            sums[key][(v.visit_type, "retail_value_pence")] += v.retail_value_pence
            sums[key][(v.visit_type, "fees_pence")] += v.amount_paid_pence
            typed[key].setdefault(v.visit_type, set()).add(v.member_id)
            reached[key].add(v.member_id)
    members = {m.id: m for m in db.session.scalars(select(Member))}
    answers = {a.member_id: a for a in db.session.scalars(select(MemberMonitoring))}
    reach: dict[Any, dict[str, Counter[str]]] = {}
    for key, ids in reached.items():
        reach[key] = {b: Counter() for b in BREAKDOWNS}
        for member_id in ids:
            for b in BREAKDOWNS:
                reach[key][b][_category(members[member_id], answers.get(member_id), b)] += 1
    payg = {
        site_id: sum(
            v.amount_paid_pence
            for v in visits
            if v.site_id == site_id and v.payment_model == "pay_as_you_feel"
        )
        for site_id in site_ids
    }
    points = {
        site_id: sum(v.points_spent for v in visits if v.site_id == site_id) for site_id in site_ids
    }
    return {
        "sums": sums,
        "typed": {k: {t: len(m) for t, m in v.items()} for k, v in typed.items()},
        "households": {k: len(v) for k, v in reached.items()},
        "reach": reach,
        "payg": payg,
        "points": points,
    }


def _actual(site_ids: list[int], period: Period, today: date) -> dict[str, Any]:
    by_type = visit_type_statistics(site_ids, period, today)
    reach = reach_statistics(site_ids, period, today)
    paying = payment_sums(site_ids, period.start, min(period.end, today))
    sums: dict[Any, Counter[tuple[str, str]]] = {}
    typed: dict[Any, dict[str, int]] = {}
    for key, figures in by_type.by_scope.items():
        sums[key] = Counter()
        typed[key] = {}
        for kind, row in figures.by_type.items():
            for name in ("visits", "items", "retail_value_pence", "fees_pence"):
                if row[name]:
                    sums[key][(kind, name)] += row[name]
            if row["households"]:
                typed[key][kind] = row["households"]
    return {
        "sums": sums,
        "typed": typed,
        "households": {k: f.households for k, f in reach.by_scope.items()},
        "reach": {
            k: {b: Counter({c: n for c, n in f.by[b].items() if n}) for b in BREAKDOWNS}
            for k, f in reach.by_scope.items()
        },
        "payg": {s: paying[s]["pay_as_you_feel_pence"] for s in site_ids},
        "points": {s: paying[s]["points_spent"] for s in site_ids},
    }


def _same(site_ids: list[int], period: Period, today: date) -> None:
    expected, actual = _expected(site_ids, period, today), _actual(site_ids, period, today)
    expected["sums"] = {k: +v for k, v in expected["sums"].items()}
    actual["sums"] = {k: +v for k, v in actual["sums"].items()}
    assert actual == expected, period.key


days = st.integers(min_value=0, max_value=91).map(lambda n: date(2026, 7, 1) + timedelta(n))
visit = st.tuples(
    st.integers(0, 2),  # member's site
    st.integers(0, 3),  # member
    st.integers(0, 2),  # site visited
    days,
    st.integers(0, 2),  # visit type
    st.integers(0, 2),  # payment model
    st.integers(0, 9),  # items
    st.integers(0, 600),  # paid
)


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=st.lists(visit, max_size=20),
    after=st.lists(visit, max_size=10),
    void_one=st.booleans(),
    cut=days,
    wait=st.integers(1, 40),
    refresh=st.booleans(),
)
def test_the_rolled_up_figures_always_equal_the_visits(
    world, insert_visit, before, after, void_one, cut, wait, refresh
):
    sites, members = world["sites"], world["members"]
    site_ids = [s.id for s in sites]
    today = cut + timedelta(days=wait)
    with db.session.begin_nested() as example:

        def add(rows):
            return [
                _typed_visit(insert_visit, members[home][m], day, sites[at], *rest)
                for home, m, at, day, *rest in rows
                if day <= today
            ]

        made = add(before)
        if refresh:  # the night after `cut`: days to `cut` rolled up, periods stored
            refresh_rollups(now=datetime.combine(cut, datetime.min.time(), UTC) + timedelta(1))
        add(after)  # back-dated, or since the refresh
        if void_one and made:
            made[0].voided_at = datetime.combine(today, datetime.min.time(), UTC)
            made[0].void_reason = "mistake"
            db.session.flush()
        for period in (Q3, Period.month(2026, 8), Period.containing(cut, "month")):
            if period.start <= today:
                _same(site_ids, period, today)
        example.rollback()


def _reach_counts(site_ids, period, today):
    return reach_statistics(site_ids, period, today).by_scope


def test_periods_stored_before_the_breakdowns_are_stored_by_the_next_refresh(world, insert_visit):
    sites, members = world["sites"], world["members"]
    site_ids = [s.id for s in sites]
    for n, day in enumerate((date(2026, 8, 3), date(2026, 8, 20), date(2026, 9, 9))):
        _typed_visit(insert_visit, members[n][n], day, sites[n], n, n, 3, 100)
    refresh_rollups(now=datetime(2026, 10, 2, 1, 0, tzinfo=UTC))
    today = date(2026, 10, 2)
    stored = _reach_counts(site_ids, Q3, today)
    # As a database upgraded to the breakdowns holds them: households stored, breakdowns not.
    db.session.execute(delete(PeriodHouseholdBreakdown))
    assert _reach_counts(site_ids, Q3, today) == stored  # counted from the visits meanwhile
    refresh_rollups(now=datetime(2026, 10, 3, 1, 0, tzinfo=UTC))
    keys = set(db.session.scalars(select(PeriodHouseholdBreakdown.period_key)))
    assert {"2026-08", "2026-09", "2026-Q3"} <= keys
    assert _reach_counts(site_ids, Q3, today) == stored


def test_a_stored_period_keeps_the_answers_it_was_counted_with(world, insert_visit):
    """Once a period is over and stored, a household's later change of answer does not move
    its figures (two releases of it cannot be differenced to learn the change); the period
    still running counts the answer as it is now for a household it has not counted yet."""
    sites, members = world["sites"], world["members"]
    site_ids = [s.id for s in sites]
    member = members[0][0]  # answered "woman" (ANSWERS[0])
    _typed_visit(insert_visit, member, date(2026, 8, 3), sites[0], 0, 0, 3, 100)
    refresh_rollups(now=datetime(2026, 9, 2, 1, 0, tzinfo=UTC))
    answers = db.session.get(MemberMonitoring, member.id)
    answers.gender = "man"
    db.session.flush()
    august = _reach_counts(site_ids, Period.month(2026, 8), date(2026, 9, 5))
    assert august[None].by["gender"] == Counter({"woman": 1})
    _typed_visit(insert_visit, member, date(2026, 9, 4), sites[0], 0, 0, 3, 100)
    september = _reach_counts(site_ids, Period.month(2026, 9), date(2026, 9, 5))
    assert september[None].by["gender"] == Counter({"man": 1})


def test_a_request_for_a_stored_period_reads_no_visits(world, insert_visit):
    """A rolled-up period over: the sums from the type rollup, the households from the stored
    breakdowns; not one statement over the visits or their baskets."""
    from sqlalchemy import event

    sites, members = world["sites"], world["members"]
    site_ids = [s.id for s in sites]
    for n, day in enumerate((date(2026, 8, 3), date(2026, 8, 20), date(2026, 9, 9))):
        _typed_visit(insert_visit, members[n][n], day, sites[n], n, 1, 3, 100)
    refresh_rollups(now=datetime(2026, 10, 2, 1, 0, tzinfo=UTC))
    assert complete_through() == date(2026, 10, 1)
    assert db.session.scalar(select(func.count()).select_from(DailyVisitTypeStats)) == 3
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        counts = period_breakdowns(site_ids, Q3, date(2026, 10, 2))
        visit_type_statistics(site_ids, Q3, date(2026, 10, 2), counts=counts)
        reach_statistics(site_ids, Q3, date(2026, 10, 2), counts=counts)
        payment_sums(site_ids, Q3.start, Q3.end)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen
    assert not [s for s in seen if "FROM visits" in s or "visit_bands" in s]
    assert counts[None]["households"][""] == 3
    assert set(QUESTIONS) <= set(counts[None])


def test_the_figures_of_some_sites_only_are_counted_from_their_visits(world, insert_visit):
    """The stored figures are for every site (their programme line is all sites): asked for
    some sites only, the figures are counted from those sites' visits."""
    sites, members = world["sites"], world["members"]
    for n, day in enumerate((date(2026, 8, 3), date(2026, 8, 20), date(2026, 9, 9))):
        _typed_visit(insert_visit, members[n][n], day, sites[n], n, 1, 3, 100)
        _typed_visit(insert_visit, members[n][(n + 1) % 4], day, sites[0], 0, 0, 2, 50)
    refresh_rollups(now=datetime(2026, 10, 2, 1, 0, tzinfo=UTC))
    for chosen in ([sites[0].id], [sites[1].id, sites[2].id]):
        _same(chosen, Q3, date(2026, 10, 2))
