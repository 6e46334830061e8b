"""Demo data for reporting: roll up the other domains' demo data so dashboards show at once."""

from __future__ import annotations

from typing import Any

from supermarket.reporting.demo_support import seed_for_reports
from supermarket.reporting.rollups import refresh_rollups


def seed(ctx: Any) -> None:
    """Runs last: every day up to yesterday rolled up, and the periods that are over."""
    seed_for_reports(ctx)
    refresh_rollups()
