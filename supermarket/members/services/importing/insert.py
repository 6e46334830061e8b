"""Inserting a batch of good rows: fresh membership numbers, each membership's term by the
same rules as the desk's, and bulk inserts of members and their consents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members import rules
from supermarket.members.identifiers import new_membership_numbers
from supermarket.members.models import (
    ConsentKind,
    ConsentMethod,
    Member,
    MemberConsent,
    MemberStatus,
)
from supermarket.members.services.importing.rows import Row
from supermarket.members.services.registration import new_member_columns
from supermarket.models import utcnow
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings

# Core tables: bulk inserts without building ORM objects.
_MEMBERS: Table = Member.__table__  # type: ignore[assignment]
_CONSENTS: Table = MemberConsent.__table__  # type: ignore[assignment]


@dataclass
class Places:
    """The site's places as the import fills them: taken so far, and how many rows waited."""

    taken: int
    waiting: int = 0


def unused_numbers(count: int) -> list[str]:
    """`count` fresh membership numbers, none already in use."""
    numbers: set[str] = set()
    while len(numbers) < count:
        fresh = set(new_membership_numbers(count - len(numbers))) - numbers
        taken = set(
            db.session.scalars(
                select(Member.membership_number).where(Member.membership_number.in_(fresh))
            )
        )
        numbers |= fresh - taken
    return list(numbers)


def insert_rows(
    rows: list[Row],
    *,
    site: Site,
    settings: SiteSettings,
    actor: User,
    today: date,
    places: Places,
) -> None:
    """Insert the rows as members of the site, with their consents (a plain executemany:
    the fastest path). A row joins the waiting list once the member cap is reached."""
    now = utcnow()
    values = []
    for row, number in zip(rows, unused_numbers(len(rows)), strict=True):
        term = rules.new_term(
            settings,
            today,
            waiting=rules.is_full(places.taken, settings.member_cap),
            joined_on=row.joined_on,
            expires_on=row.expires_on,
        )
        if term.status is MemberStatus.ACTIVE:
            places.taken += 1
        if term.status is MemberStatus.WAITING:
            places.waiting += 1
        values.append(_member_values(row, number, term, site=site, actor=actor, now=now))
    db.session.execute(_MEMBERS.insert(), values)
    ids: dict[str, int] = {
        number: member_id
        for number, member_id in db.session.execute(
            select(Member.membership_number, Member.id).where(
                Member.membership_number.in_([v["membership_number"] for v in values])
            )
        )
    }
    consents = [
        consent
        for value, row in zip(values, rows, strict=True)
        for consent in _consent_values(
            row, ids[value["membership_number"]], site=site, actor=actor, now=now
        )
    ]
    db.session.execute(_CONSENTS.insert(), consents)


def _member_values(
    row: Row, number: str, term: rules.Term, *, site: Site, actor: User, now: datetime
) -> dict[str, Any]:
    return {
        **new_member_columns(site, row.data, row.keys, term, actor),
        "membership_number": number,
        "notes": row.notes,
        "status_reason": "",
        "created_at": now,
        "updated_at": now,
    }


def _consent_values(
    row: Row, member_id: int, *, site: Site, actor: User, now: datetime
) -> list[dict[str, Any]]:
    """The privacy notice (always given) and the consents the row says yes to."""
    consents = row.data.consents
    return [
        {
            "member_id": member_id,
            "site_id": site.id,
            "kind": kind.value,
            "given_at": now,
            "given_by_id": actor.id,
            "given_method": ConsentMethod.IMPORT.value,
            "withdrawn_method": "",
        }
        for kind in ConsentKind
        if kind is ConsentKind.PRIVACY_NOTICE or consents.given(kind)
    ]
