"""Who may see what: the one guard on a site's data, and the sites each actor may pick.

A use case checks access once, at its entry: a public service starts with
`ensure_works_at(actor, site)` (or an API/view loads the site with `site_for_staff`, which
is built on it), and the helpers it calls trust that check.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select

from supermarket.auth.models import Role, User
from supermarket.errors import NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site

# What a refused actor is told is missing: the site, or (for members' services, which are
# asked for a member) the member. Either way the site cannot be probed.
_HIDDEN = {
    "site": ("No such site.", "site_not_found"),
    "member": ("No such member.", "member_not_found"),
}


def works_at(actor: User, site: Site) -> bool:
    return Role(actor.role).works_at_sites and any(s.id == site.id for s in actor.sites)


def ensure_works_at(
    actor: User,
    site: Site,
    *,
    managers_only: bool = False,
    hidden_as: Literal["site", "member"] = "site",
) -> None:
    """The guard on a site's data: 404 unless the actor works at the site (so other sites
    cannot be probed), and 403 when the action is a site manager's and the actor is not."""
    if not works_at(actor, site):
        message, code = _HIDDEN[hidden_as]
        raise NotFound(message, code=code)
    if managers_only and actor.role != Role.SITE_MANAGER:
        raise PermissionDenied("Only a site manager can do this.")


def staff_sites(actor: User) -> list[Site]:
    """The active sites a volunteer or site manager works at (none for leads and admins)."""
    if not Role(actor.role).works_at_sites:
        return []
    return [s for s in actor.sites if s.active]


def sites_for(actor: User) -> list[Site]:
    """The sites an actor can pick to work at (staff) or report on (leads, admins); none for
    anyone else (an agency's referrers reach their sites through supermarket.support)."""
    if Role(actor.role).works_at_sites:
        return staff_sites(actor)
    if Role(actor.role) not in (Role.PROGRAMME_LEAD, Role.ADMIN):
        return []
    return list(db.session.scalars(select(Site).where(Site.active.is_(True)).order_by(Site.name)))


def require_role(actor: User, *roles: Role) -> None:
    """Refuse with 403 unless the actor has one of the roles."""
    if Role(actor.role) not in roles:
        raise PermissionDenied("Your role does not allow this.")


def site_for_staff(code: str, actor: User, *, managers_only: bool = False) -> Site:
    """The site by code if the actor works there; 404 otherwise, so codes are not probed."""
    # Found among the actor's own sites (loaded with the actor): no query of its own.
    code = normalise_site_code(code)
    site = next((s for s in actor.sites if s.code == code), None)
    if site is None:
        raise NotFound("No such site.", code="site_not_found")
    ensure_works_at(actor, site, managers_only=managers_only)
    return site


def site_for_reporting(code: str, actor: User) -> Site:
    """A site for aggregate figures: leads and admins see every site; staff their own."""
    site = db.session.scalar(select(Site).where(Site.code == normalise_site_code(code)))
    if site is None:
        raise NotFound("No such site.", code="site_not_found")
    if Role(actor.role) in (Role.PROGRAMME_LEAD, Role.ADMIN):
        return site
    if actor.role == Role.SITE_MANAGER and works_at(actor, site):
        return site
    if actor.role == Role.VOLUNTEER and works_at(actor, site):
        raise PermissionDenied("Site reports are for site managers.")
    raise NotFound("No such site.", code="site_not_found")
