"""Consents a member gives or withdraws (survey, contact): who, when and how, audited."""

from __future__ import annotations

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import NotFound, RuleViolation
from supermarket.extensions import db
from supermarket.members.models import ConsentKind, ConsentMethod, Member, MemberConsent
from supermarket.members.services import audited
from supermarket.models import utcnow


def _add_consent(
    member: Member, kind: ConsentKind, method: ConsentMethod, actor: User | None
) -> MemberConsent:
    consent = MemberConsent(
        member=member,
        site_id=member.site_id,
        kind=kind.value,
        given_at=utcnow(),
        given_by_id=actor.id if actor else None,
        given_method=method.value,
    )
    db.session.add(consent)
    return consent


def give_consent(member: Member, kind: str, method: str, *, actor: User) -> MemberConsent:
    """Record a consent the member gives now (who, when, how); giving it again changes nothing."""
    ensure_works_at(actor, member.site, hidden_as="member")
    consent_kind = _consent_kind(kind)
    current = member.active_consents().get(consent_kind.value)
    if current is not None:
        return current
    consent = _add_consent(member, consent_kind, ConsentMethod(method), actor)
    _audit("member.consent_given", member, consent_kind, method, actor)
    return consent


def withdraw_consent(member: Member, kind: str, method: str, *, actor: User) -> MemberConsent:
    """Withdraw a consent in one action, recording who, when and how; any staff member may."""
    ensure_works_at(actor, member.site, hidden_as="member")
    consent_kind = _consent_kind(kind)
    if consent_kind is ConsentKind.PRIVACY_NOTICE:
        raise RuleViolation(
            "The privacy notice is information given, not a consent; to stop being a member "
            "close the membership or anonymise it.",
            code="not_withdrawable",
        )
    current = member.active_consents().get(consent_kind.value)
    if current is None:
        raise RuleViolation("The member has not given this consent.", code="no_such_consent")
    current.withdrawn_at = utcnow()
    current.withdrawn_by_id = actor.id
    current.withdrawn_method = ConsentMethod(method).value
    _audit("member.consent_withdrawn", member, consent_kind, method, actor)
    return current


def _audit(action: str, member: Member, kind: ConsentKind, method: str, actor: User) -> None:
    """Audit a consent given or withdrawn: which, and how."""
    db.session.flush()
    audited.on_member(action, member, actor, member.site_id, kind=kind.value, method=method)


def _consent_kind(kind: str) -> ConsentKind:
    try:
        return ConsentKind(kind)
    except ValueError:
        raise NotFound("No such consent.", code="no_such_consent") from None
