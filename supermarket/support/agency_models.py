"""Referral agencies and their inbound referrals: the register of agencies that refer
households to the sites (Citizens Advice, the council's early-help team, schools, GP social
prescribers, Jobcentre Plus ...), and the households an agency's referrer refers to a site,
with the site's decision.

An inbound referral carries the household's details, given with their consent, so that the
site can register them in one step; once accepted it points at the member it became, and its
personal details are cleared when that member is anonymised. Reports read `agency.kind`,
`created_at`, `decided_at` and `member_id` (time to a first visit comes from visits).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.members.models import Member
from supermarket.models import Base, LabelledEnum, UTCDateTime, sql_values, utcnow
from supermarket.sites.models import Site

MAX_AGENCY_NAME = 120
MAX_PHONE = 30
MAX_EMAIL = 254
MAX_PERSON_NAME = 100
MAX_POSTCODE = 10
MAX_REASON = 1000
MAX_DECLINE_REASON = 500


class AgencyKind(LabelledEnum):
    CITIZENS_ADVICE = "citizens_advice", "Citizens Advice"
    COUNCIL_EARLY_HELP = "council_early_help", "Council early-help team"
    SCHOOL = "school", "School"
    GP_SOCIAL_PRESCRIBER = "gp_social_prescriber", "GP social prescriber"
    JOBCENTRE_PLUS = "jobcentre_plus", "Jobcentre Plus"
    HOUSING = "housing", "Housing"
    CHARITY = "charity", "Charity"
    OTHER = "other", "Other"


class Urgency(LabelledEnum):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class InboundStatus(LabelledEnum):
    PENDING = "pending", "Waiting for the site"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


referral_agency_sites = Table(
    "referral_agency_sites",
    Base.metadata,
    Column(
        "agency_id",
        ForeignKey("referral_agencies.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ReferralAgency(Base):
    """An agency that refers households to the sites in `sites`; administrators keep the
    register. An agency is never deleted (set not active), so its referrals keep it."""

    __tablename__ = "referral_agencies"
    __table_args__ = (CheckConstraint(f"kind IN ({sql_values(AgencyKind)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_AGENCY_NAME), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str] = mapped_column(String(MAX_PHONE), default="")
    email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sites: Mapped[list[Site]] = relationship(secondary=referral_agency_sites, order_by=Site.name)

    @property
    def kind_label(self) -> str:
        return AgencyKind(self.kind).label

    def refers_to(self, site: Site) -> bool:
        return any(s.id == site.id for s in self.sites)

    def __repr__(self) -> str:
        return f"<ReferralAgency {self.id} {self.name!r}>"


class InboundReferral(Base):
    """A household an agency refers to a site, with their consent (a CHECK holds it).

    `status` is pending until the site accepts it (`member_id` is then the member it became
    or was matched to) or declines it (`decline_reason` is for the agency to read).
    """

    __tablename__ = "inbound_referrals"
    __table_args__ = (
        CheckConstraint(f"urgency IN ({sql_values(Urgency)})", name="urgency"),
        CheckConstraint(f"status IN ({sql_values(InboundStatus)})", name="status"),
        CheckConstraint("consent_given", name="consent_given"),
        Index("ix_inbound_referrals_site_status", "site_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("referral_agencies.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))  # indexed with status
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    first_name: Mapped[str] = mapped_column(String(MAX_PERSON_NAME))
    last_name: Mapped[str] = mapped_column(String(MAX_PERSON_NAME))
    date_of_birth: Mapped[date | None] = mapped_column(Date, default=None)
    postcode: Mapped[str] = mapped_column(String(MAX_POSTCODE))
    phone: Mapped[str] = mapped_column(String(MAX_PHONE), default="")
    email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="")
    adults: Mapped[int] = mapped_column(Integer, default=1)
    children_0_4: Mapped[int] = mapped_column(Integer, default=0)
    children_5_11: Mapped[int] = mapped_column(Integer, default=0)
    children_12_17: Mapped[int] = mapped_column(Integer, default=0)
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(10), default=Urgency.ROUTINE.value)
    status: Mapped[str] = mapped_column(String(10), default=InboundStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decline_reason: Mapped[str] = mapped_column(String(MAX_DECLINE_REASON), default="")
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id"), index=True, default=None
    )

    agency: Mapped[ReferralAgency] = relationship()
    site: Mapped[Site] = relationship()
    member: Mapped[Member | None] = relationship()
    referred_by: Mapped[User | None] = relationship(foreign_keys=[referred_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return InboundStatus(self.status).label

    @property
    def urgency_label(self) -> str:
        return Urgency(self.urgency).label

    @property
    def household_size(self) -> int:
        return self.adults + self.children_0_4 + self.children_5_11 + self.children_12_17

    def __repr__(self) -> str:
        return f"<InboundReferral {self.id} agency={self.agency_id} {self.status}>"
