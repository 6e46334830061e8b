"""Member input validation and output shapes; output for staff of the member's own site only."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from supermarket.inputs import Email, Int, Str, limit_field
from supermarket.members.inputs import (
    Consents,
    Eligibility,
    FeePayment,
    Household,
    MemberChanges,
    NewMember,
    OfflineRecord,
)
from supermarket.members.models import (
    DIETARY_NEEDS,
    ConsentMethod,
    FeeMethod,
    MemberStatus,
)
from supermarket.members.names import clean_name
from supermarket.members.schemas.monitoring import monitoring_field
from supermarket.members.terms import AGE_BANDS, MAX_AGE, MIN_AGE, age_on
from supermarket.postcodes import normalise_postcode
from supermarket.sites.calendar import programme_today
from supermarket.sites.settings import ELIGIBILITY_ROUTES

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,24}$")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Free text with surrounding space trimmed; control characters refused (markup is escaped
    wherever the text is shown, so it is kept as typed)."""
    text = unicodedata.normalize("NFC", value).strip()
    if (_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(text.replace("\r\n", "\n")):
        raise ValidationError("Remove the control characters.")
    if any(unicodedata.category(ch) == "Cs" for ch in text):
        raise ValidationError("Remove the invalid characters.")
    return text


class Text(Str):
    """A trimmed single-line (or multi-line) text with a maximum length."""

    def __init__(self, *, max_length: int, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = clean_text(
            super()._deserialize(value, attr, data, **kwargs), multiline=self.multiline
        )
        if len(text) > self.max_length:
            raise ValidationError(f"Use {self.max_length} characters or fewer.")
        return text


class Name(Str):
    """A person's name in any script: 1 to 100 characters, no control characters or markup."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return clean_name(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class Postcode(Str):
    """A UK postcode by format, stored normalised: "cm201ab" -> "CM20 1AB"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        normal = normalise_postcode(super()._deserialize(value, attr, data, **kwargs))
        if normal is None:
            raise ValidationError("Enter a UK postcode, for example CM20 1AB.")
        return normal


class Phone(Str):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        digits = sum(ch.isdigit() for ch in text)
        if not _PHONE.match(text) or not 7 <= digits <= 15:
            raise ValidationError("Enter a phone number, for example 07700 900123.")
        return text


class WholeNumber(Int):
    """An integer that must arrive as a JSON number: "2", 2.5 and true are refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)


class Flag(fields.Boolean):
    """A JSON true or false, nothing else."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={True}, falsy={False}, **kwargs)


def check_date_of_birth(born: date) -> None:
    today = programme_today()
    if born > today:
        raise ValidationError("The date of birth cannot be in the future.")
    age = age_on(born, today)
    if age < MIN_AGE:
        raise ValidationError(f"The member must be at least {MIN_AGE}.")
    if age > MAX_AGE:
        raise ValidationError(f"Check the year: that makes the member older than {MAX_AGE}.")


def _children() -> WholeNumber:
    return WholeNumber(
        load_default=0, validate=validate.Range(min=0, max=20, error="Enter 0 to 20.")
    )


class HouseholdIn(Schema):
    adults = WholeNumber(
        required=True, validate=validate.Range(min=1, max=20, error="Enter 1 to 20 adults.")
    )
    children_0_4 = _children()
    children_5_11 = _children()
    children_12_17 = _children()

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Household:
        return Household(**data)


class EligibilityIn(Schema):
    route = Str(
        required=True,
        validate=validate.OneOf(ELIGIBILITY_ROUTES, error="Choose how the household is eligible."),
    )
    referral_agency = Text(max_length=120, load_default="")
    referral_reference = Text(max_length=60, load_default="")
    benefit = Text(max_length=60, load_default="")

    @validates_schema
    def _route_details(self, data: dict[str, Any], **_: Any) -> None:
        route = data.get("route")
        if route == "referral" and not data.get("referral_agency"):
            raise ValidationError("A referral needs the agency's name.", "referral_agency")
        if route != "referral":
            for name in ("referral_agency", "referral_reference"):
                if data.get(name):
                    raise ValidationError("Only for referrals.", name)
        if route != "benefits" and data.get("benefit"):
            raise ValidationError("Only for the benefits route.", "benefit")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Eligibility:
        return Eligibility(**data)


class ConsentsIn(Schema):
    privacy_notice_given = Flag(
        required=True,
        validate=validate.Equal(
            True, error="Give the member the privacy notice first: it is required."
        ),
    )
    survey = Flag(load_default=False)
    contact = Flag(load_default=False)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Consents:
        return Consents(**data)


class FeePaymentIn(Schema):
    """How the joining fee (or the fee again at renewal) was settled at the desk."""

    method = Str(
        required=True,
        validate=validate.OneOf([m.value for m in FeeMethod], error="Choose cash, card or waived."),
        metadata={"enum": [m.value for m in FeeMethod]},
    )
    paid_pence = WholeNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=10_000, error="Enter £0.00 to £100.00."),
        metadata={
            "description": "Pence paid: the whole fee for cash or card (the fee when left "
            "out); empty or 0 when waived."
        },
    )
    reason = Text(
        max_length=200, load_default="", metadata={"description": "Why the fee is waived."}
    )

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> FeePayment:
        return FeePayment(**data)


