"""The past visits: till sessions on each site's opening days and the visits with their
baskets, week by week (run by bench.generation when the visits tables exist). The visits stop
before the current ISO week, so every member may be checked in this week by the benchmark.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bench.data import (
    OPENING_DAYS,
    BulkWriter,
    Fmt,
    Generator,
    reflect_table,
    week_monday,
)

# How keen a member is to come, relative to the programme's average (mean 1).
KEENNESS = (0.35, 0.7, 1.0, 1.2, 1.75)


def visits(gen: Generator, conn: Connection) -> None:
    """Till sessions on each site's opening days, and visits with baskets, week by week.

    Members come with a personal keenness around a programme-wide rate chosen so the total
    is the scale's visit count; at most one visit an ISO week (two where the site allows it).
    """
    rng = gen.rng
    fmt = Fmt(conn.dialect.name)
    sites = {s["id"]: s for s in gen.sites}
    first_monday = week_monday(gen.start)
    this_monday = week_monday(gen.today)
    weeks = (this_monday - first_monday).days // 7

    # Sessions first: visits point at them.
    sessions_t = reflect_table(conn, "site_sessions")
    session_cols = [
        "site_id",
        "local_date",
        "volunteers",
        "float_pence",
        "opened_at",
        "opened_by_id",
        "closed_at",
        "closed_by_id",
        "note",
        "created_at",
    ]
    session_id: dict[tuple[int, date], int] = {}
    days_of: dict[int, tuple[int, ...]] = {}
    next_id = (conn.scalar(text("SELECT max(id) FROM site_sessions")) or 0) + 1
    rows = []
    for index, site in enumerate(gen.sites):
        days_of[site["id"]] = OPENING_DAYS[index % len(OPENING_DAYS)]
        for week in range(weeks):
            monday = first_monday + timedelta(weeks=week)
            for weekday in days_of[site["id"]]:
                day = monday + timedelta(days=weekday)
                opened = datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)
                session_id[(site["id"], day)] = next_id
                next_id += 1
                rows.append(
                    (
                        site["id"],
                        day.isoformat(),
                        "Sue, Dev",
                        2000,
                        fmt.dt(opened),
                        site["volunteer_id"],
                        fmt.dt(opened + timedelta(hours=3)),
                        site["volunteer_id"],
                        "",
                        fmt.dt(opened),
                    )
                )
    with gen.progress.bar("site_sessions", len(rows)) as bar:
        writer = BulkWriter(conn, sessions_t, session_cols, bar)
        for row in rows:
            writer.add(row)
        writer.flush()
    gen.counts["site_sessions"] = len(rows)

    # Each member's weeks: from the week they joined to the week their membership ended.
    members = []
    member_weeks = 0
    for member_id, site_id, joined, end, household in gen.member_rows:
        if end is None:
            continue
        first = max(0, (week_monday(joined) - first_monday).days // 7)
        last = min(weeks - 1, (week_monday(end) - first_monday).days // 7)
        if last < first:
            continue
        members.append((first, last, member_id, site_id, joined, end, household))
        member_weeks += last - first + 1
    rate = min(0.95, gen.scale.visits / max(1, member_weeks))
    members.sort()
    keen = {m[2]: min(0.98, rate * rng.choice(KEENNESS)) for m in members}

    visits_t = reflect_table(conn, "visits")
    bands_t = reflect_table(conn, "visit_bands")
    visit_cols = [
        "site_id",
        "member_id",
        "session_id",
        "visited_at",
        "local_date",
        "week_key",
        "idempotency_key",
        "adults",
        "children_0_4",
        "children_5_11",
        "children_12_17",
        "tier",
        "fee_pence",
        "payment_method",
        "amount_paid_pence",
        "payment_reason",
        "retail_value_pence",
        "savings_pence",
        "override_reason",
        "overridden_rules",
        "overridden_by_id",
        "actor_id",
        "voided_at",
        "void_reason",
        "voided_by_id",
    ]
    band_cols = ["visit_id", "local_date", "band", "quantity", "value_pence"]
    visit_id = (conn.scalar(text("SELECT max(id) FROM visits")) or 0) + 1
    no_rules, limit_rule = fmt.json([]), fmt.json(["visit_limit_reached"])
    active: list[tuple[Any, ...]] = []
    cursor = 0
    random = rng.random
    pg_suffix = "+00" if fmt.pg else ""
    times_of_day = [
        f" {10 + s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}.000000{pg_suffix}"
        for s in range(0, 10800, 7)
    ]
    n_times = len(times_of_day)
    # On PostgreSQL the months from this one on have their own partitions, empty until the
    # last weeks are written; the bands' foreign-key checks were planned while they were, and
    # would scan them whole (see _analyse_months_ahead). SQLite has nothing to analyse.
    this_month = gen.today.replace(day=1)
    analysed = not fmt.pg
    with gen.progress.bar("visits", gen.scale.visits) as bar:
        visits_w = BulkWriter(conn, visits_t, visit_cols, bar)
        bands_w = BulkWriter(conn, bands_t, band_cols, None, size=10**9)
        add_visit, add_band = visits_w.rows.append, bands_w.rows.append
        for week in range(weeks):
            monday = first_monday + timedelta(weeks=week)
            iso = monday.isocalendar()
            week_key = f"{iso[0]}-W{iso[1]:02d}"
            # (day, its ISO text, session id) for each site's opening days this week
            open_days = {
                site_id: [
                    (d, d.isoformat(), session_id[(site_id, d)])
                    for d in (monday + timedelta(days=w) for w in days_of[site_id])
                ]
                for site_id in sites
            }
            while cursor < len(members) and members[cursor][0] <= week:
                active.append(members[cursor])
                cursor += 1
            active = [m for m in active if m[1] >= week]
            for first, last, member_id, site_id, joined, end, household in active:
                if random() >= keen[member_id]:
                    continue
                site = sites[site_id]
                days = open_days[site_id]
                if week in (first, last):
                    days = [d for d in days if joined <= d[0] <= end]
                    if not days:
                        continue
                if site["visits_per_week"] > 1 and len(days) > 1 and random() < 0.15:
                    chosen = rng.sample(days, 2)
                else:
                    chosen = [days[int(random() * len(days))]]
                adults, c04, c511, c1217 = household
                fee, tier = site["fee_pence"], ""
                if site.get("tiers"):
                    big = adults + c04 + c511 + c1217 >= 5
                    tier, fee = ("Plus", fee + 150) if big else ("Standard", fee)
                manager, volunteer = site["manager_id"], site["volunteer_id"]
                for _day, day_iso, session in chosen:
                    roll = random()
                    if roll < 0.04:
                        method, paid, reason = "waived", 0, "Hardship"
                    elif roll < 0.32:
                        method, paid, reason = "card", fee, ""
                    else:
                        method, paid, reason = "cash", fee, ""
                    red = 2 if random() < 0.8 else int(random() * 2)
                    blue = 8 if random() < 0.55 else 3 + int(random() * 5)
                    free = int(random() * 6)
                    retail = red * 250 + blue * 120 + free * 60
                    at = day_iso + times_of_day[int(random() * n_times)]
                    rare = random()
                    overridden = rare < 0.007
                    voided = 0.007 <= rare < 0.009
                    add_visit(
                        (
                            site_id,
                            member_id,
                            session,
                            at,
                            day_iso,
                            week_key,
                            None,
                            adults,
                            c04,
                            c511,
                            c1217,
                            tier,
                            fee,
                            method,
                            paid,
                            reason,
                            retail,
                            max(0, retail - paid),
                            "Hardship: manager agreed" if overridden else "",
                            limit_rule if overridden else no_rules,
                            manager if overridden else None,
                            volunteer,
                            at if voided else None,
                            "Checked in twice by mistake" if voided else "",
                            manager if voided else None,
                        )
                    )
                    add_band((visit_id, day_iso, "red", red, red * 250))
                    add_band((visit_id, day_iso, "blue", blue, blue * 120))
                    if free:
                        add_band((visit_id, day_iso, "free", free, free * 60))
                    visit_id += 1
            if visits_w.full:
                visits_w.flush()
                analysed = analysed or _analyse_months_ahead(conn, monday, this_month)
                bands_w.flush()
                add_visit, add_band = visits_w.rows.append, bands_w.rows.append
        visits_w.flush()
        if not analysed:
            _analyse_months_ahead(conn, this_month, this_month)
        bands_w.flush()
    gen.counts["visits"] = visits_w.written
    gen.counts["visit_bands"] = bands_w.written
    # The cash-up each closed session would have recorded, from its visits.
    conn.exec_driver_sql(
        "UPDATE site_sessions SET visits_count = agg.n, expected_cash_pence = 2000 + agg.cash, "
        "expected_card_pence = agg.card, waived_count = agg.waived, overrides_count = 0, "
        "counted_cash_pence = 2000 + agg.cash, difference_pence = 0 "
        "FROM (SELECT session_id, count(*) AS n, "
        "  sum(CASE WHEN payment_method = 'cash' THEN amount_paid_pence ELSE 0 END) AS cash, "
        "  sum(CASE WHEN payment_method = 'card' THEN amount_paid_pence ELSE 0 END) AS card, "
        "  sum(CASE WHEN payment_method = 'waived' THEN 1 ELSE 0 END) AS waived "
        "  FROM visits GROUP BY session_id) AS agg "
        "WHERE agg.session_id = site_sessions.id"
    )
    conn.exec_driver_sql(
        "UPDATE site_sessions SET visits_count = 0, expected_cash_pence = 2000, "
        "expected_card_pence = 0, waived_count = 0, overrides_count = 0, "
        "counted_cash_pence = 2000, difference_pence = 0 WHERE visits_count IS NULL"
    )
    conn.commit()


def _analyse_months_ahead(conn: Connection, monday: date, this_month: date) -> bool:
    """Analyse the visits once the week being written reaches this month (True when done).

    A foreign-key check's plan is made once a connection and kept: made while this month's
    partition was empty, it reads the partition whole for each band, and the last weeks'
    bands took minutes a batch. Analysing invalidates the plan, and the next is an index
    lookup. (A deployment's partitions fill over a month, and autovacuum analyses them as
    they do; the generator writes a month in seconds.)"""
    if monday + timedelta(days=6) < this_month:
        return False
    conn.exec_driver_sql("ANALYZE visits")
    return True
