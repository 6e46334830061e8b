"""Demo data for inclusive access: Harlow accepts people with no fixed address (and lets them
join without a date of birth), one such member, a member with a proxy and door notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from supermarket.auth.models import Role
from supermarket.extensions import db
from supermarket.members import services
from supermarket.members.access_inputs import DoorNote, NewProxy
from supermarket.members.models import Member
from supermarket.members.schemas import MemberIn
from supermarket.members.services import access
from supermarket.sites.services import update_settings

NFA_MEMBER: dict[str, Any] = {
    "first_name": "Dan",
    "last_name": "Rourke",
    "age_band": "45-54",
    "care_of": "c/o Harlow Day Centre, Fourth Avenue",
    "household": {"adults": 1},
    "eligibility": {"route": "no_fixed_abode"},
    "consents": {"privacy_notice_given": True},
}


def seed(ctx: Any) -> None:
    """At Harlow (when the demo has it): the route and the setting, Dan Rourke with no fixed
    address, and Amelia Foster (the desk's first card) with a neighbour who may collect and a
    sensitive note for the door given with her consent."""
    site = ctx.sites.get("harlow")
    if site is None:
        return
    manager = next(u for u in ctx.staff.values() if u.role == Role.SITE_MANAGER and site in u.sites)
    routes = [*site.settings.eligibility_routes, "no_fixed_abode"]
    update_settings(
        site, {"eligibility_routes": routes, "date_of_birth_optional": True}, actor=manager
    )
    dan = services.register_member(site, MemberIn().load(NFA_MEMBER), actor=manager).member
    access.set_door_note(
        dan, DoorNote("Post is kept for him at the desk: ask if he wants it"), actor=manager
    )
    amelia = db.session.scalar(
        select(Member).where(
            Member.site_id == site.id, Member.first_name == "Amelia", Member.last_name == "Foster"
        )
    )
    if amelia is not None:
        access.add_proxy(amelia, NewProxy("Jo Bloggs", "neighbour"), actor=manager)
        access.set_door_note(
            amelia,
            DoorNote(
                "Uses a wheelchair: bring the basket to the front table",
                sensitive=True,
                consent=True,
            ),
            actor=manager,
        )
    db.session.flush()
