"""Members' data rights: subject access export, erasure by anonymisation, and retention.

The export walks `db.metadata` for every table with a foreign key to `members.id`, so tables
that later features add (visits, survey answers) are included without changing this module.
Anonymisation clears personal fields for good and keeps the row, so that visits and survey
scores that refer to it still count in statistics without identifying anyone. Domains above
members that keep free text about a member register a hook in `ANONYMISE_HOOKS` (and, to
make their rows readable in the export, one in `EXPORT_HOOKS`).
"""

from __future__ import annotations

import base64
import decimal
import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, and_, or_, select

from supermarket.auth import audit
from supermarket.auth.models import AuditEvent, User
from supermarket.extensions import db
from supermarket.members.identifiers import ALPHABET, check_character, new_membership_number
from supermarket.members.models import Member, MemberStatus
from supermarket.members.services import access, audited
from supermarket.members.services.lookup import get_member
from supermarket.members.services.monitoring import clear_monitoring
from supermarket.members.terms import add_months
from supermarket.models import utcnow
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site

# Called with the member being anonymised, in the same transaction, before it is flushed.
ANONYMISE_HOOKS: list[Callable[[Member], None]] = []
# Called with the member and the export's records (table name -> rows) before it is returned:
# a domain above members may add what makes its rows readable (a service's name for its id).
EXPORT_HOOKS: list[Callable[[Member, dict[str, list[dict[str, Any]]]], None]] = []
# Personal data kept about people who never became members (a household an agency referred,
# declined or never decided): each hook clears what it keeps for a site from before the
# cutoff (the site's retention period ago) and answers how many records it cleared (in a dry
# run, would clear). Domains above members register one, as for the hooks above.
RETENTION_HOOKS: list[Callable[[Site, date, bool], int]] = []


# --- subject access -------------------------------------------------------------------------


def tables_referring_to_members() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) with a foreign key to members.id, from the model's metadata."""
    found: list[tuple[Table, Column[Any]]] = []
    members_id = Member.__table__.c.id
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column is members_id for fk in column.foreign_keys):
                found.append((table, column))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _row(table: Table, row: Any) -> dict[str, Any]:
    return {column.name: _plain(row._mapping[column]) for column in table.columns}


def export_member(site: Site, number: str, *, actor: User) -> dict[str, Any]:
    """Everything held about a member, from every table that refers to them (site managers).

    Includes the member's own row, each referring table's rows, and which actions on their
    record the audit log holds (not who did them: staff are other people). Audited.
    """
    member = get_member(site, number, actor=actor, managers_only=True)
    member_table: Table = Member.__table__  # type: ignore[assignment]
    own = db.session.execute(select(member_table).where(member_table.c.id == member.id)).one()
    records: dict[str, list[dict[str, Any]]] = {}
    for table, column in tables_referring_to_members():
        rows = db.session.execute(select(table).where(column == member.id)).all()
        records.setdefault(table.name, []).extend(_row(table, row) for row in rows)
    for hook in EXPORT_HOOKS:
        hook(member, records)
    events = db.session.execute(
        select(AuditEvent.at, AuditEvent.action)
        .where(AuditEvent.object_type == "member", AuditEvent.object_id == str(member.id))
        .order_by(AuditEvent.at)
    ).all()
    audited.on_member("member.exported", member, actor, site.id, tables=sorted(records))
    return {
        "generated_at": utcnow().isoformat(),
        "controller": {"site": site.name, "site_code": site.code},
        "member": _row(member_table, own),
        "records": records,
        "activity": [{"at": _plain(at), "action": action} for at, action in events],
    }


# --- erasure --------------------------------------------------------------------------------


def _retired_number() -> str:
    """A random value in the number column that is never a valid card number.

    The number on the card in the person's hand must no longer lead to the record, so it is
    replaced; the replacement's check character is deliberately wrong, so no scan or typed
    number can ever find an anonymised record.
    """
    while True:
        body = new_membership_number()[:7]
        right = check_character(body)
        number = body + next(s for s in ALPHABET if s != right)
        if db.session.scalar(select(Member.id).where(Member.membership_number == number)) is None:
            return number


