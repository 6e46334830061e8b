"""JSON endpoints for sites and their settings."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from supermarket.api_routes import ADMINS, EDITORS, ApiRoutes
from supermarket.auth.access import site_for_reporting, sites_for
from supermarket.auth.web import ALL_ROLES, REPORTERS, actor
from supermarket.extensions import db
from supermarket.http import json_body
from supermarket.sites import services
from supermarket.sites.schemas import SiteIn, SiteListOut, SiteOut, SiteWithSettingsOut
from supermarket.sites.settings import CompleteSiteSettingsSchema, SiteSettingsChangesSchema

bp = Blueprint("sites_api", __name__, url_prefix="/api/v1/sites")
api = ApiRoutes(bp, tag="sites")


@api.get("", ALL_ROLES, ok=SiteListOut)
def list_sites() -> ResponseReturnValue:
    """Sites the caller works at (staff) or reports on (leads, admins)."""
    return {"items": SiteOut(many=True).dump(sites_for(actor())), "next": None}


@api.post("", ADMINS, body=SiteIn, created=SiteWithSettingsOut)
def create_site() -> ResponseReturnValue:
    """Add a site (administrators)."""
    data = SiteIn().load(json_body())
    site = services.create_site(actor=actor(), **data)
    db.session.commit()
    return SiteWithSettingsOut().dump(site), 201


@api.get("/<code>", REPORTERS, ok=SiteWithSettingsOut)
def get_site(code: str) -> ResponseReturnValue:
    """A site with its settings."""
    return SiteWithSettingsOut().dump(site_for_reporting(code, actor()))


def _change_settings(code: str, *, replace: bool) -> ResponseReturnValue:
    site = site_for_reporting(code, actor())
    services.update_settings(site, json_body(), actor=actor(), replace=replace)
    db.session.commit()
    return SiteWithSettingsOut().dump(site)


@api.put("/<code>/settings", EDITORS, body=CompleteSiteSettingsSchema, ok=SiteWithSettingsOut)
def put_settings(code: str) -> ResponseReturnValue:
    """Replace a site's settings: every setting must be given (as GET answers them); a missing
    one is refused, never reset to its default. To change some settings, use PATCH."""
    return _change_settings(code, replace=True)


@api.patch("/<code>/settings", EDITORS, body=SiteSettingsChangesSchema, ok=SiteWithSettingsOut)
def patch_settings(code: str) -> ResponseReturnValue:
    """Change some of a site's settings: those named change, the others are kept (an empty object
    changes nothing). A list given (bands, tiers, routes, catchment) replaces that list."""
    return _change_settings(code, replace=False)
