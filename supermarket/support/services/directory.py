"""The support services directory: the programme's entries (administrators keep them) and
each site's additions (its managers keep them). Staff see the services that serve their
sites; programme leads and administrators see them all. Changes are audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select

from supermarket.auth import audit
from supermarket.auth.access import staff_sites
from supermarket.auth.models import Role, User
from supermarket.errors import InvalidInput, NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site
from supermarket.support.models import SupportService, support_service_sites

FIX = "Some fields need correcting."
# The fields of an entry a person types or picks (besides where it belongs and whom it serves).
DETAILS = (
    "name",
    "provider",
    "category",
    "description",
    "phone",
    "email",
    "website",
    "walk_in",
    "active",
)


def _serving(site_ids: Sequence[int]) -> Any:
    """The condition: the service serves (or is kept by) one of these sites."""
    served = select(support_service_sites.c.service_id).where(
        support_service_sites.c.site_id.in_(site_ids)
    )
    return or_(
        SupportService.all_sites.is_(True),
        SupportService.id.in_(served),
        SupportService.site_id.in_(site_ids),
    )


def _visible(actor: User) -> Any:
    """What the actor may see: every entry for leads and administrators, else those that
    serve or are kept by one of their sites."""
    if Role(actor.role).works_at_sites:
        return _serving([s.id for s in actor.sites])
    return SupportService.id.is_not(None)


def list_services(
    actor: User, *, site: Site | None = None, include_inactive: bool = False
) -> list[SupportService]:
    """The directory as the actor may see it, by category and name: only the services that
    serve `site` if given, and only the active ones unless `include_inactive`."""
    stmt = select(SupportService).where(_visible(actor))
    if site is not None:
        stmt = stmt.where(_serving([site.id]))
    if not include_inactive:
        stmt = stmt.where(SupportService.active.is_(True))
    return list(db.session.scalars(stmt.order_by(SupportService.category, SupportService.name)))


def services_for_site(site: Site) -> list[SupportService]:
    """The active services that serve `site` (the desk's short list); the caller has checked
    that the actor works there."""
    stmt = select(SupportService).where(SupportService.active.is_(True))
    stmt = stmt.where(
        or_(
            SupportService.all_sites.is_(True),
            SupportService.id.in_(
                select(support_service_sites.c.service_id).where(
                    support_service_sites.c.site_id == site.id
                )
            ),
        )
    )
    return list(db.session.scalars(stmt.order_by(SupportService.category, SupportService.name)))


def get_service(service_id: int, *, actor: User) -> SupportService:
    """One entry the actor may see; 404 otherwise, so other sites' entries cannot be probed."""
    found = db.session.scalar(
        select(SupportService).where(SupportService.id == service_id, _visible(actor))
    )
    if found is None:
        raise NotFound("No such service.", code="service_not_found")
    return found


def can_edit(service: SupportService, actor: User) -> bool:
    """Administrators keep the programme's entries; a site's managers keep the site's."""
    if service.site_id is None:
        return actor.role == Role.ADMIN
    return actor.role == Role.SITE_MANAGER and any(s.id == service.site_id for s in actor.sites)


def _sites_by_code(codes: Iterable[str], *, among: list[Site] | None, field: str) -> list[Site]:
    """The sites named by `codes` (only those in `among`, if given); 422 naming `field` for a
    code that is not one of them."""
    found: list[Site] = []
    for raw in codes:
        code = normalise_site_code(raw)
        if among is None:
            site = db.session.scalar(select(Site).where(Site.code == code))
        else:
            site = next((s for s in among if s.code == code), None)
        if site is None:
            raise InvalidInput(FIX, fields={field: f"“{raw}” is not a site you can choose."})
        if all(s.id != site.id for s in found):
            found.append(site)
    return found


def _apply(service: SupportService, data: dict[str, Any]) -> list[str]:
    """Set the entry's details from `data`; the names of those that changed."""
    changed = []
    for name in DETAILS:
        value = "" if name in data and data[name] is None else data.get(name)
        if name in data and getattr(service, name) != value:
            setattr(service, name, value)
            changed.append(name)
    return changed


def _place(service: SupportService, data: dict[str, Any], actor: User) -> list[str]:
    """Where the entry belongs and whom it serves, from `site`, `sites` and `all_sites`."""
    changed: list[str] = []
    if actor.role == Role.ADMIN:
        if "all_sites" in data and data["all_sites"] != service.all_sites:
            service.all_sites = data["all_sites"]
            changed.append("all_sites")
        if "sites" in data:
            service.sites = _sites_by_code(data["sites"], among=None, field="sites")
            changed.append("sites")
        if not service.all_sites and not service.sites:
            raise InvalidInput(FIX, fields={"sites": "Choose the sites it serves, or every site."})
        return changed
    if data.get("all_sites"):
        raise InvalidInput(
            FIX, fields={"all_sites": "Only an administrator can list a service for every site."}
        )
    mine = staff_sites(actor)
    if "sites" in data:
        service.sites = _sites_by_code(data["sites"], among=mine, field="sites")
        changed.append("sites")
    owner = next(s for s in actor.sites if s.id == service.site_id)
    if all(s.id != owner.id for s in service.sites):
        service.sites = [owner, *service.sites]  # a site's entry always serves the site
    return changed


def _owner_for_manager(data: dict[str, Any], actor: User) -> Site:
    mine = staff_sites(actor)
    if data.get("site"):
        return _sites_by_code([data["site"]], among=mine, field="site")[0]
    if len(mine) == 1:
        return mine[0]
    raise InvalidInput(FIX, fields={"site": "Choose which of your sites keeps this entry."})


def create_service(data: dict[str, Any], *, actor: User) -> SupportService:
    """Add an entry: an administrator's is the programme's (serving the sites chosen, or
    every site); a site manager's is their site's (serving it, and any other of their sites
    chosen). Audited."""
    if actor.role not in (Role.ADMIN, Role.SITE_MANAGER):
        raise PermissionDenied("Only site managers and administrators can add services.")
    service = SupportService(all_sites=False, active=True, sites=[])
    if actor.role == Role.SITE_MANAGER:
        if data.get("all_sites"):
            _place(service, {"all_sites": True}, actor)  # refuses, naming the field
        service.site_id = _owner_for_manager(data, actor).id
    elif data.get("site"):
        raise InvalidInput(
            FIX, fields={"site": "A programme entry belongs to no site: choose whom it serves."}
        )
    _apply(service, data)
    _place(service, data, actor)
    db.session.add(service)
    db.session.flush()
    audit.record_on(
        "support_service.created",
        "support_service",
        service.id,
        actor,
        service.site_id,
        name=service.name,
    )
    return service


def update_service(service_id: int, data: dict[str, Any], *, actor: User) -> SupportService:
    """Change an entry the actor keeps (403 for one they may only see). Audited."""
    service = get_service(service_id, actor=actor)
    if not can_edit(service, actor):
        raise PermissionDenied(
            "Only the administrators can change the programme's entries."
            if service.site_id is None
            else "Only the managers of the site that keeps this entry can change it."
        )
    if "site" in data:
        raise InvalidInput(FIX, fields={"site": "An entry stays with the site that keeps it."})
    changed = _apply(service, data) + _place(service, data, actor)
    if changed:
        service.updated_at = utcnow()
        db.session.flush()
        audit.record_on(
            "support_service.updated",
            "support_service",
            service.id,
            actor,
            service.site_id,
            changed=changed,
        )
    return service
