"""Upkeep run from the command line: lapsing memberships whose term ended and recomputing
the cross-site match hashes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from supermarket.extensions import db
from supermarket.members.matching import household_match_hash, match_key
from supermarket.members.models import Member, MemberStatus
from supermarket.members.services import audited
from supermarket.models import utcnow
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site


def lapse_expired_members(*, today: date | None = None) -> dict[str, int]:
    """Record as lapsed every active membership whose term ended (by each site's local date).

    Safe to run repeatedly: returns how many were lapsed per site code.
    """
    result: dict[str, int] = {}
    for site in db.session.scalars(select(Site).order_by(Site.code)):
        day = today or site_today(site)
        outcome = db.session.execute(
            update(Member)
            .where(
                Member.site_id == site.id,
                Member.status == MemberStatus.ACTIVE.value,  # reads the (site, status) index
                Member.status_on(day) == MemberStatus.LAPSED.value,
            )
            .values(status=MemberStatus.LAPSED.value, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        count = int(getattr(outcome, "rowcount", 0) or 0)
        if count:
            result[site.code] = count
            audited.on_site("members.lapsed", site, None, count=count)
    return result


def rehash_members(*, batch: int = 1000) -> int:
    """Recompute every member's cross-site match hash (after the match key changed)."""
    key = match_key()
    count = 0
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Member.id, Member.last_name_key, Member.date_of_birth, Member.postcode)
            .where(Member.id > last_id, Member.anonymised_at.is_(None))
            .order_by(Member.id)
            .limit(batch)
        ).all()
        if not rows:
            return count
        for member_id, last_key, born, postcode in rows:
            if born is not None and postcode is not None:
                db.session.execute(
                    update(Member)
                    .where(Member.id == member_id)
                    .values(match_hash=household_match_hash(last_key, born, postcode, key))
                )
                count += 1
        last_id = rows[-1][0]
