"""The nightly rollup's time once the data exists (issue 17).

The generator times the first `supermarket reporting rollup` over the whole history
(`rollup_ms` in the programme's counts); a deployment then runs it every night, when it rolls
up the day just gone, the days check-ins or corrections marked stale, and the running month's,
quarter's and year's households. Here that night is measured: yesterday rolled up again
(`supermarket reporting rollup --since <yesterday>`), through the same function the command
calls, in this process against the generated database, a few times back to back.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from bench import load
from bench.context import Context, Figure
from bench.data import make_app

# A night's rollup is a batch job: a generous bound, to show at a glance it stays a job of
# seconds and not of hours at national scale (no target in QUALITY.md).
TARGET_MS = 60_000


def nightly_rollup(ctx: Context) -> list[Figure]:
    from supermarket.extensions import db
    from supermarket.reporting.rollups import refresh_rollups

    runs = 1 if ctx.quick else 3
    yesterday = date.today() - timedelta(days=1)
    outcome = load.Outcome()
    notes: list[str] = []
    app = make_app(ctx.url)
    started = time.perf_counter()
    with app.app_context():
        for _ in range(runs):
            outcome.sent += 1
            began = time.perf_counter()
            try:
                report = refresh_rollups(since=yesterday)
                db.session.commit()
            except Exception as exc:  # reported as an error, as a failed request is
                db.session.rollback()
                outcome.errors += 1
                notes.append(f"failed: {str(exc).splitlines()[0]}")
                continue
            outcome.latencies.append((time.perf_counter() - began) * 1000)
            if not notes:
                notes.append(
                    f"first run: {report.days} days, {report.stale_days} stale days, "
                    f"{report.periods} periods"
                )
        db.session.remove()
        db.engine.dispose()
    outcome.elapsed = time.perf_counter() - started
    visits = ctx.programme.counts.get("visits", 0)
    first = ctx.programme.counts.get("rollup_ms")
    if first is not None:
        notes.append(f"the first rollup of the whole history took {first / 1000:,.0f} s")
    return [
        Figure(
            "Nightly rollup, `supermarket reporting rollup --since` yesterday "
            f"({len(ctx.programme.sites)} sites, {visits:,} visits)",
            f"in process, {runs} run{'s' if runs > 1 else ''} back to back",
            load.summary(outcome),
            None,
            target=f"(a night's batch job; under {TARGET_MS // 1000} s)",
            met=bool(outcome.latencies)
            and outcome.errors == 0
            and outcome.percentile(95) <= TARGET_MS,
            note="; ".join(notes),
        )
    ]
