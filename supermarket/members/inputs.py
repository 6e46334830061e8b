"""What the members services take, as loaded by the members schemas (MemberIn,
MemberUpdateIn): typed values, already validated and tidied."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from supermarket.members.models import ConsentKind


@dataclass(frozen=True)
class Household:
    adults: int
    children_0_4: int = 0
    children_5_11: int = 0
    children_12_17: int = 0


@dataclass(frozen=True)
class Eligibility:
    route: str
    referral_agency: str = ""
    referral_reference: str = ""
    benefit: str = ""


@dataclass(frozen=True)
class Consents:
    privacy_notice_given: bool
    survey: bool = False
    contact: bool = False

    def given(self, kind: ConsentKind) -> bool:
        """Whether the member agreed to `kind` (the privacy notice is always given)."""
        if kind is ConsentKind.PRIVACY_NOTICE:
            return self.privacy_notice_given
        return self.survey if kind is ConsentKind.SURVEY else self.contact


@dataclass(frozen=True)
class FeePayment:
    """How a joining (or renewal) fee was settled at the desk: cash or card (the fee when
    `paid_pence` is left out), or waived (with a reason)."""

    method: str
    paid_pence: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class OfflineRecord:
    """When and on which tablet a household was registered offline, and the provisional
    number the tablet gave it until the server's number is known."""

    recorded_at: datetime
    provisional_number: str
    device: str = ""


@dataclass(frozen=True)
class NewMember:
    """A household to register: everything the desk (or a row of an import) collects."""

    first_name: str
    last_name: str
    # Either may be None: no postcode on the no-fixed-abode route, no date of birth where the
    # site allows it (`age_band` then); members.services.access.check_identity decides.
    date_of_birth: date | None
    postcode: str | None
    household: Household
    eligibility: Eligibility
    consents: Consents
    phone: str | None = None
    email: str | None = None
    dietary: list[str] = field(default_factory=list)
    dietary_notes: str = ""
    joining_fee: FeePayment | None = None
    offline: OfflineRecord | None = None
    # Equality monitoring answers given (members.monitoring; None: not asked).
    monitoring: dict[str, str | None] | None = None
    age_band: str | None = None
    care_of: str = ""


@dataclass(frozen=True)
class MemberChanges:
    """A change to a member's details: only the fields named in `sent` change (a phone or
    email sent as None is cleared)."""

    sent: frozenset[str]
    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    phone: str | None = None
    email: str | None = None
    household: Household | None = None
    eligibility: Eligibility | None = None
    dietary: list[str] = field(default_factory=list)
    dietary_notes: str = ""
    notes: str = ""
    # A pregnancy in the household, recorded only with the member's consent (ticked).
    pregnancy_recorded: bool = False
    pregnancy_due_on: date | None = None
    pregnancy_consent: bool = False
    # Equality monitoring answers to change (members.monitoring): site managers only.
    monitoring: dict[str, str | None] | None = None

    @classmethod
    def sending(cls, **values: Any) -> MemberChanges:
        """The changes with these fields sent."""
        return cls(sent=frozenset(values), **values)
