"""Support services (the programme's and each site's) and the signposts and referrals of
members to them, with the referral's latest outcome."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.members.models import Member
from supermarket.models import Base, LabelledEnum, UTCDateTime, sql_values, utcnow
from supermarket.sites.models import Site

MAX_NAME = 120
MAX_PROVIDER = 120
MAX_PHONE = 30
MAX_EMAIL = 254
MAX_WEBSITE = 300
MAX_WALK_IN = 300
MAX_DESCRIPTION = 1000
MAX_NOTE = 500

# A referral still open (made, contacted or engaged) with no update for this many days is on
# the site manager's follow-up list. A constant for now, not a site setting.
FOLLOW_UP_DAYS = 14


class Category(LabelledEnum):
    BENEFITS_ADVICE = "benefits_advice", "Benefits advice"
    DEBT_ADVICE = "debt_advice", "Debt advice"
    ENERGY = "energy", "Energy"
    HOUSING = "housing", "Housing"
    EMPLOYMENT_SKILLS = "employment_skills", "Employment and skills"
    CHILDCARE_EARLY_YEARS = "childcare_early_years", "Childcare and early years"
    HEALTH_WELLBEING = "health_wellbeing", "Health and wellbeing"
    HEALTHY_START = "healthy_start", "Healthy Start"
    FOOD_OTHER = "food_other", "Other food help"
    OTHER = "other", "Other"


class ReferralKind(LabelledEnum):
    SIGNPOST = "signpost", "Signposted"  # information given
    REFERRAL = "referral", "Referred"  # passed on, with the member's consent


class ReferralStatus(LabelledEnum):
    MADE = "made", "Made"
    CONTACTED = "contacted", "Contacted"
    ENGAGED = "engaged", "Engaged"
    RESOLVED = "resolved", "Resolved"
    DECLINED = "declined", "Declined"
    NO_RESPONSE = "no_response", "No response"


# Still waiting to hear how it ended: these are followed up when nothing is heard.
OPEN_STATUSES = (ReferralStatus.MADE, ReferralStatus.CONTACTED, ReferralStatus.ENGAGED)


support_service_sites = Table(
    "support_service_sites",
    Base.metadata,
    Column(
        "service_id",
        ForeignKey("support_services.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SupportService(Base):
    """A service members can be signposted or referred to.

    `site_id` is the site that keeps the entry (its managers edit it); NULL for the
    programme's own entries (administrators edit them). The sites it serves are `sites`; a
    programme entry with `all_sites` serves every site, now and later.
    """

    __tablename__ = "support_services"
    __table_args__ = (CheckConstraint(f"category IN ({sql_values(Category)})", name="category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    provider: Mapped[str] = mapped_column(String(MAX_PROVIDER), default="")
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(MAX_PHONE), default="")
    email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="")
    website: Mapped[str] = mapped_column(String(MAX_WEBSITE), default="")
    walk_in: Mapped[str] = mapped_column(String(MAX_WALK_IN), default="")
    all_sites: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[Site | None] = relationship(foreign_keys=[site_id])
    sites: Mapped[list[Site]] = relationship(secondary=support_service_sites, order_by=Site.name)

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    @property
    def programme_wide(self) -> bool:
        return self.site_id is None

    def serves(self, site: Site) -> bool:
        return self.all_sites or any(s.id == site.id for s in self.sites)

    def __repr__(self) -> str:
        return f"<SupportService {self.id} {self.name!r}>"


class Referral(Base):
    """A signpost (information given) or a referral (passed on with the member's consent,
    recorded as given) of a member to a support service, at the member's site.

    `status` is the latest outcome and `status_on` the site's day it was heard of; a new
    record is `made` on `made_on`. `updated_at` is when staff last changed it.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(ReferralKind)})", name="kind"),
        CheckConstraint(f"status IN ({sql_values(ReferralStatus)})", name="status"),
        CheckConstraint("kind = 'signpost' OR consent_given", name="referral_has_consent"),
        Index("ix_referrals_site_status_on", "site_id", "status_on"),
        # Reporting: a period's signposts and referrals at each site.
        Index("ix_referrals_site_made_on", "site_id", "made_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))  # indexed with status_on
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("support_services.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(MAX_NOTE), default="")
    status: Mapped[str] = mapped_column(String(20), default=ReferralStatus.MADE.value)
    made_on: Mapped[date] = mapped_column(Date)
    status_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    member: Mapped[Member] = relationship()
    service: Mapped[SupportService] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def kind_label(self) -> str:
        return ReferralKind(self.kind).label

    @property
    def status_label(self) -> str:
        return ReferralStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.kind} member={self.member_id} {self.status}>"


class PromptKind(LabelledEnum):
    HEALTHY_START = "healthy_start", "Healthy Start"
    ADVICE = "advice", "Advice services"


class PromptOutcome(LabelledEnum):
    ACTED = "acted", "Acted on"  # a signpost or referral to a matching service recorded
    DISMISSED = "dismissed", "Dismissed"


class DismissReason(LabelledEnum):
    ALREADY_HAS = "already_has", "They already have it"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    MEMBER_DECLINED = "member_declined", "They did not want it"
    NOT_NOW = "not_now", "Not now"
    OTHER = "other", "Other"


MAX_PROMPT_NOTE = 200


class SupportPrompt(Base):
    """A prompt shown to the volunteer at check-in (Healthy Start, advice services) and what
    became of it: one row from the day it was first shown until it is acted on or dismissed.
    A prompt that comes back (see services.prompts) starts a new row, so reporting counts the
    households prompted in a period and those who then got a signpost or referral.
    """

    __tablename__ = "support_prompts"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(PromptKind)})", name="kind"),
        CheckConstraint(
            f"outcome IS NULL OR outcome IN ({sql_values(PromptOutcome)})", name="outcome"
        ),
        CheckConstraint(
            f"reason IS NULL OR reason IN ({sql_values(DismissReason)})", name="reason"
        ),
        CheckConstraint("reason IS NULL OR outcome = 'dismissed'", name="reason_if_dismissed"),
        CheckConstraint("outcome <> 'dismissed' OR reason IS NOT NULL", name="dismissed_reason"),
        CheckConstraint("(outcome IS NULL) = (outcome_on IS NULL)", name="outcome_on"),
        # The panel reads a member's prompts (one query); reporting counts by site and day.
        Index("ix_support_prompts_member_kind", "member_id", "kind"),
        Index("ix_support_prompts_site_first_shown_on", "site_id", "first_shown_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))  # indexed with first_shown_on
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))  # indexed with kind
    kind: Mapped[str] = mapped_column(String(20))
    first_shown_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(10), default=None)
    reason: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str] = mapped_column(String(MAX_PROMPT_NOTE), default="")
    outcome_on: Mapped[date | None] = mapped_column(Date, default=None)
    outcome_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SupportPrompt {self.id} {self.kind} member={self.member_id} {self.outcome}>"
