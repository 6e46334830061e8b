"""What an import did: the problems found in its rows, and its summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from supermarket import spreadsheets

# Problems kept in the report (all of them go to the error sink).
KEEP_ERRORS = 1000
# The error CSV's columns (written through supermarket.spreadsheets, formula-safe).
ERROR_COLUMNS = ("line", "column", "problem", "value")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    problem: str
    value: str = ""

    def as_csv_row(self) -> list[str]:
        """The problem as a row of ERROR_COLUMNS, for a spreadsheets.writer."""
        return [str(self.line), self.column, self.problem, self.value]


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    source: str = ""
    dry_run: bool = False
    skip_bad_rows: bool = False
    rows: int = 0
    imported: int = 0
    waiting: int = 0
    bad_rows: int = 0
    duplicates: int = 0
    member_elsewhere: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Rows without a date of birth or a postcode (issue 16): checked for duplicates on what
    # is known only, as the desk does; a possible duplicate is a warning, never a refusal.
    limited_checks: int = 0
    warnings: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    fatal: str | None = None
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        """True when the good rows were (or, in a dry run, would be) imported."""
        return self.fatal is None and (self.bad_rows == 0 or self.skip_bad_rows)

    @property
    def summary(self) -> str:
        if self.fatal:
            return f"Nothing imported: {self.fatal}"
        verb = "would be imported" if self.dry_run else "imported"
        if not self.ok:
            return (
                f"Nothing imported: {self.bad_rows} of {self.rows} rows have problems. "
                "Correct them, or choose to import only the good rows."
            )
        text = f"{self.imported} of {self.rows} rows {verb}"
        if self.bad_rows:
            text += f"; {self.bad_rows} rows with problems were left out"
        return text + "." + self.limited_text

    @property
    def limited_text(self) -> str:
        """What the desk says of a household without a date of birth or postcode."""
        if not self.limited_checks:
            return ""
        rows = "1 row" if self.limited_checks == 1 else f"{self.limited_checks} rows"
        return (
            f" {rows} without a date of birth or a postcode: duplicates checked on what is "
            "known only, and not at other sites."
        )


def errors_csv(errors: list[RowError]) -> str:
    """The problems as CSV text (the same layout the command line writes)."""
    return spreadsheets.csv_text([ERROR_COLUMNS, *(error.as_csv_row() for error in errors)])
