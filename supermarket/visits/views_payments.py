"""The member's page's payments panel: whether a membership fee covers today and the form that
takes one on its own, and a points household's balance and points history.

The member's page (members/detail.html, through members/_payments.html) asks the template
global `member_payments(member)` for what to show, so the members domain never imports this
one. Only at the member's own site, by its staff (the page has checked that; taking the fee
checks it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from supermarket.auth.web import STAFF, actor, current_site, require_current_site, roles
from supermarket.errors import DomainError, InvalidInput
from supermarket.extensions import db
from supermarket.formatting import money, uk_date
from supermarket.forms import commit_and_redirect, form_errors, pence
from supermarket.members import services as members
from supermarket.members.models import FeeMethod, Member
from supermarket.members.views import _labels as member_page_labels
from supermarket.members.views import _member_page
from supermarket.sites.calendar import site_today
from supermarket.visits.points import PointsEntry
from supermarket.visits.services import payments
from supermarket.visits.services.requests import Payment

bp = Blueprint("visit_payments", __name__, url_prefix="/members")

# How many of a household's latest points changes its page lists.
HISTORY_ROWS = 10

# A refused fee shows the member's page again, with what the members pages give it.
bp.context_processor(member_page_labels)


@dataclass(frozen=True)
class MembershipCover:
    """The site's membership fee and what the member's fees cover."""

    fee_pence: int
    period: str
    until: date | None
    today: date

    @property
    def covers_today(self) -> bool:
        return self.until is not None and self.until >= self.today


@dataclass(frozen=True)
class PointsShown:
    balance: int
    history: list[PointsEntry]


@bp.app_template_global()
def member_payments(member: Member) -> dict[str, Any] | None:
    """What the member's page shows of payments at the member's own site, which the staff
    member is working at: the membership fee where a visit type is paid by it, the points
    where one is paid in points; None where neither is."""
    site = current_site()
    if site is None or site.id != member.site_id:
        return None
    settings = site.settings
    models = {t.payment_model for t in settings.visit_types}
    shown: dict[str, Any] = {}
    if payments.MEMBERSHIP_FEE in models:
        shown["membership"] = MembershipCover(
            settings.membership_fee_pence,
            settings.membership_fee_period,
            payments.covered_until(member.id, site.id),
            site_today(site),
        )
    if payments.POINTS in models:
        history = list(
            db.session.scalars(
                select(PointsEntry)
                .where(PointsEntry.member_id == member.id, PointsEntry.site_id == site.id)
                .order_by(PointsEntry.id.desc())
                .limit(HISTORY_ROWS)
            )
        )
        shown["points"] = PointsShown(payments.points_balance(member.id, site.id), history)
    return shown or None


def payment_from_form(form: MultiDict[str, str]) -> Payment:
    """The membership fee as the form took it; a method or amount the desk cannot send is
    refused beside its box."""
    method = form.get("fee_method", FeeMethod.CASH.value)
    if method not in {m.value for m in FeeMethod}:
        raise InvalidInput("Choose cash, card or waived.", fields={"fee_method": ["Choose one."]})
    reason = form.get("fee_reason", "").strip()
    if method == FeeMethod.WAIVED.value:
        return Payment(method=method, amount_pence=None, reason=reason)
    amount = pence(form.get("fee_amount", ""))
    if isinstance(amount, str):
        raise InvalidInput(
            "Enter the amount in pounds, as 12.00.",
            fields={"fee_amount": ["Enter the amount in pounds, as 12.00."]},
        )
    return Payment(method=method, amount_pence=amount, reason=reason)


def _fee_field(path: tuple[Any, ...]) -> str:
    """The box of a service's message: the payment's amount or reason, else the method."""
    last = str(path[-1]) if path else ""
    boxes = {"amount_pence": "fee_amount", "reason": "fee_reason"}
    return boxes.get(last, last if last in ("fee_amount", "fee_reason") else "fee_method")


@bp.post("/<number>/membership-fee")
@roles(*STAFF)
def membership_fee(number: str) -> ResponseReturnValue:
    """Take the membership fee on its own (paying ahead, or renewing before the last runs
    out): the whole fee in cash or by card, or waived with a reason."""
    site = require_current_site()
    try:
        fee = payments.take_membership_fee(
            site, number, payment_from_form(request.form), actor=actor()
        )
    except DomainError as error:
        errors = form_errors(error, field=_fee_field, summary="fee_method")
        member = members.get_member(site, number, actor=actor())
        return _member_page(site, member, fee_errors=errors, fee_form=request.form), 422
    taken = "waived" if fee.method == FeeMethod.WAIVED.value else f"{money(fee.amount_pence)} taken"
    return commit_and_redirect(
        f"Membership fee {taken}: it covers visits until {uk_date(fee.covers_until)}.",
        url_for("members.detail", number=number),
    )
