"""The payment models in the reports: pay-as-you-feel given, membership fees paid (apart from
joining fees) and points spent, read from the visits and fees and released under the same
disclosure control as the other money figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from supermarket.extensions import db
from supermarket.members.models import MembershipFee
from supermarket.reporting.periods import Period
from supermarket.reporting.release import release_statistics
from supermarket.reporting.statistics import period_statistics
from tests.reporting.test_release import _figures, _stats

Q3 = Period.quarter(2026, 3)
TODAY = date(2026, 11, 1)


def _fee(member, day: date, amount: int, kind: str = "membership", method: str = "cash") -> None:
    db.session.add(
        MembershipFee(
            site_id=member.site_id,
            member_id=member.id,
            kind=kind,
            fee_pence=amount,
            amount_pence=amount,
            method=method,
            recorded_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
            local_date=day,
        )
    )


def test_the_payment_figures_of_a_quarter(make_site, insert_member, insert_visit):
    site = make_site("payalpha")
    member = insert_member(site)
    day = date(2026, 8, 5)
    paying = insert_visit(member, day, paid=300, retail=2000)
    paying.payment_model, paying.payment_method = "pay_as_you_feel", "cash"
    nothing = insert_visit(member, day, paid=0, retail=1500)
    nothing.payment_model, nothing.payment_method = "pay_as_you_feel", "pay_as_you_feel"
    voided = insert_visit(member, day, paid=500, voided=True)
    voided.payment_model = "pay_as_you_feel"
    points = insert_visit(member, date(2026, 9, 1), paid=0)
    points.payment_model, points.payment_method, points.points_spent = "points", "points", 17
    _fee(member, day, 1200)
    _fee(member, day, 0, method="waived")
    _fee(member, day, 350, kind="joining")
    _fee(member, date(2026, 10, 1), 1200)  # after the quarter
    db.session.commit()

    figures = period_statistics(Q3, today=TODAY).by_site[site.id]
    assert figures.pay_as_you_feel_pence == 300
    assert (figures.membership_fees_pence, figures.membership_fees_paid) == (1200, 1)
    assert figures.joining_fees_pence == 350  # membership fees are not joining fees
    assert figures.points_spent == 17
    assert figures.fees_pence == 300  # the visits' fees paid include pay-as-you-feel


def _site(**more: Any):
    return _figures(visits=300, households=100, **more)


def test_membership_fees_need_ten_paid_and_cannot_be_worked_out_from_the_programme():
    by_site = {
        1: _site(membership_fees_pence=10 * 1200, membership_fees_paid=10),
        2: _site(membership_fees_pence=3 * 1200, membership_fees_paid=3),
        3: _site(),
    }
    report = release_statistics(
        _stats(by_site, membership_fees_pence=13 * 1200, membership_fees_paid=13), site=None
    )
    rows = {row["code"]: row["figures"]["money"] for row in report.sites}
    assert rows["s1"]["membership_fees_pence"] == 12_000
    assert rows["s2"]["membership_fees_pence"] is None
    assert rows["s3"]["membership_fees_pence"] == 0
    # The programme's less site 1's would give site 2's away.
    assert report.figures["money"]["membership_fees_pence"] is None
    assert "membership fees" in report.withheld["money.membership_fees_pence"]


def test_pay_as_you_feel_and_points_follow_the_households_behind_them():
    by_site = {
        1: _figures(visits=600, households=200, pay_as_you_feel_pence=12_345, points_spent=1234),
        2: _figures(visits=20, households=6, pay_as_you_feel_pence=500, points_spent=40),
        3: _figures(visits=100, households=40),
    }
    report = release_statistics(_stats(by_site), site=None)
    rows = {row["code"]: row["figures"]["money"] for row in report.sites}
    assert (rows["s1"]["pay_as_you_feel_pence"], rows["s1"]["points_spent"]) == (12_300, 1230)
    assert (rows["s2"]["pay_as_you_feel_pence"], rows["s2"]["points_spent"]) == (None, None)