# A tablet's provisional number: "P-" and the tablet's short code and its own count, e.g.
# "P-7K3Q-12" (members.services.registration keeps it; the manager matches paper by it).
PROVISIONAL_NUMBER = validate.Regexp(
    r"^[A-Z0-9][A-Z0-9-]{2,19}$", error="Use capital letters, digits and hyphens (e.g. P-7K3Q-12)."
)


class OfflineRegistrationIn(Schema):
    """When and on which enrolled tablet a household was registered offline."""

    recorded_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "When the tablet recorded it (ISO 8601 with its offset)"},
    )
    device = Str(load_default="", validate=validate.Length(max=100))
    provisional_number = Str(
        required=True,
        validate=PROVISIONAL_NUMBER,
        metadata={"description": "The number the tablet gave the household, e.g. P-7K3Q-12"},
    )

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> OfflineRecord:
        return OfflineRecord(**data)


class _MemberFields(Schema):
    first_name = Name()
    last_name = Name()
    date_of_birth = fields.Date(validate=check_date_of_birth)
    postcode = Postcode()
    phone = Phone(allow_none=True)
    email = Email(allow_none=True, validate=validate.Length(max=254))
    household = fields.Nested(HouseholdIn)
    eligibility = fields.Nested(EligibilityIn)
    dietary = fields.List(
        Str(validate=validate.OneOf(DIETARY_NEEDS)),
        validate=validate.Length(max=len(DIETARY_NEEDS)),
    )
    dietary_notes = Text(max_length=500, multiline=True)

    @pre_load
    def _blank_means_none(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for name in ("phone", "email"):
                if isinstance(data.get(name), str) and not data[name].strip():
                    data[name] = None
        return data

    @post_load
    def _tidy(self, data: dict[str, Any], **_: Any) -> Any:
        if "dietary" in data:
            data["dietary"] = [d for d in DIETARY_NEEDS if d in set(data["dietary"])]
        if data.get("email"):
            data["email"] = data["email"].strip()
        return self._make(data)

    def _make(self, data: dict[str, Any]) -> Any:
        """What the schema loads to (one post_load hook: marshmallow orders hooks by name)."""
        return data


class MemberIn(_MemberFields):
    """Registration: everything the desk collects; unknown fields are refused."""

    first_name = Name(required=True)
    last_name = Name(required=True)
    date_of_birth = fields.Date(
        load_default=None,
        validate=check_date_of_birth,
        metadata={"description": "Required unless the site lets a household join without one"},
    )
    postcode = Postcode(
        load_default=None,
        metadata={"description": "Required except on the no_fixed_abode route"},
    )
    age_band = Str(
        load_default=None,
        validate=validate.OneOf(
            [label for _, label in AGE_BANDS], error="Choose an age band from the list."
        ),
        metadata={"description": "Only without a date of birth (where the site allows it)"},
    )
    care_of = Text(
        max_length=200,
        load_default="",
        metadata={"description": "Where a household with no fixed address can be reached"},
    )
    phone = Phone(load_default=None, allow_none=True)
    email = Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    household = fields.Nested(HouseholdIn, required=True)
    eligibility = fields.Nested(EligibilityIn, required=True)
    dietary = fields.List(
        Str(validate=validate.OneOf(DIETARY_NEEDS)),
        load_default=list,
        validate=validate.Length(max=len(DIETARY_NEEDS)),
    )
    dietary_notes = Text(max_length=500, multiline=True, load_default="")
    consents = fields.Nested(ConsentsIn, required=True)
    joining_fee = fields.Nested(
        FeePaymentIn,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "How the site's joining fee was settled: required where the site "
            "charges one (422 naming it otherwise), refused where it charges none."
        },
    )
    offline = fields.Nested(
        OfflineRegistrationIn,
        load_default=None,
        metadata={
            "description": "Sent by a tablet that registered the household offline, with an "
            "Idempotency-Key: refused (422) where the site does not allow offline "
            "registration; a possible duplicate is registered and marked for review."
        },
    )
    monitoring = monitoring_field(load_default=None)

    @validates_schema
    def _age_band_without_birth_date(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("age_band") is not None and data.get("date_of_birth") is not None:
            raise ValidationError("Only without a date of birth.", "age_band")

    def _make(self, data: dict[str, Any]) -> NewMember:
        return NewMember(**data)


class MemberUpdateIn(_MemberFields):
    """A change to a member: only the fields sent change. Volunteers may send contact details
    (phone, email, postcode); site managers anything here."""

    notes = Text(max_length=2000, multiline=True)
    pregnancy_recorded = fields.Boolean(
        metadata={
            "description": "A pregnancy in the household (for the Healthy Start prompt): true "
            "only with pregnancy_consent true; false clears it and its due date"
        }
    )
    pregnancy_due_on = fields.Date(allow_none=True, metadata={"description": "If they said"})
    pregnancy_consent = fields.Boolean(
        metadata={"description": "The member agreed that the pregnancy is recorded"}
    )
    monitoring = monitoring_field()

    @validates_schema
    def _pregnancy_with_consent(self, data: dict[str, Any], **_: Any) -> None:
        recorded = data.get("pregnancy_recorded")
        if recorded and data.get("pregnancy_consent") is not True:
            raise ValidationError(
                "Record a pregnancy only if the member agrees: ask them, and tick that they "
                "agreed.",
                "pregnancy_consent",
            )
        due = data.get("pregnancy_due_on")
        if due is not None and not recorded:
            raise ValidationError("Only with a pregnancy recorded.", "pregnancy_due_on")
        today = programme_today()
        if due is not None and not (
            today - timedelta(days=PREGNANCY_PAST_DAYS)
            <= due
            <= today + timedelta(days=PREGNANCY_AHEAD_DAYS)
        ):
            raise ValidationError(
                "Enter a due date within the next 10 months (or one just past).",
                "pregnancy_due_on",
            )

    def _make(self, data: dict[str, Any]) -> MemberChanges:
        return MemberChanges.sending(**data)


CONTACT_FIELDS = frozenset({"phone", "email", "postcode"})
# A due date: up to about 10 months ahead, or a few weeks past (a late entry).
PREGNANCY_AHEAD_DAYS = 300
PREGNANCY_PAST_DAYS = 60


class RenewIn(Schema):
    """A renewal: how the fee was settled where the site takes its joining fee again."""

    joining_fee = fields.Nested(
        FeePaymentIn,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Required where the site takes its joining fee again at renewal; "
            "refused otherwise."
        },
    )


