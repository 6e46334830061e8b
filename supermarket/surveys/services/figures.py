"""Outcome figures for reporting: baselines in a period and their follow-ups, unrounded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from supermarket.extensions import db
from supermarket.surveys import scoring
from supermarket.surveys.models import SurveyAssessment, SurveyKind
from supermarket.surveys.services.due import FOLLOW_UP_MONTHS, window


@dataclass(frozen=True, slots=True)
class SurveyFigures:
    """Outcome figures for the baselines taken in a period, NOT disclosure-controlled.

    `baseline_categories`, `food_insecure_at_baseline` and `pairs` count complete assessments
    only (3+ don't-know/refused answers leave one out). `follow_ups_expected` counts the
    period's baselines whose follow-up window has closed or whose follow-up is in, so that
    `follow_ups_done / follow_ups_expected` is the follow-up rate. Each pair is
    (baseline category, follow-up category, baseline raw score, follow-up raw score), the
    shape reporting.outcomes.paired_outcome() takes.
    """

    timepoint: int
    baselines: int
    baselines_complete: int
    baseline_categories: Mapping[str, int]
    food_insecure_at_baseline: int
    follow_ups_expected: int
    follow_ups_done: int
    pairs: list[tuple[str, str, int, int]] = field(default_factory=list)
    rule_version: str = scoring.RULE_VERSION


def survey_figures(
    site_ids: Iterable[int],
    *,
    start: date,
    end: date,
    today: date,
    timepoint: int = 3,
) -> SurveyFigures:
    """Baselines taken from `start` (inclusive) to `end` (exclusive) at these sites, and their
    follow-ups at `timepoint` months (see SurveyFigures).

    For reporting only, after it has checked the actor may see these sites
    (auth.access.site_for_reporting); the figures are unrounded and must go through
    disclosure control before they are shown to anyone.
    """
    if timepoint not in FOLLOW_UP_MONTHS:
        raise ValueError(f"timepoint must be one of {FOLLOW_UP_MONTHS}.")
    rows = _baselines_and_follow_ups(list(site_ids), start=start, end=end, timepoint=timepoint)
    categories: dict[str, int] = dict.fromkeys(scoring.CATEGORIES_10, 0)
    complete = insecure = expected = done = 0
    pairs: list[tuple[str, str, int, int]] = []
    for baseline, later in rows:
        if baseline.complete:
            complete += 1
            categories[baseline.category_10] += 1
            insecure += baseline.food_insecure
        _start, _due, window_end = window(baseline.local_date, timepoint)
        if later is not None or window_end < today:
            expected += 1
        if later is not None:
            done += 1
            if baseline.complete and later.complete:
                pairs.append(
                    (
                        baseline.category_10,
                        later.category_10,
                        baseline.raw_score_10,
                        later.raw_score_10,
                    )
                )
    return SurveyFigures(
        timepoint=timepoint,
        baselines=len(rows),
        baselines_complete=complete,
        baseline_categories=categories,
        food_insecure_at_baseline=insecure,
        follow_ups_expected=expected,
        follow_ups_done=done,
        pairs=pairs,
    )


def _baselines_and_follow_ups(
    site_ids: list[int], *, start: date, end: date, timepoint: int
) -> list[tuple[SurveyAssessment, SurveyAssessment | None]]:
    """Each baseline taken from start to end (exclusive) at the sites, in the order taken, with
    its follow-up at `timepoint` months, or None."""
    follow_up = aliased(SurveyAssessment)
    rows = db.session.execute(
        select(SurveyAssessment, follow_up)
        .outerjoin(
            follow_up,
            and_(
                follow_up.member_id == SurveyAssessment.member_id,
                follow_up.timepoint == timepoint,
            ),
        )
        .where(
            SurveyAssessment.site_id.in_(site_ids),
            SurveyAssessment.kind == SurveyKind.BASELINE.value,
            SurveyAssessment.local_date >= start,
            SurveyAssessment.local_date < end,
        )
        .order_by(SurveyAssessment.id)
    )
    return [(baseline, later) for baseline, later in rows]
