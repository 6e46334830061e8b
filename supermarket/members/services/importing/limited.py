"""Rows without a date of birth or a postcode (no fixed abode, an age band instead): the usual
duplicate check (surname, date of birth and postcode) cannot be made, so, as at the desk
(members.services.access.limited_duplicate_check, in its words), the row is checked on what is
known, against the rows before it in the file and the site's members. A match is a warning
kept with the report, never a refusal: two people may share a name."""

from __future__ import annotations

from datetime import date

from supermarket.members.services import access
from supermarket.members.services.importing.report import KEEP_ERRORS, ImportReport, RowError
from supermarket.members.services.importing.rows import Row
from supermarket.sites.models import Site

# What is known of a row: (surname, date of birth), (name, postcode) or the name alone.
Known = tuple[str, str, date | None, str | None]


def _known(row: Row) -> tuple[Known, str]:
    keys, data = row.keys, row.data
    if data.date_of_birth is not None:
        return ("", keys.last_name_key, data.date_of_birth, None), "surname and date of birth"
    return (keys.first_name_key, keys.last_name_key, None, data.postcode), "name"


class LimitedChecks:
    """One import's limited checks: the rows seen by what is known of them."""

    def __init__(self, site: Site, report: ImportReport) -> None:
        self.site = site
        self.report = report
        self.seen: dict[Known, int] = {}

    def check(self, row: Row) -> None:
        self.report.limited_checks += 1
        known, what = _known(row)
        earlier = self.seen.setdefault(known, row.line)
        if earlier != row.line:
            self.warn(
                row,
                f"Line {earlier} has the same {what}: check it is not the same household.",
            )
            return
        data = row.data
        for warning in access.limited_duplicate_check(
            self.site, row.keys, data.date_of_birth, data.postcode
        ):
            if warning["code"] == "possible_duplicate":
                self.warn(row, warning["message"])

    def warn(self, row: Row, message: str) -> None:
        if len(self.report.warnings) < KEEP_ERRORS:
            self.report.warnings.append(
                RowError(row.line, "last_name", message, row.data.last_name)
            )
