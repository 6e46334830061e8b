"""Demo payment models: Canvey Island moved its weekly shop from the £4 fee to points four
weeks ago. A household gets 30 points a visit (40 in the Plus tier), a red item costs 3 and a
blue one 1 (free items nothing), and up to 15 unused points carry over to the next visit.

Runs after the visits demo: Canvey's weekly shops since the change become points visits, in
order, each with its points ledger (carried over, credited, spent; a voided one given back), and the
cash-ups of their sessions lose the fees those visits no longer took (the difference each
session recorded is kept). Earlier visits stay as they were paid: with the fee.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.sites.settings import WEEKLY_SHOP
from supermarket.visits.models import PaymentMethod, SiteSession, Visit
from supermarket.visits.services import allowance_for, site_today
from supermarket.visits.services.allowance import Basket
from supermarket.visits.services.payments import (
    POINTS,
    basket_points,
    give_back_points,
    points_move,
    write_points,
)

POINTS_SITE = "canvey"
SCHEME: dict[str, Any] = {
    "credit": 30,
    "credit_by_tier": {"Plus": 40},
    "item_cost": 1,
    "band_costs": {"red": 3},
    "carry_over_cap": 15,
}
WEEKS_ON_POINTS = 4


def seed(ctx: Any) -> None:
    site: Site | None = ctx.sites.get(POINTS_SITE)
    if site is None:
        return
    data = site.settings_data
    data["visit_types"] = [
        {**t, "payment_model": POINTS} if t["key"] == WEEKLY_SHOP else t
        for t in data["visit_types"]
    ]
    data["points"] = SCHEME
    site.settings_data = data
    db.session.flush()
    settings = site.settings
    today = site_today(site)
    since = today - timedelta(weeks=WEEKS_ON_POINTS, days=today.weekday())
    visits = db.session.scalars(
        select(Visit)
        .where(
            Visit.site_id == site.id,
            Visit.local_date >= since,
            # Only the weekly shop moved to points; Canvey's parcels and hampers keep theirs.
            Visit.visit_type == WEEKLY_SHOP,
        )
        .order_by(Visit.visited_at, Visit.id)
    ).all()
    # Per session: the cash and card those visits no longer took, and the fees no longer waived.
    cash: dict[int, int] = defaultdict(int)
    card: dict[int, int] = defaultdict(int)
    waived: dict[int, int] = defaultdict(int)
    for visit in visits:
        if visit.session_id is not None and visit.voided_at is None:
            if visit.payment_method == PaymentMethod.CASH:
                cash[visit.session_id] += visit.amount_paid_pence
            elif visit.payment_method == PaymentMethod.CARD:
                card[visit.session_id] += visit.amount_paid_pence
            elif visit.payment_method == PaymentMethod.WAIVED:
                waived[visit.session_id] += 1
        allowance = allowance_for(settings, visit.people)
        cost = basket_points(
            settings, allowance, Basket(counts={b.band: b.quantity for b in visit.bands})
        )
        move = points_move(settings, visit.member_id, site.id, allowance.tier, cost)
        write_points(
            move,
            member_id=visit.member_id,
            site_id=site.id,
            visit_id=visit.id,
            today=visit.local_date,
            now=visit.visited_at,
        )
        visit.payment_model = POINTS
        visit.payment_method = PaymentMethod.POINTS.value
        visit.fee_pence = visit.amount_paid_pence = 0
        visit.payment_reason = ""
        visit.points_spent = cost
        visit.savings_pence = visit.retail_value_pence
        if visit.voided_at is not None:
            give_back_points(visit, now=visit.voided_at)
    for session in db.session.scalars(
        select(SiteSession).where(SiteSession.id.in_(set(cash) | set(card) | set(waived)))
    ):
        if session.closed_at is None:
            continue
        session.expected_cash_pence = (session.expected_cash_pence or 0) - cash[session.id]
        session.counted_cash_pence = (session.counted_cash_pence or 0) - cash[session.id]
        session.expected_card_pence = (session.expected_card_pence or 0) - card[session.id]
        session.waived_count = (session.waived_count or 0) - waived[session.id]
    db.session.flush()
