"""What the members API answers: a member for staff of its own site, search pages, the
registration with its warnings, and the subject access export."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
)

from supermarket.members.identifiers import display_number
from supermarket.members.models import (
    FeeKind,
    FeeMethod,
    Member,
    MemberStatus,
    RegistrationReview,
)
from supermarket.members.schemas.monitoring import MonitoringOut
from supermarket.serialise import Computed, PageOut
from supermarket.sites.calendar import site_today
from supermarket.sites.settings import ELIGIBILITY_ROUTES


class ConsentOut(Schema):
    kind = fields.String()
    given_at = fields.DateTime()
    given_method = fields.String()
    given_by = Computed(
        lambda c: c.given_by.name if c.given_by else None, fields.String(allow_none=True)
    )
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_method = fields.String()
    withdrawn_by = Computed(
        lambda c: c.withdrawn_by.name if c.withdrawn_by else None, fields.String(allow_none=True)
    )


def _status(member: Member) -> str:
    return member.status_on(site_today(member.site)).value


class HouseholdOut(Schema):
    """A household's size by age band, and the people in it."""

    adults = fields.Integer()
    children_0_4 = fields.Integer()
    children_5_11 = fields.Integer()
    children_12_17 = fields.Integer()
    people = fields.Integer()


class MemberSummaryOut(Schema):
    """A search result: enough to pick the right member at the desk."""

    membership_number = fields.String(
        metadata={"description": "8 characters, as stored: no hyphen, upper case"}
    )
    display_number = Computed(
        lambda m: display_number(m.membership_number),
        fields.String(metadata={"description": "As printed on the card: ABCD-EFGH"}),
    )
    first_name = fields.String()
    last_name = fields.String()
    postcode_district = fields.String()
    status = Computed(_status, fields.String(metadata={"enum": [s.value for s in MemberStatus]}))
    household = Computed(
        lambda m: {**m.household, "people": m.household_size}, fields.Nested(HouseholdOut)
    )
    expires_on = fields.Date(allow_none=True)
    review_due_on = fields.Date(allow_none=True)


class EligibilityOut(Schema):
    route = fields.String(metadata={"enum": list(ELIGIBILITY_ROUTES)})
    referral_agency = fields.String()
    referral_reference = fields.String()
    benefit = fields.String()


class ConsentFlagsOut(Schema):
    """Which consents the member has given and not withdrawn."""

    privacy_notice_given = fields.Boolean()
    survey = fields.Boolean()
    contact = fields.Boolean()


class MembershipFeeOut(Schema):
    """A joining fee (or the fee again at renewal) taken at the desk."""

    kind = fields.String(metadata={"enum": [k.value for k in FeeKind]})
    fee_pence = fields.Integer(metadata={"description": "The site's fee when it was taken"})
    amount_pence = fields.Integer(metadata={"description": "Paid: the fee, or 0 when waived"})
    method = fields.String(metadata={"enum": [m.value for m in FeeMethod]})
    reason = fields.String()
    recorded_at = fields.DateTime()
    local_date = fields.Date()


class RegistrationReviewOut(Schema):
    status = fields.String(
        attribute="review_status", metadata={"enum": [r.value for r in RegistrationReview]}
    )
    reason_code = fields.String(attribute="review_reason_code")
    reason = fields.String(attribute="review_reason")
    duplicate_of = Computed(
        lambda r: r.duplicate_of.membership_number if r.duplicate_of is not None else None,
        fields.String(allow_none=True, metadata={"description": "The existing member's number"}),
    )
    note = fields.String(attribute="review_note")
    reviewed_at = fields.DateTime(allow_none=True)


class OfflineRegistrationOut(Schema):
    """How a tablet registered the household offline, and the review of a possible duplicate."""

    provisional_number = fields.String()
    recorded_at = fields.DateTime()
    device = fields.String()
    synced_at = fields.DateTime()
    review = Computed(
        lambda r: r if r.review_status is not None else None,
        fields.Nested(RegistrationReviewOut, allow_none=True),
        metadata={"description": "null unless marked for review (a possible duplicate)"},
    )