def _anonymise(member: Member, today: date) -> None:
    for hook in ANONYMISE_HOOKS:
        hook(member)
    clear_monitoring(member)  # the equality monitoring answers: deleted, not kept unlinked
    member.first_name = ""
    member.last_name = ""
    member.first_name_key = ""
    member.last_name_key = ""
    member.date_of_birth = None
    member.postcode = None  # the district stays, coarse enough for statistics
    member.phone = None
    member.email = None
    member.notes = ""
    member.dietary = []
    member.dietary_notes = ""
    member.referral_reference = ""
    member.benefit = ""
    member.pregnancy_recorded = False  # health information, given only with consent
    member.pregnancy_due_on = None
    member.pregnancy_consent_at = None
    member.status_reason = ""
    member.match_hash = None
    access.clear_access_details(member)  # "care of", the door note, the proxies
    for fee in member.fees:  # why a fee was waived may say something about the household
        fee.reason = ""
    if member.offline_registration is not None:  # a manager's words on a possible duplicate
        member.offline_registration.review_note = ""
    member.membership_number = _retired_number()
    if member.status != MemberStatus.CLOSED:
        member.status = MemberStatus.CLOSED.value
        member.closed_on = today
    member.anonymised_at = utcnow()


def anonymise_member(site: Site, number: str, *, actor: User) -> Member:
    """Erase a member on request (site managers): personal fields cleared for good, the row
    kept, so the household's visits and survey scores still count without identifying anyone.
    Audited."""
    member = get_member(site, number, actor=actor, managers_only=True)
    _anonymise(member, site_today(site))
    db.session.flush()
    audited.on_member("member.anonymised", member, actor, site.id, reason="request")
    return member


# --- retention ------------------------------------------------------------------------------


@dataclass
class RetentionReport:
    """What a retention run did (or, in a dry run, would do), per site code."""

    anonymised: dict[str, int] = field(default_factory=dict)
    cutoffs: dict[str, date] = field(default_factory=dict)
    # records about people who never became members, cleared (RETENTION_HOOKS), per site code
    others_cleared: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.anonymised.values())


def _ended_before(site: Site, cutoff: date) -> Any:
    ended_by_closing = and_(Member.status == MemberStatus.CLOSED.value, Member.closed_on < cutoff)
    ended_by_term = and_(
        Member.status.in_(
            [MemberStatus.ACTIVE.value, MemberStatus.LAPSED.value, MemberStatus.SUSPENDED.value]
        ),
        Member.expires_on < cutoff,
    )
    return and_(
        Member.site_id == site.id,
        Member.anonymised_at.is_(None),
        or_(ended_by_closing, ended_by_term),
    )


def _due(site: Site, cutoff: date, batch: int) -> Iterator[list[Member]]:
    while True:
        members = list(
            db.session.scalars(
                select(Member).where(_ended_before(site, cutoff)).order_by(Member.id).limit(batch)
            )
        )
        if not members:
            return
        yield members


def run_retention(
    *, today: date | None = None, dry_run: bool = False, batch: int = 500
) -> RetentionReport:
    """Anonymise every member whose membership ended more than the site's retention period
    ago (closed: from the closing date; otherwise from the end of the term).

    Safe to run nightly: anonymised members are never touched again. Each anonymisation is
    audited; the caller commits.
    """
    report = RetentionReport()
    for site in db.session.scalars(select(Site).order_by(Site.code)):
        day = today or site_today(site)
        cutoff = add_months(day, -site.settings.retention_months)
        report.cutoffs[site.code] = cutoff
        if dry_run:
            count = len(
                db.session.scalars(select(Member.id).where(_ended_before(site, cutoff))).all()
            )
        else:
            count = 0
            for members in _due(site, cutoff, batch):
                for member in members:
                    _anonymise(member, day)
                    audited.on_member(
                        "member.anonymised", member, None, site.id, reason="retention"
                    )
                count += len(members)
                db.session.flush()
        if count:
            report.anonymised[site.code] = count
        others = sum(hook(site, cutoff, dry_run) for hook in RETENTION_HOOKS)
        if others:
            report.others_cleared[site.code] = others
    if not dry_run:
        audit.record(
            "retention.run",
            actor=None,
            object_type="programme",
            details={"anonymised": report.anonymised, "others_cleared": report.others_cleared},
        )
    return report
