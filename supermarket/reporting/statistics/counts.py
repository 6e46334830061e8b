"""The reads behind the statistics that the rollups do not hold: the sites, member counts,
survey counts, and a site's stock figures from its summed movements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from supermarket.extensions import db
from supermarket.members.models import Member, MembershipFee, MemberStatus
from supermarket.members.terms import add_months
from supermarket.reporting.outcomes import AssessmentPair
from supermarket.reporting.periods import Period
from supermarket.reporting.statistics.figures import (
    FOLLOW_UP_MONTHS,
    SOURCES,
    SURPLUS_SOURCES,
    WASTE_REASONS,
    SiteRef,
)
from supermarket.sites.models import Site
from supermarket.stock.models import MovementKind, WasteReason
from supermarket.surveys.models import SurveyAssessment, SurveyKind
from supermarket.surveys.scoring import CATEGORIES_10
from supermarket.surveys.services.due import window as survey_window


def all_sites() -> tuple[SiteRef, ...]:
    """Every site, active or not (a closed site's past still counts), in name order."""
    rows = db.session.execute(
        select(Site.id, Site.code, Site.name, Site.active).order_by(Site.name, Site.id)
    ).all()
    return tuple(SiteRef(*row) for row in rows)


def member_counts(site_ids: Sequence[int], period: Period) -> dict[int, tuple[int, int]]:
    """Per site: (active member households, new member households) in the period."""
    rows = db.session.execute(
        select(
            Member.site_id,
            func.count(),
            func.coalesce(
                func.sum(case((Member.joined_on.between(period.start, period.end), 1), else_=0)),
                0,
            ),
        )
        .where(
            Member.site_id.in_(site_ids),
            Member.joined_on <= period.end,
            Member.status != MemberStatus.WAITING.value,
            or_(Member.closed_on.is_(None), Member.closed_on >= period.start),
            or_(Member.expires_on.is_(None), Member.expires_on >= period.start),
        )
        .group_by(Member.site_id)
    ).all()
    found = {site_id: (0, 0) for site_id in site_ids}
    for site_id, active, new in rows:
        found[site_id] = (int(active), int(new))
    return found


def joining_fees(site_ids: Sequence[int], start: date, end: date) -> dict[int, int]:
    """Per site: the joining fees (at registration, and again at renewal where a site takes
    it) paid from start to end, in pence. Read from the fees themselves: a few a day."""
    found = dict.fromkeys(site_ids, 0)
    rows = db.session.execute(
        select(MembershipFee.site_id, func.coalesce(func.sum(MembershipFee.amount_pence), 0))
        .where(MembershipFee.site_id.in_(site_ids), MembershipFee.local_date.between(start, end))
        .group_by(MembershipFee.site_id)
    ).all()
    for site_id, paid in rows:
        found[site_id] = int(paid)
    return found


def sites_taking_joining_fees(site_ids: Sequence[int]) -> set[int]:
    """The sites that take a joining fee: their settings charge one, or they have recorded one
    paid. Whether a site does is known from its settings, not from who joined when, so the
    disclosure rule may depend on it."""
    charging = {
        site_id
        for site_id, settings in db.session.execute(
            select(Site.id, Site.settings).where(Site.id.in_(site_ids))
        )
        if settings.joining_fee_pence
    }
    recorded = set(
        db.session.scalars(
            select(MembershipFee.site_id)
            .where(MembershipFee.site_id.in_(site_ids), MembershipFee.amount_pence > 0)
            .distinct()
        )
    )
    return charging | recorded


def stock_figures(by_key: Mapping[tuple[str, str, str], int]) -> dict[str, object]:
    """A site's stock figures (Figures' fields) from its grams by (kind, source, reason)."""
    food_in: dict[str, int] = {}
    wasted: dict[str, int] = dict.fromkeys(WASTE_REASONS, 0)
    transferred_in = transferred_out = adjusted = out = out_surplus = 0
    for (kind, source, reason), grams in by_key.items():
        if kind == MovementKind.RECEIVED:
            food_in[source] = food_in.get(source, 0) + grams
        elif kind in (MovementKind.ISSUED, MovementKind.RETURNED):
            # Issued stock is signed negative; returned (a voided visit) positive.
            out -= grams
            if source in SURPLUS_SOURCES:
                out_surplus -= grams
        elif kind == MovementKind.WASTED:
            wasted[reason or WasteReason.OTHER.value] = (
                wasted.get(reason or WasteReason.OTHER.value, 0) - grams
            )
        elif kind == MovementKind.TRANSFERRED_IN:
            transferred_in += grams
        elif kind == MovementKind.TRANSFERRED_OUT:
            transferred_out -= grams
        elif kind == MovementKind.ADJUSTED:
            adjusted += grams
    ordered_in = {source: food_in.get(source, 0) for source in SOURCES}
    for source, grams in food_in.items():
        if source not in ordered_in:
            ordered_in[source] = grams
    return {
        "food_in_g": ordered_in,
        "wasted_g": wasted,
        "transferred_in_g": transferred_in,
        "transferred_out_g": transferred_out,
        "adjusted_g": adjusted,
        "out_to_members_g": max(out, 0),
        "out_surplus_g": max(out_surplus, 0),
    }


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
    """Add each site's complete baselines taken in the period, by category, to `found`."""
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
    """Add each site's cohort whose follow-up fell due in the period to `found`: follow-ups
    expected, done, and the complete pairs."""
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
