"""The benchmarks: each builds its requests from the generated programme, runs them against
our server and against the floor, and returns the figures with the target they answer to."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from bench import load
from bench.context import Context, Figure
from bench.data import PASSWORD
from bench.importing import member_import
from bench.load import Job, Spec
from bench.nightly import nightly_rollup
from bench.offline import offline_roster, offline_sync


def _run(ctx: Context, port: int, spec_kwargs: dict[str, Any]) -> load.Outcome:
    return load.run(Spec(port=port, **spec_kwargs))


def _warm(ctx: Context, port: int, jobs: tuple[Job, ...], **kw: Any) -> None:
    """A few requests first, so workers have imported, connected and cached."""
    load.run(
        Spec(
            port=port,
            jobs=jobs,
            mode="closed",
            concurrency=4,
            duration=0.3 if ctx.quick else 2.0,
            **kw,
        )
    )


def fixed_and_saturation(
    ctx: Context,
    name: str,
    jobs: tuple[Job, ...],
    floor_jobs: tuple[Job, ...],
    *,
    target_p95: float,
    target: str,
    rate: float | None = None,
    concurrency: int = 16,
    expect: tuple[int, ...] = (200,),
    kind: str = "http",
    saturation: bool = True,
) -> list[Figure]:
    """p50/p95/p99 at a fixed arrival rate (ours and floor), then throughput at saturation."""
    rate = rate or ctx.rate
    common = {"expect": expect, "kind": kind}
    _warm(ctx, ctx.port, jobs, **common)
    _warm(ctx, ctx.floor_port, floor_jobs, **common)
    fixed = {"mode": "open", "rate": rate, "concurrency": 32, "duration": ctx.duration, **common}
    ours = _run(ctx, ctx.port, {"jobs": jobs, **fixed})
    floor = _run(ctx, ctx.floor_port, {"jobs": floor_jobs, **fixed})
    p95 = ours.percentile(95)
    figures = [
        Figure(
            name,
            f"fixed {rate:g}/s, {ctx.duration:g} s",
            load.summary(ours),
            load.summary(floor),
            target=target,
            met=bool(p95 <= target_p95 and ours.errors == 0),
            note="; ".join(ours.samples[:2]),
        )
    ]
    if saturation and not ctx.quick:
        sat = {"mode": "closed", "concurrency": concurrency, "duration": ctx.duration, **common}
        ours_s = _run(ctx, ctx.port, {"jobs": jobs, **sat})
        floor_s = _run(ctx, ctx.floor_port, {"jobs": floor_jobs, **sat})
        figures.append(
            Figure(
                name,
                f"saturation, {concurrency} connections, {ctx.duration:g} s",
                load.summary(ours_s),
                load.summary(floor_s),
                target="(throughput and ratio to the floor)",
                note="; ".join(ours_s.samples[:2]),
            )
        )
    return figures


# --- login --------------------------------------------------------------------------------


def login(ctx: Context) -> list[Figure]:
    staff = [s["volunteer"] for s in ctx.programme.sites] + [
        s["manager"] for s in ctx.programme.sites
    ]
    jobs = tuple(
        Job("POST", "/login", form=(("email", email), ("password", PASSWORD))) for email in staff
    )
    return fixed_and_saturation(
        ctx,
        "Login (argon2id), POST /login",
        jobs,
        jobs,
        rate=5.0 if ctx.quick else 10.0,
        concurrency=4,
        target_p95=150,
        target="p95 <= 150 ms",
        expect=(303,),
        kind="login",
    )


# --- member search ------------------------------------------------------------------------


def _site_members(ctx: Context, columns: str, per_site: int) -> dict[str, list[tuple[Any, ...]]]:
    engine = ctx.engine()
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for site in ctx.programme.sites:
            rows = conn.execute(
                text(
                    f"SELECT {columns} FROM members WHERE site_id = :s AND anonymised_at IS NULL "
                    "ORDER BY id LIMIT :n"
                ),
                {"s": site["id"], "n": per_site},
            ).all()
            found[site["code"]] = [tuple(r) for r in rows]
    engine.dispose()
    return found


def _per_site(ctx: Context) -> int:
    """Members a site to search for: 400 a site up to 40 sites, fewer past that so the job
    list (pickled to the load generator) stays near 16,000 whatever the number of sites."""
    return max(20, min(400, 16_000 // max(1, len(ctx.programme.sites))))


def _search_jobs(ctx: Context, queries: list[tuple[str, str]]) -> tuple[Job, ...]:
    """GET the site's search as its manager would, for (site code, q) pairs."""
    from urllib.parse import quote

    managers = {s["code"]: s["manager"] for s in ctx.programme.sites}
    return tuple(
        Job("GET", f"/api/v1/sites/{code}/members?q={quote(q)}", ctx.auth(managers[code]))
        for code, q in queries
    )


