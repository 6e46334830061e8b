"""Equality monitoring answers: recorded at registration (the desk may ask), changed later by
site managers, read back by site managers only, deleted with the member's anonymisation.

Volunteers never read the answers once they are saved: not on the member page, the panel or
the API. Programme leads see them only as aggregates (reporting/statistics/reach.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete

from supermarket.auth.models import Role, User
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.monitoring import QUESTIONS, MemberMonitoring


def may_read_monitoring(actor: User | None) -> bool:
    """Whether the actor may read a member's answers: site managers (of the member's site,
    which the member lookup has already checked), never volunteers."""
    return actor is not None and actor.role == Role.SITE_MANAGER


def monitoring_of(member: Member) -> MemberMonitoring | None:
    """The member's answers (None: no question asked yet). Callers check may_read_monitoring."""
    return db.session.get(MemberMonitoring, member.id)


def answers_for(member: Member, actor: User | None) -> dict[str, str | None] | None:
    """The member's answers for a reader who may see them (every question, None where not
    asked); None for anyone else, who is not told whether any were given."""
    if not may_read_monitoring(actor):
        return None
    row = monitoring_of(member)
    return row.answers() if row is not None else dict.fromkeys(QUESTIONS)


def record_monitoring(
    member: Member, answers: Mapping[str, str | None], *, actor: User | None
) -> bool:
    """Set the answers sent (None: not asked, clearing an earlier answer); the others stay.
    Answers whether anything changed. No row is kept once every answer is cleared. The caller
    has checked the actor may change the member (the desk at registration, or a site manager)."""
    sent = {key: value for key, value in answers.items() if key in QUESTIONS}
    row = monitoring_of(member)
    if row is None:
        if not any(value is not None for value in sent.values()):
            return False
        row = MemberMonitoring(member_id=member.id, site_id=member.site_id)
        db.session.add(row)
    changed = False
    for key, value in sent.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        row.updated_by_id = actor.id if actor is not None else None
    if all(value is None for value in row.answers().values()):
        db.session.delete(row)
    db.session.flush()
    return changed


def clear_monitoring(member: Member) -> None:
    """Delete the member's answers (anonymisation: nothing of them stays)."""
    db.session.execute(delete(MemberMonitoring).where(MemberMonitoring.member_id == member.id))