class ReasonIn(Schema):
    reason = Text(max_length=200, required=True, validate=validate.Length(min=1))


class RegistrationReviewIn(Schema):
    """A site manager's decision on a household registered offline that may be a duplicate."""

    action = Str(
        required=True,
        validate=validate.OneOf(["keep", "close", "note"]),
        metadata={
            "description": "keep (a separate household), close (a duplicate: the note says "
            "why; its membership closes, nothing is merged) or note"
        },
    )
    note = Text(max_length=500, load_default="")


class OptionalReasonIn(Schema):
    reason = Text(max_length=200, load_default="")


class ConsentChangeIn(Schema):
    method = Str(
        load_default=ConsentMethod.IN_PERSON.value,
        validate=validate.OneOf([m.value for m in ConsentMethod if m is not ConsentMethod.IMPORT]),
    )


class EmptyIn(Schema):
    """An action that takes no fields: send {} or no body at all."""


class SearchQuery(Schema):
    q = Str(load_default="", validate=validate.Length(max=100))
    status = Str(load_default=None, validate=validate.OneOf([s.value for s in MemberStatus]))
    limit = limit_field()
    cursor = Str(load_default=None)


class CardsQuery(Schema):
    """Which cards to print: some members by number, or everyone registered on a day."""

    number = fields.List(
        Str(validate=validate.Length(max=32)),
        metadata={"description": "Membership numbers; repeat the parameter for each"},
    )
    registered_on = fields.Date(metadata={"description": "Everyone registered that day"})
