"""The survey counts behind a period's outcome: complete baselines per site and category, and
the cohort whose follow-up fell due in the period (expected, done, and the complete pairs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from supermarket.extensions import db
from supermarket.members.terms import add_months
from supermarket.reporting.outcomes import AssessmentPair
from supermarket.reporting.periods import Period
from supermarket.surveys.models import SurveyAssessment, SurveyKind
from supermarket.surveys.scoring import CATEGORIES_10
from supermarket.surveys.services.due import window as survey_window

# The follow-up the outcome compares with the baseline (the surveys have more than one).
FOLLOW_UP_MONTHS: Final = 3


def survey_counts(
    site_ids: Sequence[int], period: Period, today: date
) -> dict[int, dict[str, Any]]:
    """Per site: complete baselines taken in the period by category, and the cohort whose
    3-month follow-up fell due in it (baselines FOLLOW_UP_MONTHS months earlier): follow-ups
    expected, done, and the complete pairs.

    The same counting as surveys.services.survey_figures() (a follow-up is expected once its
    window has closed or it is in), read as plain columns for every site in two queries.
    """
    found: dict[int, dict[str, Any]] = {
        site_id: {
            "baselines": 0,
            "baseline_categories": dict.fromkeys(CATEGORIES_10, 0),
            "follow_ups_expected": 0,
            "follow_ups_done": 0,
            "pairs": [],
        }
        for site_id in site_ids
    }
    _count_baselines(found, site_ids, period)
    _count_follow_ups(found, site_ids, period, today)
    for counts in found.values():
        counts["pairs"] = tuple(counts["pairs"])
    return found


def _count_baselines(
    found: dict[int, dict[str, Any]], site_ids: Sequence[int], period: Period
) -> None:
    """Complete baselines taken in the period, per site and category."""
    baseline = SurveyAssessment
    for site_id, category, count in db.session.execute(
        select(baseline.site_id, baseline.category_10, func.count())
        .where(
            baseline.site_id.in_(site_ids),
            baseline.kind == SurveyKind.BASELINE.value,
            baseline.local_date.between(period.start, period.end),
            baseline.complete.is_(True),
        )
        .group_by(baseline.site_id, baseline.category_10)
    ):
        found[site_id]["baselines"] += count
        found[site_id]["baseline_categories"][category] += count


def _count_follow_ups(
    found: dict[int, dict[str, Any]], site_ids: Sequence[int], period: Period, today: date
) -> None:
    """The cohort whose follow-up fell due in the period: expected, done, and the pairs."""
    baseline = SurveyAssessment
    after_end = period.end + timedelta(days=1)
    later = aliased(SurveyAssessment)
    cohort = db.session.execute(
        select(
            baseline.site_id,
            baseline.local_date,
            baseline.complete,
            baseline.category_10,
            baseline.raw_score_10,
            later.id,
            later.complete,
            later.category_10,
            later.raw_score_10,
        )
        .outerjoin(
            later,
            and_(later.member_id == baseline.member_id, later.timepoint == FOLLOW_UP_MONTHS),
        )
        .where(
            baseline.site_id.in_(site_ids),
            baseline.kind == SurveyKind.BASELINE.value,
            baseline.local_date >= add_months(period.start, -FOLLOW_UP_MONTHS),
            baseline.local_date < add_months(after_end, -FOLLOW_UP_MONTHS),
        )
    )
    window_ends: dict[date, date] = {}
    for (
        site_id,
        day,
        complete,
        category,
        raw,
        later_id,
        later_complete,
        later_category,
        later_raw,
    ) in cohort:
        counts = found[site_id]
        if day not in window_ends:
            window_ends[day] = survey_window(day, FOLLOW_UP_MONTHS)[2]
        if later_id is not None or window_ends[day] < today:
            counts["follow_ups_expected"] += 1
        if later_id is not None:
            counts["follow_ups_done"] += 1
            if complete and later_complete:
                counts["pairs"].append(AssessmentPair(category, later_category, raw, later_raw))
