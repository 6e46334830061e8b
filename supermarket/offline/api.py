"""JSON endpoints for enrolled tablets (site managers) and the offline roster (staff of the
site, from an enrolled tablet: the X-Device header)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes, staff_site
from supermarket.auth.web import ALL_ROLES, MANAGERS, actor
from supermarket.http import json_gzipped
from supermarket.offline import services
from supermarket.offline.schemas import (
    DeviceIn,
    DeviceListOut,
    DeviceOut,
    RosterKeyOut,
    RosterOut,
    RosterQuery,
)
from supermarket.sites.models import Site

bp = Blueprint("offline_api", __name__, url_prefix="/api/v1/sites/<code>")
api = ApiRoutes(bp, tag="offline")
DEVICE_HEADER = "X-Device"
# The roster's refusals besides the usual: the site is hidden (404) from anyone who does not
# work there, programme leads and administrators included; a tablet not enrolled is 403.
ROSTER_REFUSALS: dict[int, Any] = {
    403: "device_not_enrolled: the X-Device header names no tablet enrolled at this site",
    404: "site_not_found: not a site the caller works at",
}


def _site(code: str) -> Site:
    """The site of the URL for staff who work there; 404 for anyone else (programme leads and
    administrators too: the roster is for the desk only)."""
    return staff_site(code)


def _sign_in() -> str | None:
    """What identifies this sign-in: the browser session's id, or an API client's token."""
    user = actor()
    if user.auth_session_id:
        return user.auth_session_id
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if user.via_token and header.startswith("Bearer ") else None


@api.get("/devices", MANAGERS, ok=DeviceListOut)
def list_devices(code: str) -> ResponseReturnValue:
    """The site's enrolled tablets, revoked ones last (site managers)."""
    site = staff_site(code, managers_only=True)
    devices = services.list_devices(site, actor=actor())
    return {"items": DeviceOut(many=True).dump(devices), "next": None}


@api.site_change("POST", "/devices", MANAGERS, body=DeviceIn, created=DeviceOut)
def enrol_device(site: Site, data: dict[str, Any]) -> Any:
    """Enrol a tablet for the site (site managers); the answer's `id` is what the tablet keeps
    (localStorage `supermarket.device`) and sends as the X-Device header."""
    return services.enrol_device(site, data["name"], actor=actor())


@api.site_change("DELETE", "/devices/<device_id>", MANAGERS, ok=DeviceOut)
def revoke_device(site: Site, data: None, device_id: str) -> Any:
    """Revoke a tablet: it can no longer fetch the roster or its key (site managers)."""
    return services.revoke_device(site, device_id, actor=actor())


@api.get("/roster", ALL_ROLES, query=RosterQuery, ok=RosterOut, responses=ROSTER_REFUSALS)
def roster(code: str) -> ResponseReturnValue:
    """The site's roster for offline check-in: what the panel needs of each member, nothing
    more; with `since` (today), only the changes. Staff of the site, from an enrolled tablet
    (X-Device header); audited."""
    site = _site(code)
    args = RosterQuery().load(request.args.to_dict())
    found = services.roster(
        site, request.headers.get(DEVICE_HEADER), actor=actor(), since=args.get("since")
    )
    # 1.6 MB of JSON for 5,000 members is 130 KB gzipped: tablets may be on a phone's hotspot.
    return json_gzipped(RosterOut().dump(found))


@api.get("/roster/key", ALL_ROLES, ok=RosterKeyOut, responses=ROSTER_REFUSALS)
def roster_key(code: str) -> ResponseReturnValue:
    """The key the tablet encrypts its roster with: the same all day within one sign-in on
    one tablet; never stored on the tablet's disk. Staff of the site, from an enrolled tablet
    (X-Device header); audited."""
    site = _site(code)
    found = services.roster_key(
        site,
        request.headers.get(DEVICE_HEADER),
        actor=actor(),
        sign_in=_sign_in(),
        secret_key=str(current_app.config["SECRET_KEY"]),
    )
    return RosterKeyOut().dump(found)
