"""API shapes for the support services directory and a member's signposts and referrals."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from supermarket.inputs import Email, Id, Str
from supermarket.serialise import Computed, PageOut
from supermarket.support.models import (
    MAX_DESCRIPTION,
    MAX_EMAIL,
    MAX_NAME,
    MAX_NOTE,
    MAX_PHONE,
    MAX_PROMPT_NOTE,
    MAX_PROVIDER,
    MAX_WALK_IN,
    MAX_WEBSITE,
    Category,
    DismissReason,
    PromptKind,
    ReferralKind,
    ReferralStatus,
)

CATEGORIES = [c.value for c in Category]


class Flag(fields.Boolean):
    """A JSON true or false, nothing else."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={True}, falsy={False}, **kwargs)


def _text(limit: int, **kwargs: Any) -> Str:
    return Str(validate=validate.Length(max=limit), **kwargs)


class ServiceIn(Schema):
    """An entry of the directory. `site` (a site manager's, when they keep more than one
    site) is the site that keeps it; `sites` are the sites it serves (codes); `all_sites`
    (administrators') lists a programme entry for every site."""

    name = Str(required=True, validate=validate.Length(min=1, max=MAX_NAME))
    provider = _text(MAX_PROVIDER)
    category = Str(
        required=True,
        validate=validate.OneOf(CATEGORIES, error="Choose one of the categories listed."),
        metadata={"enum": CATEGORIES},
    )
    description = _text(MAX_DESCRIPTION)
    phone = _text(MAX_PHONE)
    email = Email(validate=validate.Length(max=MAX_EMAIL), allow_none=True)
    website = _text(MAX_WEBSITE)
    walk_in = _text(MAX_WALK_IN, metadata={"description": "Walk-in times, in words"})
    site = Str(validate=validate.Length(max=20))
    sites = fields.List(Str(validate=validate.Length(max=20)), validate=validate.Length(max=100))
    all_sites = Flag()
    active = Flag()


class ServiceChangesIn(ServiceIn):
    """Changes to an entry: any of its fields."""

    name = Str(validate=validate.Length(min=1, max=MAX_NAME))
    category = Str(
        validate=validate.OneOf(CATEGORIES, error="Choose one of the categories listed."),
        metadata={"enum": CATEGORIES},
    )


class ServicesQuery(Schema):
    site = Str(validate=validate.Length(max=20), metadata={"description": "Serving this site"})
    include_inactive = fields.Boolean(load_default=False)


class ServiceOut(Schema):
    id = fields.Integer()
    name = fields.String()
    provider = fields.String()
    category = fields.String(metadata={"enum": CATEGORIES})
    category_label = fields.String()
    description = fields.String()
    phone = fields.String()
    email = fields.String()
    website = fields.String()
    walk_in = fields.String()
    programme_wide = fields.Boolean()
    site = Computed(
        lambda s: s.owner.code if s.owner else None,
        fields.String(allow_none=True, metadata={"description": "The site that keeps it"}),
    )
    all_sites = fields.Boolean()
    sites = Computed(lambda s: [x.code for x in s.sites], fields.List(fields.String()))
    active = fields.Boolean()
    updated_at = fields.DateTime()


class ServiceListOut(PageOut):
    items = fields.List(fields.Nested(ServiceOut))


class ReferralIn(Schema):
    service_id = Id(required=True)
    kind = Str(
        required=True,
        validate=validate.OneOf(
            [k.value for k in ReferralKind], error="Choose signpost or referral."
        ),
    )
    consent_given = Flag(
        load_default=False,
        metadata={"description": "Required true for a referral: the member agreed"},
    )
    note = _text(MAX_NOTE, load_default="")


class OutcomeIn(Schema):
    status = Str(
        required=True,
        validate=validate.OneOf(
            [s.value for s in ReferralStatus], error="Choose one of the outcomes listed."
        ),
    )
    on = fields.Date(metadata={"description": "YYYY-MM-DD; today if left out"})
    note = _text(MAX_NOTE)


class ReferralOut(Schema):
    id = fields.Integer()
    membership_number = Computed(lambda r: r.member.membership_number, fields.String())
    service_id = fields.Integer()
    service_name = Computed(lambda r: r.service.name, fields.String())
    category = Computed(lambda r: r.service.category, fields.String())
    kind = fields.String(metadata={"enum": [k.value for k in ReferralKind]})
    consent_given = fields.Boolean()
    note = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in ReferralStatus]})
    made_on = fields.Date()
    status_on = fields.Date()
    recorded_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReferralListOut(PageOut):
    items = fields.List(fields.Nested(ReferralOut))


class ReferralFollowUpOut(PageOut):
    follow_up_days = fields.Integer()
    items = fields.List(fields.Nested(ReferralOut))


class PromptServiceOut(Schema):
    """A service of the site that acts on a prompt: a signpost or referral in one tap."""

    id = fields.Integer()
    name = fields.String()
    category = fields.String()


class PromptOut(Schema):
    """A prompt for the volunteer at check-in (discreet words, for the volunteer's eyes)."""

    kind = fields.String(metadata={"enum": [k.value for k in PromptKind]})
    message = fields.String()
    hint = fields.String()
    first_shown_on = fields.Date()
    services = fields.List(fields.Nested(PromptServiceOut))


class DismissIn(Schema):
    """Why a prompt is dismissed: not_now brings it back after 28 days, any other reason
    keeps it away for a year."""

    reason = Str(
        required=True,
        validate=validate.OneOf(
            [r.value for r in DismissReason], error="Choose why it is dismissed."
        ),
    )
    note = _text(MAX_PROMPT_NOTE, load_default="")


class PromptEventOut(Schema):
    """A prompt's record: when first shown, and what became of it."""

    kind = fields.String()
    first_shown_on = fields.Date()
    outcome = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String()
    outcome_on = fields.Date(allow_none=True)


# The register of referral agencies and their inbound referrals have their shapes beside
# these, in their own module; named here too, with the rest of the domain's.
from supermarket.support.agency_schemas import (  # noqa: E402
    AcceptIn,
    AgencyChangesIn,
    AgencyIn,
    DeclineIn,
    InboundIn,
)

__all__ = ["AcceptIn", "AgencyChangesIn", "AgencyIn", "DeclineIn", "InboundIn"]
