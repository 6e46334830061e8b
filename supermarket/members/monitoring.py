"""Equality monitoring: the optional questions a household may answer about who it is, kept in
their own table (`member_monitoring`, one row per member) so that the member row the door reads
stays lean and the rule on who may read the answers has one place to live.

Every question is optional and never required. Each has "prefer not to say", which is an
answer; a question not asked (or cleared) is NULL, which is not. Volunteers may ask the
questions at the desk, but only site managers read the answers afterwards
(services/monitoring.py); reports show them only as aggregates under the disclosure rule.

The ethnic groups are the ONS 2021 census categories for England (19 detailed categories in
5 high-level groups): the detailed one is stored, reports count the high-level group.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from supermarket.models import Base, LabelledEnum, UTCDateTime, sql_values, utcnow

PREFER_NOT: Final = "prefer_not_to_say"
PREFER_NOT_LABEL: Final = "Prefer not to say"


class Gender(LabelledEnum):
    """The gender of the person registering (the household's lead member)."""

    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    ANOTHER = "another", "Another gender"
    PREFER_NOT_TO_SAY = PREFER_NOT, PREFER_NOT_LABEL


class EthnicGroup(LabelledEnum):
    """ONS 2021 census (England): the 19 detailed categories, by high-level group prefix."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Chinese"
    ASIAN_INDIAN = "asian_indian", "Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Pakistani"
    ASIAN_OTHER = "asian_other", "Any other Asian background"
    BLACK_AFRICAN = "black_african", "African"
    BLACK_CARIBBEAN = "black_caribbean", "Caribbean"
    BLACK_OTHER = "black_other", "Any other Black, Black British or Caribbean background"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Any other Mixed or Multiple ethnic background"
    WHITE_BRITISH = (
        "white_british",
        "English, Welsh, Scottish, Northern Irish or British",
    )
    WHITE_IRISH = "white_irish", "Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "Roma"
    WHITE_OTHER = "white_other", "Any other White background"
    OTHER_ARAB = "other_arab", "Arab"
    OTHER_ANY = "other_any", "Any other ethnic group"
    PREFER_NOT_TO_SAY = PREFER_NOT, PREFER_NOT_LABEL

    @property
    def group(self) -> str:
        """The high-level group ("asian", ..., "other"), or "prefer_not_to_say"."""
        return PREFER_NOT if self.value == PREFER_NOT else self.value.split("_", 1)[0]


class EthnicHighLevel(LabelledEnum):
    """ONS 2021's five high-level ethnic groups, as reports count them."""

    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"


class YesNo(LabelledEnum):
    """A household yes-or-no question."""

    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT_TO_SAY = PREFER_NOT, PREFER_NOT_LABEL


class Employment(LabelledEnum):
    """The employment situation of the household's adults, ONS-style (economic activity): one
    answer per household, the main situation of its adults (the person registering's, where
    they differ)."""

    EMPLOYED_FULL_TIME = "employed_full_time", "Employed full-time"
    EMPLOYED_PART_TIME = "employed_part_time", "Employed part-time"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    UNEMPLOYED = "unemployed", "Unemployed and looking for work"
    LONG_TERM_SICK = "long_term_sick", "Long-term sick or disabled"
    LOOKING_AFTER_HOME = "looking_after_home", "Looking after home or family"
    RETIRED = "retired", "Retired"
    STUDENT = "student", "Student"
    OTHER = "other", "Other"
    PREFER_NOT_TO_SAY = PREFER_NOT, PREFER_NOT_LABEL


# Each question: its key (the column, the API's field, the form's input), the question as the
# desk reads it, and its answers.
QUESTIONS: Final[dict[str, tuple[str, type[LabelledEnum]]]] = {
    "gender": ("What is your gender?", Gender),
    "ethnic_group": ("What is your ethnic group?", EthnicGroup),
    "disability": (
        "Does anyone in the household have a disability or long-term illness?",
        YesNo,
    ),
    "employment": (
        "What best describes the employment of the adults in the household?",
        Employment,
    ),
    "carer": ("Does the household include an unpaid carer?", YesNo),
    "veteran": ("Does the household include a veteran of the armed forces?", YesNo),
}
NOT_ASKED: Final = "not_asked"
NOT_ASKED_LABEL: Final = "Not asked"


def _check(column: str, enum: type[LabelledEnum]) -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR {column} IN ({sql_values(enum)})", name=column)


class MemberMonitoring(Base):
    """A member's answers to the monitoring questions: NULL is not asked (or cleared).

    Deleted (not blanked) when the member is anonymised; in the subject access export as a
    table referring to the member.
    """

    __tablename__ = "member_monitoring"
    __table_args__ = tuple(_check(key, enum) for key, (_, enum) in QUESTIONS.items())

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    gender: Mapped[str | None] = mapped_column(String(20), default=None)
    ethnic_group: Mapped[str | None] = mapped_column(String(30), default=None)
    disability: Mapped[str | None] = mapped_column(String(20), default=None)
    employment: Mapped[str | None] = mapped_column(String(20), default=None)
    carer: Mapped[str | None] = mapped_column(String(20), default=None)
    veteran: Mapped[str | None] = mapped_column(String(20), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    def answers(self) -> dict[str, str | None]:
        """Each question's stored answer (None: not asked)."""
        return {key: getattr(self, key) for key in QUESTIONS}

    def __repr__(self) -> str:
        return f"<MemberMonitoring member={self.member_id}>"


def answer_label(key: str, value: str | None) -> str:
    """An answer as a page shows it."""
    if value is None:
        return NOT_ASKED_LABEL
    return QUESTIONS[key][1](value).label
