"""Prompts the volunteer acts on at check-in: Healthy Start and advice services.

- Healthy Start: the household has a child in the 0–4 band (the members model records
  children by age band, not their birthdays) or a pregnancy recorded with the member's
  consent, and its eligibility route is a qualifying benefit (the `benefits` route: the
  household said it gets one). The prompt never decides eligibility: it says the household
  *may* be able to get Healthy Start and offers the site's healthy_start service in one tap.
- Advice: the household's latest food survey scored very low food security (the caller says
  so: the surveys domain is the visits panel's to read). The prompt offers the site's benefits
  and debt advice services.

The words are for the volunteer's eyes and never name the survey's result or the household's
benefits ("Worth mentioning: ..."), as the screen may be turned towards the member.

A prompt is recorded (`SupportPrompt`) the first day it is shown, and ends when acted on (a
signpost or referral to a matching service, from the panel or the member's page) or
dismissed with a reason. When it may come back:

- dismissed `not_now`: from NOT_NOW_DAYS (28) days after the dismissal;
- dismissed for any other reason: not for DISMISSED_DAYS (365) days;
- acted on: Healthy Start never again; advice not for ACTED_ADVICE_DAYS (365) days after the
  latest benefits or debt advice signpost or referral.

The panel pays for this with at most two indexed queries (the member's prompts by
(member_id, kind), their matching referrals by member_id), and none when no prompt could
apply; the check-in itself does not compute prompts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.services import get_member, privacy
from supermarket.members.services.audited import on_member
from supermarket.models import utcnow
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.support.models import (
    MAX_PROMPT_NOTE,
    Category,
    DismissReason,
    PromptKind,
    PromptOutcome,
    Referral,
    SupportPrompt,
    SupportService,
)
from supermarket.transactions import write_aside

FIX = "Some fields need correcting."
# The eligibility routes that are a qualifying benefit for Healthy Start (sites' settings).
QUALIFYING_ROUTES = frozenset({"benefits"})
NOT_NOW_DAYS = 28
DISMISSED_DAYS = 365
ACTED_ADVICE_DAYS = 365

# The service categories that act on each prompt.
CATEGORIES: dict[str, tuple[str, ...]] = {
    PromptKind.HEALTHY_START.value: (Category.HEALTHY_START.value,),
    PromptKind.ADVICE.value: (Category.BENEFITS_ADVICE.value, Category.DEBT_ADVICE.value),
}
# For the volunteer's eyes: discreet, never the survey's result or the household's benefits.
MESSAGES: dict[str, tuple[str, str]] = {
    PromptKind.HEALTHY_START.value: (
        "Worth mentioning: Healthy Start",
        "They may be able to get help with milk, fruit, vegetables and infant formula. "
        "Mention it quietly; it is theirs to apply for.",
    ),
    PromptKind.ADVICE.value: (
        "Worth mentioning: free advice",
        "Benefits or debt advice may help: mention what is on offer, if they would like it.",
    ),
}


@dataclass(frozen=True)
class Prompt:
    """A prompt on the panel: its kind, the words, and the site's services that act on it."""

    kind: str
    message: str
    hint: str
    first_shown_on: date
    services: Sequence[SupportService] = field(default_factory=tuple)


def may_get_healthy_start(member: Member) -> bool:
    """A child in the 0–4 band or a pregnancy recorded with consent, on a qualifying benefit."""
    pregnant = member.pregnancy_recorded and member.pregnancy_consent_at is not None
    young_child = member.children_0_4 > 0
    return (young_child or pregnant) and member.eligibility_route in QUALIFYING_ROUTES


def _candidates(member: Member, *, very_low_food_security: bool) -> list[str]:
    kinds = []
    if may_get_healthy_start(member):
        kinds.append(PromptKind.HEALTHY_START.value)
    if very_low_food_security:
        kinds.append(PromptKind.ADVICE.value)
    return kinds


def _latest_rows(member: Member, kinds: Sequence[str]) -> dict[str, SupportPrompt]:
    rows = db.session.scalars(
        select(SupportPrompt)
        .where(SupportPrompt.member_id == member.id, SupportPrompt.kind.in_(kinds))
        .order_by(SupportPrompt.id)
    )
    return {row.kind: row for row in rows}  # the latest of each kind wins


def _latest_referrals(member: Member, kinds: Sequence[str]) -> dict[str, date]:
    """The day of the latest signpost or referral acting on each kind of prompt."""
    wanted = {category: kind for kind in kinds for category in CATEGORIES[kind]}
    found = db.session.execute(
        select(SupportService.category, Referral.made_on)
        .join(SupportService, SupportService.id == Referral.service_id)
        .where(Referral.member_id == member.id, SupportService.category.in_(wanted))
    )
    latest: dict[str, date] = {}
    for category, made_on in found:
        kind = wanted[category]
        if kind not in latest or made_on > latest[kind]:
            latest[kind] = made_on
    return latest


