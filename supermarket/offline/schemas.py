"""API shapes for enrolled tablets and the roster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from supermarket.inputs import Str
from supermarket.members.models import MemberStatus
from supermarket.serialise import Computed, PageOut
from supermarket.visits.models import MAX_DEVICE_NAME


class DeviceIn(Schema):
    name = Str(required=True, validate=validate.Length(min=1, max=MAX_DEVICE_NAME))


class DeviceOut(Schema):
    """An enrolled tablet; its `id` is what the tablet sends as the X-Device header."""

    id = fields.String(metadata={"description": "Opaque and random (url-safe, 32 characters)"})
    name = fields.String()
    enrolled_at = fields.DateTime()
    enrolled_by = Computed(
        lambda d: d.enrolled_by.name if d.enrolled_by else None,
        fields.String(allow_none=True, metadata={"description": "The manager's name"}),
    )
    revoked_at = fields.DateTime(allow_none=True)
    active = fields.Boolean()


class DeviceListOut(PageOut):
    items = fields.List(fields.Nested(DeviceOut))


class RosterQuery(Schema):
    since = Str(
        validate=validate.Length(max=40),
        metadata={
            "format": "date-time",
            "description": "ISO 8601 with offset: only what changed since (the same day)",
        },
    )

    @post_load
    def _since(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "since" in data:
            try:
                since = datetime.fromisoformat(data["since"])
            except ValueError:
                since = None
            if since is None or since.tzinfo is None:
                raise ValidationError(
                    "Give a date and time with its offset, e.g. 2026-11-20T10:00:00+00:00.",
                    "since",
                )
            data["since"] = since
        return data


class RosterBandOut(Schema):
    key = fields.String()
    label = fields.String()
    limit = fields.Integer(allow_none=True, metadata={"description": "null: not counted"})
    average_value_pence = fields.Integer()
    limits_by_tier = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))


class RosterTierOut(Schema):
    name = fields.String()
    min_people = fields.Integer()
    fee_pence = fields.Integer()


class RosterVisitTypeOut(Schema):
    """One of the site's visit types, for the tablet's choices; its limits are checked by the
    server when the check-in syncs (the roster holds no visits by type)."""

    key = fields.String()
    label = fields.String()
    parcel = fields.String(metadata={"description": "Non-empty: a fixed parcel, no basket"})
    fee_pence = fields.Integer(
        allow_none=True, metadata={"description": "null: the member's own fee"}
    )
    payment_model = fields.String()
    members_only = fields.Boolean()
    counts_toward_weekly = fields.Boolean()
    band_limits = fields.Dict(keys=fields.String(), values=fields.Integer())


class RosterProxyOut(Schema):
    """Someone the member named to collect for them (no phone number)."""

    id = fields.Integer(metadata={"description": "Send it as `proxy` with the check-in"})
    name = fields.String()
    relationship = fields.String()


class RosterSiteOut(Schema):
    code = fields.String()
    name = fields.String()
    fee_pence = fields.Integer()
    visits_per_week = fields.Integer()
    visit_window = fields.String()
    grace_days = fields.Integer()
    offline_registration = fields.Boolean(
        metadata={"description": "Whether the tablet may register a household offline"}
    )
    bands = fields.List(fields.Nested(RosterBandOut))
    tiers = fields.List(fields.Nested(RosterTierOut))
    eligibility_routes = fields.List(fields.String())
    postcode_optional_routes = fields.List(
        fields.String(), metadata={"description": "Routes that register with no postcode"}
    )
    date_of_birth_optional = fields.Boolean(
        metadata={"description": "Whether an age band may be given instead of the date of birth"}
    )
    age_bands = fields.List(fields.String())
    visit_types = fields.List(fields.Nested(RosterVisitTypeOut))


class RosterMemberOut(Schema):
    """What the check-in panel needs of one member, and nothing more (no date of birth,
    postcode, phone, email or notes)."""

    membership_number = fields.String()
    display_number = fields.String()
    display_name = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in MemberStatus]})
    expires_on = fields.Date(allow_none=True)
    tier = fields.String()
    household_size = fields.Integer()
    fee_pence = fields.Integer()
    allowance = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))
    visits_this_week = fields.Integer()
    visits_left_this_week = fields.Integer()
    next_visit_from = fields.Date(allow_none=True)
    survey_due = fields.Boolean()
    proxies = fields.List(fields.Nested(RosterProxyOut))


class RosterOut(Schema):
    generated_at = fields.DateTime()
    expires_at = fields.DateTime(metadata={"description": "The end of the site's local day"})
    site = fields.Nested(RosterSiteOut)
    members = fields.List(fields.Nested(RosterMemberOut))
    removed = fields.List(
        fields.String(), metadata={"description": "Membership numbers no longer on the roster"}
    )
    full = fields.Boolean(metadata={"description": "false: only what changed since `since`"})


class RosterKeyOut(Schema):
    key = fields.String(metadata={"description": "base64url of 32 bytes"})
    expires_at = fields.DateTime()
