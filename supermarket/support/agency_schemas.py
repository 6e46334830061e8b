"""API shapes for the register of referral agencies and their inbound referrals."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from supermarket.inputs import Email, Str
from supermarket.members.schemas import MemberIn
from supermarket.members.schemas.input import (
    Name,
    Phone,
    Postcode,
    Text,
    WholeNumber,
    check_date_of_birth,
)
from supermarket.serialise import Computed, PageOut
from supermarket.support.agency_models import (
    MAX_AGENCY_NAME,
    MAX_DECLINE_REASON,
    MAX_EMAIL,
    MAX_PHONE,
    MAX_REASON,
    AgencyKind,
    InboundStatus,
    Urgency,
)

KINDS = [k.value for k in AgencyKind]
URGENCIES = [u.value for u in Urgency]
STATUSES = [s.value for s in InboundStatus]


class Flag(fields.Boolean):
    """A JSON true or false, nothing else."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={True}, falsy={False}, **kwargs)


def _kind(**kwargs: Any) -> Str:
    return Str(
        validate=validate.OneOf(KINDS, error="Choose one of the kinds listed."),
        metadata={"enum": KINDS},
        **kwargs,
    )


class AgencyIn(Schema):
    """An agency of the register: `sites` are the codes of the sites it refers to."""

    name = Str(required=True, validate=validate.Length(min=1, max=MAX_AGENCY_NAME))
    kind = _kind(required=True)
    phone = Str(validate=validate.Length(max=MAX_PHONE))
    email = Email(validate=validate.Length(max=MAX_EMAIL), allow_none=True)
    sites = fields.List(Str(validate=validate.Length(max=20)), validate=validate.Length(max=100))
    active = Flag()


class AgencyChangesIn(AgencyIn):
    """Changes to an agency: any of its fields."""

    name = Str(validate=validate.Length(min=1, max=MAX_AGENCY_NAME))
    kind = _kind()


class AgenciesQuery(Schema):
    include_inactive = fields.Boolean(load_default=True)


class AgencyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": KINDS})
    kind_label = fields.String()
    phone = fields.String()
    email = fields.String()
    sites = Computed(lambda a: [s.code for s in a.sites], fields.List(fields.String()))
    active = fields.Boolean()
    updated_at = fields.DateTime()


class AgencyListOut(PageOut):
    items = fields.List(fields.Nested(AgencyOut))


def _children() -> WholeNumber:
    return WholeNumber(
        load_default=0, validate=validate.Range(min=0, max=20, error="Enter 0 to 20.")
    )


class InboundHouseholdIn(Schema):
    """Who lives in the household, as far as the agency knows."""

    adults = WholeNumber(
        load_default=1, validate=validate.Range(min=1, max=20, error="Enter 1 to 20 adults.")
    )
    children_0_4 = _children()
    children_5_11 = _children()
    children_12_17 = _children()


class InboundIn(Schema):
    """A household referred by an agency, with their consent to pass their details on."""

    first_name = Name(required=True)
    last_name = Name(required=True)
    postcode = Postcode(required=True)
    date_of_birth = fields.Date(load_default=None, allow_none=True, validate=check_date_of_birth)
    phone = Phone(load_default=None, allow_none=True)
    email = Email(load_default=None, allow_none=True, validate=validate.Length(max=MAX_EMAIL))
    household = fields.Nested(
        lambda: InboundHouseholdIn(),
        load_default=dict,
        metadata={"description": "Who lives in the household (one adult if left out)"},
    )
    consent_given = Flag(
        required=True,
        metadata={
            "description": "Must be true: the household agreed to their details "
            "being passed to the site"
        },
    )
    reason = Text(
        max_length=MAX_REASON,
        multiline=True,
        required=True,
        validate=validate.Length(min=1, error="Say briefly why you are referring them."),
    )
    urgency = Str(
        load_default=Urgency.ROUTINE.value,
        validate=validate.OneOf(URGENCIES, error="Choose routine or urgent."),
        metadata={"enum": URGENCIES},
    )


class AcceptIn(Schema):
    """Accept onto a new registration (`registration`: MemberIn's fields over those the
    referral pre-fills; at least the privacy notice's consent) or onto a member of the site
    already registered (`membership_number`)."""

    registration = fields.Dict(
        keys=Str(validate=validate.Length(max=40)),
        load_default=None,
        allow_none=True,
        metadata={
            "schema": MemberIn,
            "description": "Fields of a registration (as POST .../members) over those "
            "the referral fills in",
        },
    )
    membership_number = Str(load_default=None, allow_none=True, validate=validate.Length(max=20))


class DeclineIn(Schema):
    reason = Text(
        max_length=MAX_DECLINE_REASON,
        multiline=True,
        required=True,
        validate=validate.Length(min=1, error="Say why, for the agency."),
    )


def _referrer_name(referral: Any) -> str:
    return referral.referred_by.name if referral.referred_by is not None else ""


class InboundOut(Schema):
    id = fields.Integer()
    site = Computed(lambda r: r.site.code, fields.String())
    agency_id = fields.Integer()
    agency_name = Computed(lambda r: r.agency.name, fields.String())
    agency_kind = Computed(lambda r: r.agency.kind, fields.String(metadata={"enum": KINDS}))
    referred_by = Computed(_referrer_name, fields.String())
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    postcode = fields.String()
    phone = fields.String()
    email = fields.String()
    adults = fields.Integer()
    children_0_4 = fields.Integer()
    children_5_11 = fields.Integer()
    children_12_17 = fields.Integer()
    consent_given = fields.Boolean()
    reason = fields.String()
    urgency = fields.String(metadata={"enum": URGENCIES})
    status = fields.String(metadata={"enum": STATUSES})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String()
    membership_number = Computed(
        lambda r: r.member.membership_number if r.member is not None else None,
        fields.String(allow_none=True),
    )


class InboundListOut(PageOut):
    items = fields.List(fields.Nested(InboundOut))


# What a referrer reads of their agency's referrals: never the member's number.
REFERRER_HIDES = ("membership_number",)


class ReferrerInboundOut(InboundOut):
    class Meta:
        exclude = REFERRER_HIDES

    taken_up = fields.Boolean(
        metadata={"description": "Accepted, and the household has come to a first visit"}
    )


class AcceptedOut(Schema):
    referral = fields.Nested(InboundOut)
    membership_number = fields.String()
    registered = fields.Boolean(
        metadata={"description": "True: newly registered; false: matched to a member"}
    )
    warnings = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
