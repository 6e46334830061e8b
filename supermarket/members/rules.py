"""The rules of a new membership, as pure functions (no database, no clock, no request).

Registration at the desk, a change of details and the spreadsheet import all use these, so a
membership's status, its dates and the keys derived from a household's details are decided
in one place:

- `is_full`: whether a site's member cap leaves no place (the household then waits).
- `new_term`: a new membership's status, joining, expiry and first review dates.
- `household_keys`: the search keys, postcode district and cross-site match hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from supermarket.members.matching import household_match_hash
from supermarket.members.models import MemberStatus
from supermarket.members.names import search_key
from supermarket.members.terms import add_months
from supermarket.sites.settings import SiteSettings


def is_full(places_taken: int, cap: int | None) -> bool:
    """True when the site caps its members and every place is taken."""
    return cap is not None and places_taken >= cap


@dataclass(frozen=True)
class Term:
    """A new membership's status and dates."""

    status: MemberStatus
    joined_on: date
    expires_on: date | None
    review_due_on: date | None


def new_term(
    settings: SiteSettings,
    today: date,
    *,
    waiting: bool,
    joined_on: date | None = None,
    expires_on: date | None = None,
) -> Term:
    """The status and dates of a membership that starts now (or started on `joined_on`).

    On the waiting list there is no term yet: no expiry and no review. Otherwise the term
    runs for the site's membership term from joining, unless `expires_on` says when it ends
    (an imported membership); the review is due one review interval after joining, moved on
    by whole intervals until it is not past. A term that has already ended is lapsed.
    """
    joined = joined_on or today
    if waiting:
        return Term(MemberStatus.WAITING, joined, None, None)
    expires = expires_on or add_months(joined, settings.membership_term_months)
    review = add_months(joined, settings.review_interval_months)
    while review < today:
        review = add_months(review, settings.review_interval_months)
    status = MemberStatus.LAPSED if expires < today else MemberStatus.ACTIVE
    return Term(status, joined, expires, review)


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode: "CM20" of "CM20 1AB"."""
    return postcode.split(" ")[0]


@dataclass(frozen=True)
class HouseholdKeys:
    """What is derived from a household's names, date of birth and postcode."""

    first_name_key: str
    last_name_key: str
    # None when the date of birth or the postcode is unknown (nothing to match on).
    match_hash: str | None


def household_keys(
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    postcode: str | None,
    match_key: bytes,
) -> HouseholdKeys:
    """The names' search keys and the keyed hash that finds the household at other sites."""
    last_key = search_key(last_name)
    hashed = None
    if date_of_birth is not None and postcode is not None:
        hashed = household_match_hash(last_key, date_of_birth, postcode, match_key)
    return HouseholdKeys(search_key(first_name), last_key, hashed)
