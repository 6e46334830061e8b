"""The register of referral agencies: administrators keep it; a site manager may read the
agencies that refer to their sites; a referrer reaches their own agency only.

Importing this module tells the staff accounts (supermarket.auth, a layer below) which
agencies a referrer's account can belong to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from supermarket.auth import audit
from supermarket.auth import services as accounts
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site
from supermarket.support.agency_models import (
    AgencyKind,
    ReferralAgency,
    referral_agency_sites,
)

FIX = "Some fields need correcting."
EDITABLE = ("name", "kind", "phone", "email", "active")


def _managed_site_ids(actor: User) -> set[int]:
    return {s.id for s in actor.sites} if actor.role == Role.SITE_MANAGER else set()


def list_agencies(actor: User, *, include_inactive: bool = True) -> list[ReferralAgency]:
    """Administrators: the whole register. Site managers: the agencies that refer to their
    sites. Anyone else: refused (403)."""
    stmt = select(ReferralAgency).order_by(ReferralAgency.name)
    if not include_inactive:
        stmt = stmt.where(ReferralAgency.active.is_(True))
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(stmt))
    if actor.role == Role.SITE_MANAGER:
        ids = _managed_site_ids(actor)
        serving = select(referral_agency_sites.c.agency_id).where(
            referral_agency_sites.c.site_id.in_(ids)
        )
        return list(db.session.scalars(stmt.where(ReferralAgency.id.in_(serving))))
    raise PermissionDenied("The register of referral agencies is for administrators.")


def get_agency(agency_id: int, *, actor: User) -> ReferralAgency:
    """An agency the actor may read (404 for one they may not: not probed)."""
    agency = db.session.get(ReferralAgency, agency_id)
    if agency is None or agency not in list_agencies(actor):
        raise NotFound("No such referral agency.", code="agency_not_found")
    return agency


def agency_of(actor: User) -> ReferralAgency | None:
    """A referrer's agency, if it is active (None: the referrer can do nothing)."""
    if actor.role != Role.REFERRER or actor.agency_id is None:
        return None
    agency = db.session.get(ReferralAgency, actor.agency_id)
    return agency if agency is not None and agency.active else None


def _sites(codes: list[str]) -> list[Site]:
    wanted = list(dict.fromkeys(normalise_site_code(c) for c in codes))
    found = (
        list(db.session.scalars(select(Site).where(Site.code.in_(wanted)).order_by(Site.name)))
        if wanted
        else []
    )
    if len(found) != len(wanted):
        raise InvalidInput(FIX, fields={"sites": "Choose sites from the list."})
    return found


def _check_name(name: str, exclude_id: int | None = None) -> None:
    stmt = select(ReferralAgency.id).where(ReferralAgency.name == name)
    if exclude_id is not None:
        stmt = stmt.where(ReferralAgency.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict(
            "An agency with that name is already in the register.",
            code="agency_exists",
            fields={"name": "An agency with that name is already in the register."},
        )


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied("Only an administrator can change the register of agencies.")


def create_agency(data: dict[str, Any], *, actor: User) -> ReferralAgency:
    """Add an agency (administrators). Audited."""
    _require_admin(actor)
    name = data["name"].strip()
    if not name:
        raise InvalidInput(FIX, fields={"name": "Enter the agency's name."})
    if data["kind"] not in {k.value for k in AgencyKind}:
        raise InvalidInput(FIX, fields={"kind": "Choose one of the kinds listed."})
    _check_name(name)
    agency = ReferralAgency(
        name=name,
        kind=data["kind"],
        phone=(data.get("phone") or "").strip(),
        email=(data.get("email") or "").strip(),
        active=data.get("active", True),
        sites=_sites(data.get("sites") or []),
    )
    db.session.add(agency)
    db.session.flush()
    audit.record_on("agency.created", "referral_agency", agency.id, actor, name=agency.name)
    return agency


def update_agency(agency_id: int, data: dict[str, Any], *, actor: User) -> ReferralAgency:
    """Change an agency's details, sites or active flag (administrators). Audited."""
    _require_admin(actor)
    agency = get_agency(agency_id, actor=actor)
    if "name" in data:
        name = data["name"].strip()
        if not name:
            raise InvalidInput(FIX, fields={"name": "Enter the agency's name."})
        _check_name(name, exclude_id=agency.id)
        agency.name = name
    if "kind" in data:
        if data["kind"] not in {k.value for k in AgencyKind}:
            raise InvalidInput(FIX, fields={"kind": "Choose one of the kinds listed."})
        agency.kind = data["kind"]
    for name in ("phone", "email"):
        if name in data:
            setattr(agency, name, (data[name] or "").strip())
    if "active" in data:
        agency.active = data["active"]
    if "sites" in data:
        agency.sites = _sites(data["sites"] or [])
    agency.updated_at = utcnow()
    db.session.flush()
    audit.record_on(
        "agency.updated", "referral_agency", agency.id, actor, changed=sorted(data.keys())
    )
    return agency


def _active_agencies() -> list[tuple[int, str]]:
    found = db.session.execute(
        select(ReferralAgency.id, ReferralAgency.name).where(ReferralAgency.active.is_(True))
    )
    return [(agency_id, name) for agency_id, name in found]


accounts.AGENCY_LISTERS.append(_active_agencies)