def search_number(ctx: Context) -> list[Figure]:
    members = _site_members(ctx, "membership_number", _per_site(ctx))
    queries = [(code, number) for code, rows in members.items() for (number,) in rows]
    ctx.rng.shuffle(queries)
    # Half typed as on the card (with the hyphen), half scanned.
    queries = [(c, f"{n[:4]}-{n[4:]}" if i % 2 else n) for i, (c, n) in enumerate(queries)]
    jobs = _search_jobs(ctx, queries)
    return fixed_and_saturation(
        ctx,
        f"Member search by card number ({_members_label(ctx)})",
        jobs,
        jobs,
        target_p95=50,
        target="p95 <= 50 ms",
    )


def search_name(ctx: Context) -> list[Figure]:
    """Prefixes as typed: 1 to 5 letters of real last and first names, folded as the app
    folds them (so the floor, which does no folding, sends the same keys)."""
    members = _site_members(ctx, "last_name_key, first_name_key", _per_site(ctx))
    queries: list[tuple[str, str]] = []
    for code, rows in members.items():
        for last, first in rows:
            name = last if ctx.rng.random() < 0.75 else first
            cut = ctx.rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
            prefix = name[:cut].strip()
            if prefix:
                queries.append((code, prefix))
    ctx.rng.shuffle(queries)
    jobs = _search_jobs(ctx, queries)
    return fixed_and_saturation(
        ctx,
        f"Member search by name prefix ({_members_label(ctx)})",
        jobs,
        jobs,
        target_p95=50,
        target="p95 <= 50 ms",
    )


def _members_label(ctx: Context) -> str:
    total = ctx.programme.counts.get("members", 0)
    per_site = total / max(1, len(ctx.programme.sites))
    return f"{total:,} members, ~{per_site:,.0f} a site"


# --- registry -----------------------------------------------------------------------------

Bench = Callable[[Context], list[Figure]]
BENCHMARKS: dict[str, Bench] = {
    "login": login,
    "search-number": search_number,
    "search-name": search_name,
}


def _utc_now(conn: Any) -> Any:
    now = datetime.now(UTC)
    return now if conn.dialect.name == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")


def not_available(name: str, why: str) -> Figure:
    return Figure(name, "-", {}, None, target="", met=None, note=f"not run: {why}")


def new_key() -> str:
    return uuid.uuid4().hex


def fmt_ms(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}"


# --- check-in -----------------------------------------------------------------------------


def _monday(conn: Any) -> str:
    from datetime import date, timedelta

    today = date.today()
    return (today - timedelta(days=today.weekday())).isoformat()


def reset_week(ctx: Context) -> None:
    """Forget this week's check-ins, so every member may be checked in again, and make sure
    each site has today's till session open (as the desk would at opening time)."""
    from datetime import date

    engine = ctx.engine()
    with engine.begin() as conn:
        monday = _monday(conn)
        # Site by site, so each statement reads the (site, day) index: a scan of every
        # visit's date would take seconds a phase at national scale, before partitions.
        week = [{"s": site["id"], "m": monday} for site in ctx.programme.sites]
        this_week = "SELECT id FROM visits WHERE site_id = :s AND local_date >= :m"
        conn.execute(text(f"DELETE FROM visit_bands WHERE visit_id IN ({this_week})"), week)
        conn.execute(text(f"DELETE FROM visit_lines WHERE visit_id IN ({this_week})"), week)
        conn.execute(
            text(
                "DELETE FROM visit_keys WHERE site_id = :s AND idempotency_key IN "
                "(SELECT idempotency_key FROM visits WHERE site_id = :s AND local_date >= :m)"
            ),
            week,
        )
        conn.execute(text("DELETE FROM visits WHERE site_id = :s AND local_date >= :m"), week)
        now = _utc_now(conn)
        for site in ctx.programme.sites:
            open_ = conn.scalar(
                text("SELECT id FROM site_sessions WHERE site_id = :s AND closed_at IS NULL"),
                {"s": site["id"]},
            )
            if open_ is None:
                conn.execute(
                    text(
                        "INSERT INTO site_sessions (site_id, local_date, volunteers, float_pence,"
                        " opened_at, opened_by_id, note, created_at) VALUES (:s, :d, 'Sue', 2000,"
                        " :now, :v, '', :now)"
                    ),
                    {
                        "s": site["id"],
                        "d": date.today().isoformat(),
                        "now": now,
                        "v": site["volunteer_id"],
                    },
                )
    engine.dispose()


CHECKIN_MEMBERS = 100_000


