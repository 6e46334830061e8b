"""Lists of visits for staff: a site's day, and a member's visits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.members import services as members
from supermarket.members.models import Member
from supermarket.sites.models import Site
from supermarket.visits.models import Visit


def day_visits(site: Site, day: date, *, actor: User) -> Select[Visit]:
    """The visits made at the site on a local date (voided ones included, marked), for the
    caller to page by id."""
    ensure_works_at(actor, site)
    return (
        select(Visit)
        .where(Visit.site_id == site.id, Visit.local_date == day)
        .options(selectinload(Visit.member), selectinload(Visit.bands))
    )


def member_visits(site: Site, number: str, *, actor: User) -> tuple[Member, Select[Visit]]:
    """A member of the site and their visits at every site (the limit counts them all),
    newest first in the caller's paging."""
    member = members.get_member(site, number, actor=actor)
    stmt = (
        select(Visit)
        .where(Visit.member_id == member.id)
        .options(selectinload(Visit.site), selectinload(Visit.bands))
    )
    return member, stmt