def _acted_recently(kind: str, on: date | None, today: date) -> bool:
    if on is None:
        return False
    if kind == PromptKind.HEALTHY_START:
        return True
    return today < on + timedelta(days=ACTED_ADVICE_DAYS)


def comes_back_on(row: SupportPrompt) -> date | None:
    """The day a closed prompt may be shown again; None for never (Healthy Start acted on)."""
    if row.outcome_on is None:
        return row.first_shown_on
    if row.outcome == PromptOutcome.ACTED:
        if row.kind == PromptKind.HEALTHY_START:
            return None
        return row.outcome_on + timedelta(days=ACTED_ADVICE_DAYS)
    days = NOT_NOW_DAYS if row.reason == DismissReason.NOT_NOW else DISMISSED_DAYS
    return row.outcome_on + timedelta(days=days)


def _showing(row: SupportPrompt | None, today: date) -> bool:
    if row is None or row.outcome is None:
        return True
    back = comes_back_on(row)
    return back is not None and today >= back


def prompts_for(
    member: Member,
    site: Site,
    today: date,
    *,
    very_low_food_security: bool,
    services: Sequence[SupportService],
    record: bool = True,
) -> list[Prompt]:
    """The prompts to show for a member of `site` at check-in today, each with the site's
    services that act on it (`services`: the site's active ones). With `record`, a prompt
    shown for the first time is recorded (written aside in a read request; the caller
    commits otherwise). Two panels opened at once may record it twice: the latest row is
    the one that counts, and reporting counts households."""
    kinds = _candidates(member, very_low_food_security=very_low_food_security)
    if not kinds:
        return []
    rows = _latest_rows(member, kinds)
    referred = _latest_referrals(member, kinds)
    prompts = []
    for kind in kinds:
        row = rows.get(kind)
        if _acted_recently(kind, referred.get(kind), today) or not _showing(row, today):
            continue
        first_shown_on = today
        if row is not None and row.outcome is None:
            first_shown_on = row.first_shown_on
        elif record:
            # The panel is a read: its bookkeeping is written aside (transactions).
            write_aside(
                insert(SupportPrompt).values(
                    site_id=site.id,
                    member_id=member.id,
                    kind=kind,
                    first_shown_on=today,
                    note="",
                    created_at=utcnow(),
                )
            )
        message, hint = MESSAGES[kind]
        matching = tuple(s for s in services if s.category in CATEGORIES[kind])
        prompts.append(Prompt(kind, message, hint, first_shown_on, matching))
    return prompts


def open_prompt(member: Member, kind: str) -> SupportPrompt | None:
    """The member's prompt of this kind shown and not yet acted on or dismissed."""
    return db.session.scalar(
        select(SupportPrompt)
        .where(
            SupportPrompt.member_id == member.id,
            SupportPrompt.kind == kind,
            SupportPrompt.outcome.is_(None),
        )
        .order_by(SupportPrompt.id.desc())
        .limit(1)
    )


def note_referral(member: Member, referral: Referral, service: SupportService) -> None:
    """A signpost or referral was recorded: an open prompt it acts on is acted on (called by
    record_referral, in its transaction)."""
    for kind, categories in CATEGORIES.items():
        if service.category not in categories:
            continue
        row = open_prompt(member, kind)
        if row is not None:
            row.outcome = PromptOutcome.ACTED.value
            row.outcome_on = referral.made_on
            row.outcome_by_id = referral.recorded_by_id
            row.referral_id = referral.id


def dismiss_prompt(
    site: Site, number: str, kind: str, reason: str, note: str = "", *, actor: User
) -> SupportPrompt:
    """Dismiss the member's open prompt of `kind` with a reason (and optionally a note):
    staff of the member's site (404 otherwise, or when no such prompt is showing); 422 naming
    the field for a bad reason or a note too long. Audited."""
    member = get_member(site, number, actor=actor)
    if kind not in {k.value for k in PromptKind}:
        raise NotFound("No such prompt.", code="prompt_not_found")
    errors = {}
    if reason not in {r.value for r in DismissReason}:
        errors["reason"] = "Choose why it is dismissed."
    note = (note or "").strip()
    if len(note) > MAX_PROMPT_NOTE:
        errors["note"] = f"Keep the note to {MAX_PROMPT_NOTE} characters or fewer."
    if errors:
        raise InvalidInput(FIX, fields=errors)
    row = open_prompt(member, kind)
    if row is None:
        raise NotFound("This prompt is not showing for the member.", code="prompt_not_found")
    row.outcome = PromptOutcome.DISMISSED.value
    row.reason = reason
    row.note = note
    row.outcome_on = site_today(site)
    row.outcome_by_id = actor.id
    db.session.flush()
    on_member("member.prompt_dismissed", member, actor, site.id, kind=kind, reason=reason)
    return row


def _clear_notes(member: Member) -> None:
    """On anonymisation: a dismissal's note may say something about the household."""
    db.session.execute(
        update(SupportPrompt).where(SupportPrompt.member_id == member.id).values(note="")
    )


privacy.ANONYMISE_HOOKS.append(_clear_notes)
