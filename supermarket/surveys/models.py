"""Food-insecurity assessments: one row per survey taken, with the raw answers and their scores."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.members.models import Member
from supermarket.models import Base, IdKey, LabelledEnum, UTCDateTime, utcnow
from supermarket.surveys import scoring

# The module as published by USDA ERS (September 2012 revision of the three-stage design with
# screeners), asked with the 30-day reference period. Changing the wording means a new version.
INSTRUMENT_VERSION: Final = "USDA ERS 2012, 30-day"


class SurveyKind(enum.StrEnum):
    BASELINE = "baseline"
    FOLLOW_UP = "follow_up"


class SurveyMode(LabelledEnum):
    """Who held the tablet: the member (self) or a volunteer reading the questions aloud."""

    SELF = "self", "Answered on the tablet"
    INTERVIEWER = "interviewer", "Read by a volunteer"


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class SupportAnswer(LabelledEnum):
    """The optional follow-up question about the help a member was put in touch with (asked
    only when they were signposted or referred before the follow-up; never scored)."""

    YES_A_LOT = "yes_a_lot", "Yes, a lot"
    YES_A_LITTLE = "yes_a_little", "Yes, a little"
    NO = "no", "No"
    NOT_USED = "not_used", "I didn't use it"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


SUPPORT_QUESTION: Final = "Did the help you were put in touch with make a difference?"


class SurveyAssessment(IdKey, Base):
    """One food-insecurity survey a member answered: baseline (timepoint 0) or a follow-up.

    The raw answers are kept so that every score can be recomputed under a later scoring rule;
    `rule_version` says which rule produced the stored scores. Rows stay when a member is
    anonymised (the member row keeps no personal data then), so outcome statistics hold.
    """

    __tablename__ = "survey_assessments"
    __table_args__ = (
        # One baseline (timepoint 0) and one follow-up per time point for each member; it also
        # serves as the index on member_id. Concurrent submissions meet here.
        UniqueConstraint("member_id", "timepoint"),
        # Site-scoped counts and reporting periods; it also serves as the index on site_id.
        Index("ix_survey_assessments_site_kind_date", "site_id", "kind", "local_date"),
        CheckConstraint(_in("kind", tuple(k.value for k in SurveyKind)), name="kind"),
        CheckConstraint(_in("mode", tuple(m.value for m in SurveyMode)), name="mode"),
        CheckConstraint("(kind = 'baseline') = (timepoint = 0)", name="baseline_at_zero"),
        CheckConstraint("timepoint IN (0, 3, 6)", name="timepoint"),
        CheckConstraint("raw_score_10 >= 0 AND raw_score_10 <= 10", name="raw_score_10"),
        CheckConstraint("raw_score_6 >= 0 AND raw_score_6 <= 6", name="raw_score_6"),
        CheckConstraint(_in("category_10", scoring.CATEGORIES_10), name="category_10"),
        CheckConstraint(_in("category_6", scoring.CATEGORIES_6), name="category_6"),
        CheckConstraint("dont_know_or_refused >= 0", name="dont_know_or_refused"),
        CheckConstraint(
            "support_answer IS NULL OR "
            + _in("support_answer", tuple(a.value for a in SupportAnswer)),
            name="support_answer",
        ),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(12))
    # Months after the baseline: 0 for the baseline itself, 3 or 6 for a follow-up.
    timepoint: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(12))

    instrument: Mapped[str] = mapped_column(String(120), default=scoring.INSTRUMENT)
    instrument_version: Mapped[str] = mapped_column(String(40), default=INSTRUMENT_VERSION)
    reference_period: Mapped[str] = mapped_column(String(8), default=scoring.REFERENCE_PERIOD)
    # Item code -> answer exactly as given ("often", "yes", 5, "dont_know", ...), items in the
    # module's order; items the screening order skipped are absent.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)

    raw_score_10: Mapped[int] = mapped_column(Integer)
    category_10: Mapped[str] = mapped_column(String(12))
    raw_score_6: Mapped[int] = mapped_column(Integer)
    category_6: Mapped[str] = mapped_column(String(20))
    # 10-item low or very low food security.
    food_insecure: Mapped[bool] = mapped_column(Boolean)
    hunger_vital_sign_positive: Mapped[bool] = mapped_column(Boolean)
    dont_know_or_refused: Mapped[int] = mapped_column(Integer)
    # False with 3 or more don't-know/refused answers: left out of outcome analysis.
    complete: Mapped[bool] = mapped_column(Boolean)
    rule_version: Mapped[str] = mapped_column(String(40))

    # A follow-up's optional answer to SUPPORT_QUESTION (SupportAnswer); never scored, never
    # affects membership. NULL: not asked (a baseline, no referral before) or not answered.
    support_answer: Mapped[str | None] = mapped_column(String(20), default=None)

    local_date: Mapped[date] = mapped_column(Date)  # the site's date when it was taken
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The signed-in staff member: the volunteer who read it, or whose tablet the member used.
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # A retried submission (tablet on poor Wi-Fi, API client) carries the same key and gets
    # the first result back instead of a second row or a refusal.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)

    member: Mapped[Member] = relationship()

    def __repr__(self) -> str:
        return f"<SurveyAssessment {self.kind} t={self.timepoint} member={self.member_id}>"
