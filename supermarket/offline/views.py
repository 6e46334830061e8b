"""The site manager's page of enrolled tablets: the list, enrolling "this tablet" with a name
(devices.js keeps the new id in the tablet's localStorage) and revoking one."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.forms import commit_and_redirect, form_errors, form_page
from supermarket.offline import services

bp = Blueprint("offline", __name__, url_prefix="/offline")


@bp.route("/devices", methods=["GET", "POST"])
@roles(*MANAGERS)
def devices() -> ResponseReturnValue:
    site = require_current_site()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            device = services.enrol_device(site, request.form.get("name", ""), actor=actor())
        except DomainError as exc:
            errors = form_errors(exc)
        else:
            return commit_and_redirect(
                f"“{device.name}” is enrolled. This tablet can now keep the members list for "
                f"checking in offline at {site.name}.",
                url_for("offline.devices", enrolled=device.id),
            )
    found = services.list_devices(site, actor=actor())
    enrolled = request.args.get("enrolled", "")
    just_enrolled = next((d for d in found if d.id == enrolled and d.active), None)
    return form_page(
        "offline/devices.html",
        errors,
        site=site,
        devices=found,
        just_enrolled=just_enrolled,
        form=request.form,
    )


@bp.post("/devices/<device_id>/revoke")
@roles(*MANAGERS)
def revoke(device_id: str) -> ResponseReturnValue:
    site = require_current_site()
    device = services.revoke_device(site, device_id, actor=actor())
    return commit_and_redirect(
        f"“{device.name}” is revoked: it can no longer keep the members list.",
        url_for("offline.devices"),
    )
