"""The survey follow-up's optional support question is asked only of a member signposted or
referred before it: the check, which web.py registers with the surveys (the two domains never
import each other)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.support.models import Referral


def had_support_before(member: Member, day: date) -> bool:
    """The member was signposted or referred to a support service on or before `day`."""
    found = db.session.scalar(
        select(Referral.id).where(Referral.member_id == member.id, Referral.made_on <= day).limit(1)
    )
    return found is not None
