"""Who may see what: the one place that scopes queries to an actor's sites."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy import false as sa_false
from sqlalchemy.orm import InstrumentedAttribute

from supermarket.auth.models import Role, User, user_sites
from supermarket.errors import NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site

T = TypeVar("T", bound=tuple[Any, ...])

STAFF_ROLES = (Role.VOLUNTEER, Role.SITE_MANAGER)


def staff_site_ids(actor: User) -> Select[tuple[int]]:
    """Ids of the sites whose members and stock the actor works with (none for leads/admins)."""
    if Role(actor.role) not in STAFF_ROLES:
        return select(user_sites.c.site_id).where(sa_false())
    return select(user_sites.c.site_id).where(user_sites.c.user_id == actor.id)


def scope_to_staff_sites(
    stmt: Select[T], column: InstrumentedAttribute[int], actor: User
) -> Select[T]:
    """Filter a query on a site-owned table to the sites the actor works at."""
    return stmt.where(column.in_(staff_site_ids(actor)))


def works_at(actor: User, site: Site) -> bool:
    return Role(actor.role) in STAFF_ROLES and any(s.id == site.id for s in actor.sites)


def require_role(actor: User, *roles: Role) -> None:
    """Refuse with 403 unless the actor has one of the roles."""
    if Role(actor.role) not in roles:
        raise PermissionDenied("Your role does not allow this.")


def site_for_staff(code: str, actor: User, *, managers_only: bool = False) -> Site:
    """The site by code if the actor works there; 404 otherwise, so codes are not probed."""
    # Found among the actor's own sites (loaded with the actor): no query of its own.
    code = normalise_site_code(code)
    site = next((s for s in actor.sites if s.code == code), None)
    if site is None or not works_at(actor, site):
        raise NotFound("No such site.", code="site_not_found")
    if managers_only and actor.role != Role.SITE_MANAGER:
        raise PermissionDenied("Only a site manager can do this.")
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