def _checkin_members(ctx: Context) -> list[tuple[str, str]]:
    """(site code, number) of members whose membership allows a visit this week."""
    from datetime import date, timedelta

    engine = ctx.engine()
    soon = (date.today() + timedelta(days=2)).isoformat()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.code, m.membership_number FROM members m JOIN sites s ON s.id = m.site_id"
                " WHERE m.status = 'active' AND m.expires_on >= :soon AND m.anonymised_at IS NULL"
                " ORDER BY m.id"
            ),
            {"soon": soon},
        ).all()
    engine.dispose()
    found = [(r[0], r[1]) for r in rows]
    ctx.rng.shuffle(found)
    # More than any phase here uses (400/s for a minute is 24,000), and the jobs are pickled
    # to the load generator: the national scale's 1.6 million active members would not be.
    return found[:CHECKIN_MEMBERS]


def _checkin_jobs(ctx: Context, members: list[tuple[str, str]]) -> tuple[Job, ...]:
    volunteers = {s["code"]: s["volunteer"] for s in ctx.programme.sites}
    jobs = []
    for code, number in members:
        body = {
            "membership_number": number,
            "basket": {"red": 2, "blue": ctx.rng.randint(5, 8)},
            "payment": {"method": "cash" if ctx.rng.random() < 0.7 else "card"},
        }
        headers = (
            *ctx.auth(volunteers[code]),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", new_key()),
        )
        jobs.append(Job("POST", f"/api/v1/sites/{code}/visits", headers, json.dumps(body).encode()))
    return tuple(jobs)


def checkin(ctx: Context) -> list[Figure]:
    members = _checkin_members(ctx)
    name = (
        "Check-in, POST /api/v1/sites/<site>/visits (full rules, audit, idempotency; "
        f"{ctx.programme.counts.get('visits', 0):,} visits in the database)"
    )
    sat_c = 16

    cpu_ms: dict[tuple[int, str], float] = {}

    def phase(port: int, spec: dict[str, Any]) -> load.Outcome:
        reset_week(ctx)
        jobs = _checkin_jobs(ctx, members)
        used = ctx.cpu.get(port, lambda: 0.0)
        before = used()
        outcome = _run(ctx, port, {"jobs": jobs, "cycle": False, "expect": (201,), **spec})
        if outcome.ok:
            cpu_ms[(port, spec["mode"])] = (used() - before) * 1000 / outcome.ok
        return outcome

    def cpu_note(mode: str) -> str:
        ours_ms, floor_ms = cpu_ms.get((ctx.port, mode)), cpu_ms.get((ctx.floor_port, mode))
        if not ours_ms or not floor_ms:
            return ""
        return f"server CPU a check-in {ours_ms:.2f} ms, the floor's {floor_ms:.2f} ms"

    warm = {"mode": "closed", "concurrency": 4, "duration": 0.3 if ctx.quick else 2.0}
    phase(ctx.port, warm)
    phase(ctx.floor_port, warm)
    fixed = {"mode": "open", "rate": ctx.rate, "concurrency": 32, "duration": ctx.duration}
    ours = phase(ctx.port, fixed)
    floor = phase(ctx.floor_port, fixed)
    sat = {"mode": "closed", "concurrency": sat_c, "duration": ctx.duration}
    ours_s = phase(ctx.port, sat)
    floor_s = phase(ctx.floor_port, sat) if not ctx.quick else ours_s
    reset_week(ctx)
    fixed_fig = Figure(
        name,
        f"fixed {ctx.rate:g}/s, {ctx.duration:g} s",
        load.summary(ours),
        load.summary(floor),
        target="p95 <= 25 ms at 50/s; 0 errors",
        met=bool(ours.percentile(95) <= 25 and ours.errors == 0),
        note="; ".join(filter(None, [cpu_note("open"), *ours.samples[:2]])),
    )
    sat_fig = Figure(
        name,
        f"saturation, {sat_c} connections, {ctx.duration:g} s",
        load.summary(ours_s),
        load.summary(floor_s),
        target=">= 400 req/s; >= 70% of the floor; 0 errors",
        note="; ".join(filter(None, [cpu_note("closed"), *ours_s.samples[:2]]))
        + (" (ran out of members: throughput is a lower bound)" if ours_s.ran_out else ""),
    )
    ratio = sat_fig.ratio or 0.0
    sat_fig.met = bool(ours_s.throughput >= 400 and ratio >= 0.7 and ours_s.errors == 0)
    return [fixed_fig, sat_fig]


# --- statistics and the programme PDF ------------------------------------------------------


def _periods() -> dict[str, str]:
    from datetime import date

    today = date.today()
    month = date(today.year, today.month, 1)
    last_month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    quarter = (today.month - 1) // 3  # the last full quarter: 0 means Q4 of last year
    q_year = today.year if quarter else today.year - 1
    return {
        "month": f"{last_month.year}-{last_month.month:02d}",
        "quarter": f"{q_year}-Q{quarter or 4}",
        "year": str(today.year - 1),
    }


