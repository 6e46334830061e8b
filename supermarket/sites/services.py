"""Creating and configuring sites: only administrators change sites; managers their settings."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from marshmallow import ValidationError
from sqlalchemy import select

from supermarket.auth import audit
from supermarket.auth.access import works_at
from supermarket.auth.models import Role, User
from supermarket.auth.services import all_sites
from supermarket.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.postcodes import normalise_postcode
from supermarket.sites.codes import CODE_RE, normalise_site_code
from supermarket.sites.models import Site
from supermarket.sites.settings import OPTIONAL_IN_FULL, SiteSettings


def get_site(code: str) -> Site:
    """The site with this code, however the code is typed."""
    site = db.session.scalar(select(Site).where(Site.code == normalise_site_code(code)))
    if site is None:
        raise NotFound("No such site.", code="site_not_found")
    return site


# Every site, active or not, by name (administrators' lists): the list accounts get sites from.
list_sites = all_sites


def _validate(code: str, name: str, postcode: str, timezone: str) -> tuple[dict[str, str], str]:
    problems: dict[str, str] = {}
    if not CODE_RE.match(code):
        problems["code"] = (
            "Use 2 to 20 lower-case letters, digits or hyphens, starting with a letter."
        )
    if not name.strip() or len(name) > 120:
        problems["name"] = "Enter a name of 1 to 120 characters."
    normal = ""
    if postcode.strip():
        normal = normalise_postcode(postcode) or ""
        if not normal:
            problems["postcode"] = "Enter a UK postcode, for example CM20 1AB."
    if timezone not in available_timezones():
        problems["timezone"] = "Choose a timezone such as Europe/London."
    return problems, normal


def create_site(
    *,
    code: str,
    name: str,
    address: str = "",
    postcode: str = "",
    timezone: str = "Europe/London",
    settings: dict[str, Any] | None = None,
    actor: User | None,
) -> Site:
    """Add a site with a unique code; settings start from the programme defaults."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("Only an administrator can add sites.")
    code = normalise_site_code(code)
    problems, normal_pc = _validate(code, name, postcode, timezone)
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    if db.session.scalar(select(Site.id).where(Site.code == code)) is not None:
        raise Conflict(
            "A site with that code already exists.",
            code="site_code_taken",
            fields={"code": "Already used by another site."},
        )
    site = Site(
        code=code,
        name=name.strip(),
        address=address.strip()[:300],
        postcode=normal_pc,
        timezone=timezone,
    )
    try:
        site.settings = SiteSettings.from_input(settings or {})
    except ValidationError as exc:
        raise ValidationError({"settings": exc.messages}) from exc
    db.session.add(site)
    db.session.flush()
    audit.record_on("site.created", "site", site.code, actor, site.id)
    return site


def update_site(
    site: Site,
    *,
    name: str,
    address: str,
    postcode: str,
    timezone: str,
    active: bool,
    actor: User,
) -> Site:
    """Change a site's details (administrators only); the code never changes."""
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator can change a site's details.")
    problems, normal_pc = _validate(site.code, name, postcode, timezone)
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    site.name, site.address, site.postcode = name.strip(), address.strip()[:300], normal_pc
    site.timezone, site.active = timezone, active
    audit.record_on("site.updated", "site", site.code, actor, site.id)
    return site


def update_settings(
    site: Site, changes: dict[str, Any], *, actor: User, replace: bool = False
) -> Site:
    """Change the settings named in `changes` and keep the others (admins, or that site's
    managers); with `replace`, every setting must be given. Validated as a whole; audited
    with what changed."""
    if not (actor.is_admin or (actor.role == Role.SITE_MANAGER and works_at(actor, site))):
        raise PermissionDenied("Only an administrator or this site's manager can change settings.")
    before = site.settings.to_dict()
    if replace:
        kept = {name: before[name] for name in OPTIONAL_IN_FULL if name not in changes}
        settings = SiteSettings.from_input({**kept, **changes}, complete=True)
    else:
        settings = SiteSettings.from_input({**before, **changes})
    after = settings.to_dict()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if not changed:
        return site
    site.settings = settings
    audit.record_on("site.settings_changed", "site", site.code, actor, site.id, **changed)
    return site
