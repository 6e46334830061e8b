"""JSON endpoints for inclusive access: a member's proxies and their note for the door (staff
of the member's site; 404 for others)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body
from supermarket.members.api import _member, api
from supermarket.members.schemas.access import (
    DoorNoteIn,
    DoorNoteOut,
    ProxyIn,
    ProxyListOut,
    ProxyOut,
)
from supermarket.members.services import access


@api.get("/<number>/proxies", STAFF, ok=ProxyListOut)
def proxies(code: str, number: str) -> ResponseReturnValue:
    """Who may collect for the member (up to two); the check-in takes one's id as `proxy`."""
    return ProxyListOut().dump({"items": access.list_proxies(_member(code, number))})


@api.post("/<number>/proxies", STAFF, body=ProxyIn, created=ProxyOut)
def add_proxy(code: str, number: str) -> ResponseReturnValue:
    """Name someone who may collect for the member (201); a third is 422 naming `name`."""
    member = _member(code, number)
    proxy = access.add_proxy(member, ProxyIn().load(json_body()), actor=actor())
    body = ProxyOut().dump(proxy)
    db.session.commit()
    return body, 201


@api.delete("/<number>/proxies/<proxy_id>", STAFF, ok=ProxyListOut)
def remove_proxy(code: str, number: str, proxy_id: str) -> ResponseReturnValue:
    """Take a proxy off the member's list for good; answers with those left."""
    member = _member(code, number)
    access.remove_proxy(member, access.proxy_number(proxy_id), actor=actor())
    body = ProxyListOut().dump({"items": access.list_proxies(member)})
    db.session.commit()
    return body


@api.put("/<number>/door-note", STAFF, body=DoorNoteIn, ok=DoorNoteOut)
def door_note(code: str, number: str) -> ResponseReturnValue:
    """Set the note shown at the door (an empty note clears it). A sensitive note (health,
    access needs) needs `consent` true (422 naming `door_note_consent` otherwise) and is
    shown only to staff of the member's own site."""
    member = _member(code, number)
    access.set_door_note(member, DoorNoteIn().load(json_body()), actor=actor())
    body = DoorNoteOut().dump(member)
    db.session.commit()
    return body