class RegistrationReviewItemOut(OfflineRegistrationOut):
    """An offline registration marked for review, with the household it registered."""

    membership_number = fields.String(attribute="member.membership_number")
    display_number = Computed(lambda r: display_number(r.member.membership_number), fields.String())
    name = Computed(lambda r: f"{r.member.first_name} {r.member.last_name}", fields.String())
    member_status = Computed(
        lambda r: _status(r.member),
        fields.String(metadata={"enum": [s.value for s in MemberStatus]}),
    )


class RegistrationReviewListOut(Schema):
    items = fields.List(fields.Nested(RegistrationReviewItemOut))
    open = fields.Integer(metadata={"description": "How many wait for review"})


class MemberOut(MemberSummaryOut):
    """Everything held on the member, for the staff of the member's site."""

    site = fields.String(attribute="site.code")
    date_of_birth = fields.Date(allow_none=True)
    age_band = fields.String()
    postcode = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    eligibility = Computed(
        lambda m: {
            "route": m.eligibility_route,
            "referral_agency": m.referral_agency,
            "referral_reference": m.referral_reference,
            "benefit": m.benefit,
        },
        fields.Nested(EligibilityOut),
    )
    dietary = fields.List(fields.String())
    dietary_notes = fields.String()
    notes = fields.String()
    pregnancy_recorded = fields.Boolean()
    pregnancy_due_on = fields.Date(allow_none=True)
    pregnancy_consent_at = fields.DateTime(allow_none=True)
    care_of = fields.String(
        metadata={"description": "Where a household with no fixed address can be reached"}
    )
    door_note = fields.String()
    door_note_sensitive = fields.Boolean()
    door_note_consent_at = fields.DateTime(allow_none=True)
    status_reason = fields.String()
    joined_on = fields.Date()
    closed_on = fields.Date(allow_none=True)
    anonymised = Computed(lambda m: m.anonymised_at is not None, fields.Boolean())
    consents = Computed(lambda m: m.consent_flags(), fields.Nested(ConsentFlagsOut))
    consent_history = fields.List(fields.Nested(ConsentOut), attribute="consents")
    fees = fields.List(fields.Nested(MembershipFeeOut))
    offline_registration = fields.Nested(
        OfflineRegistrationOut,
        allow_none=True,
        metadata={"description": "null unless a tablet registered the household offline"},
    )
    monitoring = fields.Nested(
        MonitoringOut,
        metadata={
            "description": "The equality monitoring answers: for site managers only, absent"
            " for volunteers (who may ask the questions at registration but never read them)."
        },
    )


class WarningOut(Schema):
    code = fields.String()
    message = fields.String()


class RegistrationOut(MemberOut):
    warnings = fields.List(fields.Nested(WarningOut))


class MemberListOut(PageOut):
    items = fields.List(fields.Nested(MemberSummaryOut))
    hint = fields.String(
        allow_none=True,
        metadata={
            "description": "Why a number-shaped query found no one (a wrong check character)"
        },
    )


class AnonymisedOut(Schema):
    anonymised = Computed(lambda m: m.anonymised_at is not None, fields.Boolean())
    status = fields.String()
    anonymised_at = fields.DateTime(allow_none=True)


class _ControllerOut(Schema):
    site = fields.String()
    site_code = fields.String()


# A stored value as the export writes it: text, a number, true/false, a list or an object
# (JSON columns), or null. Rows differ by table, so the export keeps them as they are.
_STORED_VALUE = fields.Raw(
    allow_none=True,
    metadata={
        "anyOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
        ]
    },
)


def _row() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=_STORED_VALUE,
        metadata={"description": "A table row: column name -> stored value"},
    )


class ActivityOut(Schema):
    at = fields.DateTime()
    action = fields.String()


class MemberExportOut(Schema):
    """Subject access: the member's row, every row that refers to it, and what was done."""

    generated_at = fields.DateTime()
    controller = fields.Nested(_ControllerOut)
    member = _row()
    records = fields.Dict(
        keys=fields.String(),
        values=fields.List(_row()),
        metadata={"description": "Table name -> the rows in it that refer to the member"},
    )
    activity = fields.List(fields.Nested(ActivityOut))
