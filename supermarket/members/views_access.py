"""The member page's "Access at the door" part: the note for the door and the proxies
(staff of the member's site; members.services.access holds the rules)."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError

from supermarket.auth.web import STAFF, actor, require_current_site, roles
from supermarket.errors import InvalidInput
from supermarket.forms import commit_and_redirect
from supermarket.members import services
from supermarket.members.forms import member_form_errors
from supermarket.members.schemas.access import DoorNoteIn, ProxyIn
from supermarket.members.services import access
from supermarket.members.views import _member_page, bp


def _again(number: str, error: Exception, schema: Schema) -> ResponseReturnValue:
    """The member's page again with the errors beside the access part's fields."""
    site = require_current_site()
    member = services.get_member(site, number, actor=actor())
    errors = member_form_errors(error, schema)
    return _member_page(site, member, access_errors=errors, access_form=request.form), 422


def _done(message: str, number: str) -> ResponseReturnValue:
    return commit_and_redirect(message, url_for("members.detail", number=number) + "#access")


@bp.post("/<number>/door-note")
@roles(*STAFF)
def door_note(number: str) -> ResponseReturnValue:
    member = services.get_member(require_current_site(), number, actor=actor())
    schema = DoorNoteIn()
    form = request.form
    try:
        data = schema.load(
            {
                "note": form.get("door_note", ""),
                "sensitive": form.get("door_note_sensitive") == "on",
                "consent": form.get("door_note_consent") == "on",
            }
        )
        access.set_door_note(member, data, actor=actor())
    except (ValidationError, InvalidInput) as exc:
        return _again(number, _renamed(exc), schema)
    return _done("Note for the door saved.", member.membership_number)


def _renamed(exc: Exception) -> Exception:
    """The schema's `note` is the page's `door_note` box."""
    if isinstance(exc, ValidationError) and isinstance(exc.messages, dict):
        messages = dict(exc.messages)
        if "note" in messages:
            messages["door_note"] = messages.pop("note")
        return ValidationError(messages)
    return exc


@bp.post("/<number>/proxies")
@roles(*STAFF)
def add_proxy(number: str) -> ResponseReturnValue:
    member = services.get_member(require_current_site(), number, actor=actor())
    schema = ProxyIn()
    form = request.form
    try:
        data = schema.load(
            {
                "name": form.get("name", ""),
                "relationship": form.get("relationship", ""),
                "phone": form.get("phone", ""),
            }
        )
        access.add_proxy(member, data, actor=actor())
    except (ValidationError, InvalidInput) as exc:
        return _again(number, exc, schema)
    return _done(f"{data.name} may now collect for them.", member.membership_number)


@bp.post("/<number>/proxies/<proxy_id>/remove")
@roles(*STAFF)
def remove_proxy(number: str, proxy_id: str) -> ResponseReturnValue:
    member = services.get_member(require_current_site(), number, actor=actor())
    access.remove_proxy(member, access.proxy_number(proxy_id), actor=actor())
    return _done("Proxy removed.", member.membership_number)
