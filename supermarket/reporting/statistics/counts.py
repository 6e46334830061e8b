"""The reads behind the statistics beyond the rollups' sums: the sites, member counts, the
survey counts (summed from the rollups' survey cells), and a site's stock figures from its
summed movements."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select

from supermarket.extensions import db
from supermarket.members.models import FeeKind, Member, MembershipFee, MemberStatus
from supermarket.members.terms import add_months
from supermarket.reporting.outcomes import AssessmentPair
from supermarket.reporting.periods import Period
from supermarket.reporting.rollups import FOLLOW_UP_MONTHS, NO_FOLLOW_UP, survey_cell_counts
from supermarket.reporting.site_filter import in_sites
from supermarket.reporting.statistics.figures import (
    SOURCES,
    SURPLUS_SOURCES,
    WASTE_REASONS,
    SiteRef,
)
from supermarket.sites.models import Site
from supermarket.stock.models import MovementKind, WasteReason
from supermarket.surveys.scoring import CATEGORIES_10
from supermarket.surveys.services.due import WINDOW_DAYS
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
            in_sites(Member.site_id, site_ids),
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
        .where(
            in_sites(MembershipFee.site_id, site_ids), MembershipFee.local_date.between(start, end)
        )
        .where(MembershipFee.kind != FeeKind.MEMBERSHIP.value)  # statistics.payments has them
        .group_by(MembershipFee.site_id)
    ).all()
    for site_id, paid in rows:
        found[site_id] = int(paid)
    return found


def sites_taking_joining_fees(site_ids: Sequence[int]) -> set[int]:
    """The sites that take a joining fee: their settings charge one, or they have recorded one
    paid. Whether a site does is known from its settings, not from who joined when, so the
    disclosure rule may depend on it."""
    # The one setting read from the stored JSON: not every site's whole settings parsed (at a
    # thousand sites that is a tenth of a second a request).
    fee = Site.stored_setting("joining_fee_pence").as_integer()
    charging = set(db.session.scalars(select(Site.id).where(in_sites(Site.id, site_ids), fee > 0)))
    recorded = set(
        db.session.scalars(
            select(MembershipFee.site_id)
            .where(in_sites(MembershipFee.site_id, site_ids), MembershipFee.amount_pence > 0)
            .where(MembershipFee.kind != FeeKind.MEMBERSHIP.value)
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


def last_closed_baseline_day(today: date) -> date:
    """The last baseline day whose FOLLOW_UP_MONTHS follow-up window closed before `today`
    (the window's end moves forward, or stays, as the baseline day does)."""
    day = add_months(today, -FOLLOW_UP_MONTHS) - timedelta(days=WINDOW_DAYS + 1)
    while survey_window(day + timedelta(days=1), FOLLOW_UP_MONTHS)[2] < today:
        day += timedelta(days=1)
    while survey_window(day, FOLLOW_UP_MONTHS)[2] >= today:
        day -= timedelta(days=1)
    return day


def _empty_survey_counts() -> dict[str, Any]:
    return {
        "baselines": 0,
        "baseline_categories": dict.fromkeys(CATEGORIES_10, 0),
        "follow_ups_expected": 0,
        "follow_ups_done": 0,
        "pair_counts": Counter(),
    }


def survey_counts(
    site_ids: Sequence[int], period: Period, today: date
) -> dict[int, dict[str, Any]]:
    """Per site: complete baselines taken in the period by category, and the cohort whose
    3-month follow-up fell due in it (baselines FOLLOW_UP_MONTHS months earlier): follow-ups
    expected, done, and how many members had each pair of complete assessments.

    The same counting as surveys.services.survey_figures() (a follow-up is expected once its
    window has closed or it is in), summed from the survey cells of the rollups (and of the
    days not rolled up yet) in one read whatever the period's length.
    """
    found = {site_id: _empty_survey_counts() for site_id in site_ids}
    after_end = period.end + timedelta(days=1)
    cohort = (
        add_months(period.start, -FOLLOW_UP_MONTHS),
        add_months(after_end, -FOLLOW_UP_MONTHS) - timedelta(days=1),
    )
    no_category, _no_score = NO_FOLLOW_UP
    cells = survey_cell_counts(
        site_ids,
        [(period.start, period.end), cohort],
        closed_through=last_closed_baseline_day(today),
    )
    for site_id, cell, (in_period, in_cohort), closed, count in cells:
        counts = found[site_id]
        complete, category, raw, later_complete, later_category, later_raw = cell
        if in_period and complete:
            counts["baselines"] += count
            counts["baseline_categories"][category] += count
        if not in_cohort:
            continue
        followed_up = later_category != no_category
        if followed_up or closed:
            counts["follow_ups_expected"] += count
        if followed_up:
            counts["follow_ups_done"] += count
            if complete and later_complete:
                pair = AssessmentPair(category, later_category, raw, later_raw)
                counts["pair_counts"][pair] += count
    for counts in found.values():
        counts["pair_counts"] = dict(counts["pair_counts"])
    return found
