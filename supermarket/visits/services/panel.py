"""The member's panel at the check-in desk: who, what they may take, what is due, and any
rule in the way, worked out by the same rules check-in applies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members.models import DIETARY_LABELS, Member
from supermarket.members.services.access import DoorAccess, door_access
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.sites.settings import WEEKLY_SHOP, SiteSettings
from supermarket.support.models import SupportService
from supermarket.support.services import Prompt, prompts_for, services_for_site
from supermarket.surveys.models import SurveyAssessment
from supermarket.surveys.services import survey_due
from supermarket.visits.services import payments, visit_types
from supermarket.visits.services.allowance import Allowance, allowance_for
from supermarket.visits.services.checkin import can_override, find_member, home_settings
from supermarket.visits.services.dates import spoken_date
from supermarket.visits.services.requests import MAX_BAND_ITEMS
from supermarket.visits.services.rules import (
    LimitState,
    Problem,
    in_grace,
    limit_problem,
    limit_state,
    membership_problem,
)

RENEWAL_NOTICE_DAYS = 28
REVIEW_NOTICE_DAYS = 31
# Reasons offered on the check-in screen; "other" lets the volunteer type one.
OVERRIDE_REASONS = (
    "Hardship — manager agreed",
    "First visit after renewal",
    "Emergency referral",
)


@dataclass(frozen=True)
class Notice:
    """Something due, shown on the panel; `kind` "survey" gets a link to start the survey."""

    text: str
    kind: str = "due"


@dataclass
class Panel:
    """What the desk sees after a scan: who, what they may take, and anything in the way."""

    member: Member
    site: Site
    today: date
    allowance: Allowance
    limit: LimitState
    problems: list[Problem]
    notices: list[Notice]
    can_override: bool
    home_site: Site | None = None  # set when the member belongs to another site
    override_reasons: tuple[str, ...] = OVERRIDE_REASONS
    max_band_items: int = MAX_BAND_ITEMS  # the most one band's count may be
    # The site's support services (the panel's "Support" short list) and the prompts for the
    # volunteer: for the site's own members only.
    support_services: Sequence[SupportService] = ()
    prompts: Sequence[Prompt] = ()
    # Each of the site's visit types with what it allows today (the weekly shop first); the
    # desk asks which only when there is more than one.
    offers: Sequence[visit_types.TypeOffer] = ()

    @property
    def asks_type(self) -> bool:
        return len(self.offers) > 1

    @property
    def chosen_offer(self) -> visit_types.TypeOffer | None:
        """The type the desk's form starts on: the first allowed, else the first that may be
        overridden (None: every type is refused)."""
        return next((o for o in self.offers if o.allowed), None) or next(
            (o for o in self.offers if not o.blocked), None
        )

    # How today's visit is paid (payments.panel_payment): the model, points, membership fee.
    payment: dict[str, Any] = field(default_factory=dict)
    access: DoorAccess | None = None  # the door note this user may see, and the proxies

    @property
    def blocked(self) -> bool:
        if self.asks_type:
            return self.chosen_offer is None
        return any(not p.overridable for p in self.problems)

    @property
    def needs_override(self) -> bool:
        if self.asks_type:
            chosen = self.chosen_offer
            return chosen is not None and chosen.needs_override
        return bool(self.problems) and not self.blocked

    @property
    def may_need_override(self) -> bool:
        """Whether any type the desk may choose needs an override (the form's reasons)."""
        if self.asks_type:
            return any(o.needs_override for o in self.offers)
        return self.needs_override

    @property
    def household_text(self) -> str:
        """ "Household of 4 (2 adults, 2 children)" """
        m = self.member
        parts = [f"{m.adults} adult{'s' if m.adults != 1 else ''}"]
        if m.children:
            parts.append(f"{m.children} child{'ren' if m.children != 1 else ''}")
        return f"Household of {m.household_size} ({', '.join(parts)})"

    @property
    def children_parts(self) -> list[str]:
        """ "1 aged 0–4", "2 aged 5–11": the children by age band."""
        m = self.member
        bands = ((m.children_0_4, "0–4"), (m.children_5_11, "5–11"), (m.children_12_17, "12–17"))
        return [f"{n} aged {ages}" for n, ages in bands if n]

    @property
    def visits_left_text(self) -> str:
        period = "in the last 7 days" if self.limit.rolling else "this week"
        left = self.limit.left
        if left == 0:
            return f"No visits left {period}"
        return f"{left} visit{'s' if left != 1 else ''} left {period}"

    @property
    def dietary(self) -> list[str]:
        return [DIETARY_LABELS.get(d, d) for d in self.member.dietary]


def survey_notice(member: Member, today: date) -> Notice | None:
    """The food survey due at this visit (baseline or follow-up), from the surveys package;
    the panel links to the tablet survey."""
    due = survey_due(member, today)
    if due is None:
        return None
    return Notice(f"{due.label} due: ask if they would answer a few short questions.", "survey")


def notices_for(member: Member, home: SiteSettings, today: date, *, own_site: bool) -> list[Notice]:
    """What is due: renewal, review, the grace period and, for the site's own members, the
    food survey."""
    notes: list[Notice] = []
    grace_until = in_grace(member, home, today)
    if grace_until is not None and member.expires_on is not None:
        notes.append(
            Notice(
                f"Membership ended on {spoken_date(member.expires_on, today)} — renew? It can "
                f"still be used until {spoken_date(grace_until, today)}.",
                "renewal",
            )
        )
    elif member.expires_on is not None and today <= member.expires_on <= today + timedelta(
        days=RENEWAL_NOTICE_DAYS
    ):
        notes.append(
            Notice(
                f"Renewal due: membership ends on {spoken_date(member.expires_on, today)}.",
                "renewal",
            )
        )
    if member.review_due_on is not None:
        if member.review_due_on < today:
            notes.append(
                Notice(
                    f"Review overdue since {spoken_date(member.review_due_on, today)}.", "review"
                )
            )
        elif member.review_due_on <= today + timedelta(days=REVIEW_NOTICE_DAYS):
            notes.append(
                Notice(f"Review due on {spoken_date(member.review_due_on, today)}.", "review")
            )
    survey = survey_notice(member, today) if own_site else None
    if survey is not None:
        notes.append(survey)
    return notes


def checkin_panel(site: Site, number: str, *, actor: User, now: datetime | None = None) -> Panel:
    """The member's panel at the desk, with the same rules check-in applies (audited: it
    shows household and dietary details)."""
    ensure_works_at(actor, site)
    member = find_member(site, number, actor=actor)
    settings = site.settings
    home = home_settings(member, site, settings)
    today = site_today(site, now)
    state = limit_state(member, settings, today)
    membership = membership_problem(member, home, today)
    problems = [p for p in (membership, limit_problem(state, today)) if p]
    audit.record_on("member.viewed_at_checkin", "member", member.id, actor, site.id)
    support, prompts = support_for(member, site, today)
    # The payment the panel shows is the weekly shop's (the type the desk starts on at most
    # sites); a check-in of another type is settled by that type's own model.
    kind = visit_types.chosen_type(settings, WEEKLY_SHOP)
    paying = payments.panel_payment(kind, settings, member, site.id, today)
    notices = notices_for(member, home, today, own_site=member.site_id == site.id)
    notices += [Notice(text, "payment") for text in (payments.panel_notice(paying),) if text]
    return Panel(
        member=member,
        site=site,
        today=today,
        allowance=allowance_for(settings, member.household_size),
        limit=state,
        problems=problems,
        notices=notices,
        can_override=can_override(settings, actor),
        home_site=member.site if member.site_id != site.id else None,
        support_services=support,
        prompts=prompts,
        offers=visit_types.offers(member, settings, today, state, membership),
        payment=paying,
        access=door_access(member, site),
    )


def very_low_food_security(member: Member) -> bool:
    """Whether the member's latest food survey scored very low food security (one query on
    the (member_id, timepoint) index)."""
    latest = db.session.scalar(
        select(SurveyAssessment.category_10)
        .where(SurveyAssessment.member_id == member.id)
        .order_by(SurveyAssessment.timepoint.desc())
        .limit(1)
    )
    return latest == "very_low"


def support_for(
    member: Member, site: Site, today: date
) -> tuple[list[SupportService], list[Prompt]]:
    """The site's support services and the prompts for one of its own members (none for a
    member of another site, whose support their own site keeps)."""
    if member.site_id != site.id or member.anonymised_at is not None:
        return [], []
    support = services_for_site(site)
    prompts = prompts_for(
        member,
        site,
        today,
        very_low_food_security=very_low_food_security(member),
        services=support,
    )
    return support, prompts
