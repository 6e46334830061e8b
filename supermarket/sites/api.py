"""JSON endpoints for sites and their settings."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from supermarket.auth.access import site_for_reporting, sites_for
from supermarket.auth.models import Role
from supermarket.auth.web import ALL_ROLES, actor, roles
from supermarket.extensions import db
from supermarket.http import api_doc, json_body
from supermarket.sites import services
from supermarket.sites.schemas import SiteIn, SiteListOut, SiteOut, SiteWithSettingsOut
from supermarket.sites.settings import CompleteSiteSettingsSchema, SiteSettingsChangesSchema

bp = Blueprint("sites_api", __name__, url_prefix="/api/v1/sites")


@bp.get("")
@roles(*ALL_ROLES)
@api_doc(
    "Sites the caller works at (staff) or reports on (leads, admins).",
    responses={200: SiteListOut},
    tag="sites",
)
def list_sites() -> ResponseReturnValue:
    return {"items": SiteOut(many=True).dump(sites_for(actor())), "next": None}


@bp.post("")
@roles(Role.ADMIN)
@api_doc(
    "Add a site (administrators).", body=SiteIn, responses={201: SiteWithSettingsOut}, tag="sites"
)
def create_site() -> ResponseReturnValue:
    data = SiteIn().load(json_body())
    site = services.create_site(actor=actor(), **data)
    db.session.commit()
    return SiteWithSettingsOut().dump(site), 201


@bp.get("/<code>")
@roles(Role.SITE_MANAGER, Role.PROGRAMME_LEAD, Role.ADMIN)
@api_doc("A site with its settings.", responses={200: SiteWithSettingsOut}, tag="sites")
def get_site(code: str) -> ResponseReturnValue:
    return SiteWithSettingsOut().dump(site_for_reporting(code, actor()))


@bp.put("/<code>/settings")
@roles(Role.SITE_MANAGER, Role.ADMIN)
@api_doc(
    "Replace a site's settings: every setting must be given (as GET answers them); a missing "
    "one is refused, never reset to its default. To change some settings, use PATCH.",
    body=CompleteSiteSettingsSchema,
    responses={200: SiteWithSettingsOut},
    tag="sites",
)
def put_settings(code: str) -> ResponseReturnValue:
    site = site_for_reporting(code, actor())
    services.update_settings(site, json_body(), actor=actor(), replace=True)
    db.session.commit()
    return SiteWithSettingsOut().dump(site)


@bp.patch("/<code>/settings")
@roles(Role.SITE_MANAGER, Role.ADMIN)
@api_doc(
    "Change some of a site's settings: those named change, the others are kept (an empty "
    "object changes nothing). A list given (bands, tiers, routes, catchment) replaces that list.",
    body=SiteSettingsChangesSchema,
    responses={200: SiteWithSettingsOut},
    tag="sites",
)
def patch_settings(code: str) -> ResponseReturnValue:
    site = site_for_reporting(code, actor())
    services.update_settings(site, json_body(), actor=actor())
    db.session.commit()
    return SiteWithSettingsOut().dump(site)
