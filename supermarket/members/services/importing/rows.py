"""Reading one row: its cells into the input the desk's registration schema loads, checked by
the same schema and rules as the desk, with every problem named by column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import ValidationError

from supermarket.errors import InvalidInput
from supermarket.members import rules
from supermarket.members.forms import HOUSEHOLD
from supermarket.members.inputs import NewMember
from supermarket.members.schemas import MemberIn, MemberUpdateIn
from supermarket.members.services import access
from supermarket.members.services.importing import cells
from supermarket.members.services.registration import check_eligibility
from supermarket.sites.models import Site
from supermarket.sites.settings import NO_FIXED_ABODE, SiteSettings

# The notes column, held to the same rules as a manager's notes on a member's page.
_NOTES = MemberUpdateIn().fields["notes"]
_NO_KEYS = rules.HouseholdKeys("", "", None)
# (column, problem, the cell as written)
Problem = tuple[str, str, str]


@dataclass
class Row:
    """A good row, loaded as the desk's registration would load it."""

    line: int
    data: NewMember
    joined_on: date | None
    expires_on: date | None
    notes: str
    keys: rules.HouseholdKeys = _NO_KEYS  # set when the row is added to a batch


@dataclass
class _Cells:
    """One row's cells, and the problems found reading them."""

    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def read(self, column: str, parse: Callable[[str], Any]) -> Any:
        """The cell through `parse`, or None with its ValueError kept as a problem."""
        try:
            return parse(self.get(column))
        except ValueError as exc:
            self.problems.append((column, str(exc), self.get(column)))
            return None


class RowReader:
    """Reads the rows of one site's file (one schema for the whole file: building one per row
    costs more than the checks)."""

    def __init__(self, site: Site, settings: SiteSettings, today: date) -> None:
        self.site = site
        self.settings = settings
        self.today = today
        self.schema = MemberIn()

    def read(self, line: int, values: dict[str, str]) -> tuple[Row | None, list[Problem]]:
        """The row, or None and every problem found in it."""
        row = _Cells(values)
        born = row.read("date_of_birth", cells.parse_date)
        joined = row.read("joined_on", cells.parse_date)
        expires = row.read("expires_on", cells.parse_date)
        payload = _payload(row)
        if born is not None:
            payload["date_of_birth"] = born.isoformat()
        elif "date_of_birth" in {p[0] for p in row.problems}:
            pass
        elif not self.settings.date_of_birth_optional:
            row.problems.append(("date_of_birth", "This is needed.", ""))
        if not row.get("adults").strip():
            payload["household"].pop("adults")
        data = self._load(payload, row)
        if joined is not None and joined > self.today:
            row.problems.append(("joined_on", "Cannot be in the future.", row.get("joined_on")))
        notes = ""
        try:
            notes = _NOTES.deserialize(row.get("notes"))
        except ValidationError as exc:
            row.problems.extend(("notes", str(m), row.get("notes")) for m in exc.messages)
        if data is not None and not row.problems:
            # Issue 16: no postcode on the no-fixed-abode route, an age band instead of the
            # date of birth where the site allows it: the desk's own check.
            self._check(access.check_identity, row, self.settings, data)
        if data is not None and not row.problems:
            self._check_eligibility(payload["eligibility"]["route"], data.postcode or "", row)
        if row.problems or data is None:
            return None, row.problems
        return Row(line, data, joined, expires, notes), []

    def _load(self, payload: dict[str, Any], row: _Cells) -> NewMember | None:
        try:
            data: NewMember = self.schema.load(payload)
        except ValidationError as exc:
            for column, message in cells.flatten(exc.messages):
                if message == "Missing data for required field.":
                    message = "This is needed."
                row.problems.append((column, message, row.get(column)))
            return None
        return data

    def _check_eligibility(self, route: str, postcode: str, row: _Cells) -> None:
        self._check(check_eligibility, row, self.site, self.settings, route, postcode)

    @staticmethod
    def _check(rule: Callable[..., None], row: _Cells, *args: Any) -> None:
        """Run one of the desk's rules, its refusal kept as problems by column."""
        try:
            rule(*args)
        except InvalidInput as exc:
            for column, message in cells.flatten(exc.fields):
                row.problems.append((column, message, row.get(column)))


def _payload(row: _Cells) -> dict[str, Any]:
    """The row's cells as the registration schema's input (dates apart)."""
    flags: dict[str, bool] = {}
    for column, name in (
        ("privacy_notice_given", "privacy_notice_given"),
        ("survey_consent", "survey"),
        ("contact_consent", "contact"),
    ):
        try:
            flags[name] = cells.flag(row.get(column), column)
        except ValueError as exc:
            row.problems.append((column, str(exc), row.get(column)))
    eligibility: dict[str, Any] = {"route": cells.route(row.get("eligibility_route"))}
    for name in ("referral_agency", "referral_reference", "benefit"):
        if row.get(name).strip():
            eligibility[name] = row.get(name)
    extra: dict[str, Any] = {}
    if not row.get("postcode").strip() and eligibility["route"] == NO_FIXED_ABODE:
        extra["postcode"] = None  # the route that needs none (access.check_identity)
    for name in ("age_band", "care_of"):
        if row.get(name).strip():
            extra[name] = row.get(name).strip()
    return {
        "first_name": row.get("first_name"),
        "last_name": row.get("last_name"),
        "postcode": row.get("postcode"),
        "phone": row.get("phone") or None,
        "email": row.get("email").strip() or None,
        "household": {name: cells.number(row.get(name)) for name in HOUSEHOLD},
        "eligibility": eligibility,
        "dietary": cells.dietary(row.get("dietary")),
        "dietary_notes": row.get("dietary_notes"),
        "consents": flags,
        **extra,
    }
