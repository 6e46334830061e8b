"""Input and output of inclusive access: a member's proxies and their note for the door."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, pre_load

from supermarket.members.access_inputs import DoorNote, NewProxy
from supermarket.members.schemas.input import Flag, Name, Phone, Text


class ProxyIn(Schema):
    """Someone the member names to collect for them (up to two)."""

    name = Name(required=True)
    relationship = Text(max_length=60, load_default="", metadata={"description": "e.g. carer"})
    phone = Phone(load_default=None, allow_none=True)

    @pre_load
    def _blank_phone(self, data: Any, **_: Any) -> Any:
        phone = data.get("phone") if isinstance(data, dict) else None
        if isinstance(phone, str) and not phone.strip():
            data = {**data, "phone": None}
        return data

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> NewProxy:
        return NewProxy(**data)


class ProxyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    relationship = fields.String()
    phone = fields.String(allow_none=True)
    added_at = fields.DateTime()


class ProxyListOut(Schema):
    items = fields.List(fields.Nested(ProxyOut))


class DoorNoteIn(Schema):
    """The note for the door; empty clears it. A sensitive note needs `consent` true."""

    note = Text(max_length=200, required=True)
    sensitive = Flag(
        load_default=False, metadata={"description": "Health or access needs: own site only"}
    )
    consent = Flag(
        load_default=False,
        metadata={"description": "The member agreed that the sensitive note is kept"},
    )

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> DoorNote:
        return DoorNote(**data)


class DoorNoteOut(Schema):
    note = fields.String(attribute="door_note")
    sensitive = fields.Boolean(attribute="door_note_sensitive")
    consent_at = fields.DateTime(attribute="door_note_consent_at", allow_none=True)