def _sequential(
    ctx: Context,
    name: str,
    path: str,
    floor_path: str | None,
    target_ms: float,
    target: str,
    *,
    expect: tuple[int, ...] = (200,),
    duration: float | None = None,
) -> Figure:
    jobs = (Job("GET", path, ctx.auth(ctx.programme.lead_email)),)
    spec = {
        "mode": "closed",
        "concurrency": 1,
        "duration": duration or ctx.duration,
        "expect": expect,
    }
    _run(
        ctx,
        ctx.port,
        {
            "jobs": jobs,
            "mode": "closed",
            "concurrency": 1,
            "duration": 0.3 if ctx.quick else 1.0,
            "expect": expect,
        },
    )
    ours = _run(ctx, ctx.port, {"jobs": jobs, **spec})
    floor = None
    if floor_path:
        floor_jobs = (Job("GET", floor_path, ctx.auth(ctx.programme.lead_email)),)
        floor = load.summary(_run(ctx, ctx.floor_port, {"jobs": floor_jobs, **spec}))
    return Figure(
        name,
        f"one client, back to back, {spec['duration']:g} s",
        load.summary(ours),
        floor,
        target=target,
        met=bool(ours.percentile(95) <= target_ms and ours.errors == 0),
        note="; ".join(ours.samples[:2]),
    )


def statistics(ctx: Context) -> list[Figure]:
    periods = _periods()
    visits = ctx.programme.counts.get("visits", 0)
    pg = ctx.database == "postgres"
    limit = 250 if pg else 500
    figures = []
    for kind, period in periods.items():
        target_ms = limit
        figures.append(
            _sequential(
                ctx,
                f"Statistics feed, {kind} {period} x all sites ({visits:,} visits)",
                f"/api/v1/stats?period={period}",
                f"/floor/stats?period={period}",
                target_ms,
                f"p95 <= {limit} ms ({'PostgreSQL' if pg else 'SQLite'})",
            )
        )
    figures.append(
        _sequential(
            ctx,
            f"Statistics trend table, 3 years x all sites ({visits:,} visits)",
            f"/api/v1/stats/tables/trend.csv?period={periods['year']}",
            None,
            100,
            "p95 <= 100 ms (daily rollup)",
        )
    )
    return figures


def programme_pdf(ctx: Context) -> list[Figure]:
    period = _periods()["quarter"]
    return [
        _sequential(
            ctx,
            f"Programme report PDF, {period} ({len(ctx.programme.sites)} sites)",
            f"/api/v1/reports/programme.pdf?period={period}",
            None,
            1000,
            "p95 <= 1 s",
        )
    ]


BENCHMARKS.update({"checkin": checkin, "stats": statistics, "pdf": programme_pdf})


BENCHMARKS["import"] = member_import


def _sequential_as(
    ctx: Context, email: str, name: str, path: str, target_ms: float, target: str
) -> Figure:
    """One client, back to back, as `email` (a site's manager, say); no floor."""
    jobs = (Job("GET", path, ctx.auth(email)),)
    warm = {"jobs": jobs, "mode": "closed", "concurrency": 1, "expect": (200,)}
    _run(ctx, ctx.port, {**warm, "duration": 0.3 if ctx.quick else 1.0})
    ours = _run(ctx, ctx.port, {**warm, "duration": ctx.duration})
    return Figure(
        name,
        f"one client, back to back, {ctx.duration:g} s",
        load.summary(ours),
        None,
        target=target,
        met=bool(ours.percentile(95) <= target_ms and ours.errors == 0),
        note="; ".join(ours.samples[:2]),
    )


def site_live_month(ctx: Context) -> list[Figure]:
    """A site manager's own site for the month still running (read live, not yet published),
    and for the quarter still running: a longer stretch read live, as a month is at its end."""
    from datetime import date

    today = date.today()
    running = {
        "month": f"{today.year}-{today.month:02d}",
        "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
    }
    site = ctx.programme.sites[0]
    visits = ctx.programme.counts.get("visits", 0)
    return [
        _sequential_as(
            ctx,
            site["manager"],
            f"Statistics feed, site manager's live {kind} {period} to {today:%d %b}, one site "
            f"({len(ctx.programme.sites)} sites, {visits:,} visits)",
            f"/api/v1/stats?period={period}&site={site['code']}",
            250,
            "p95 <= 250 ms",
        )
        for kind, period in running.items()
    ]


BENCHMARKS["stats-site"] = site_live_month
# Offline check-in (issue 14): the roster a tablet holds, then its queue synced.
BENCHMARKS.update({"offline-roster": offline_roster, "offline-sync": offline_sync})
# The nightly `supermarket reporting rollup` once the data exists (issue 17).
BENCHMARKS["rollup-night"] = nightly_rollup
