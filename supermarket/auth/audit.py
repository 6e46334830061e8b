"""The audit log: services record who viewed, changed or exported what."""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select

from supermarket.auth.models import AuditEvent, User
from supermarket.extensions import db
from supermarket.formatting import LONDON
from supermarket.models import utcnow
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site
from supermarket.transactions import read_only_request, write_aside

log = logging.getLogger("supermarket.audit")


@dataclass(frozen=True)
class Origin:
    """Where a request came from; set once per request by the app, read by record()."""

    ip: str = ""
    user_agent: str = ""


CLI_ORIGIN = Origin(ip="cli")
current_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("current_origin")


def origin() -> Origin:
    """Where the current request came from; commands and jobs are "cli"."""
    return current_origin.get(CLI_ORIGIN)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def neutralise(text: str) -> str:
    """Strip control characters so a value cannot forge extra log lines."""
    return _UNSAFE.sub("?", text)[:500]


def record(
    action: str,
    *,
    actor: User | None,
    object_type: str = "",
    object_id: object = "",
    site_id: int | None = None,
    details: dict[str, Any] | None = None,
    actor_email: str | None = None,
) -> AuditEvent:
    """Append an audit event and write it to the security log: in the caller's transaction
    when it writes, aside (transactions.write_aside) when the request only reads."""
    values = _values(action, actor, object_type, object_id, site_id, details, actor_email)
    event = AuditEvent(**values)
    if read_only_request.get():
        write_aside(insert(AuditEvent).values(at=utcnow(), **values))
    else:
        db.session.add(event)
    _log(values)
    return event


def _values(
    action: str,
    actor: User | None,
    object_type: str,
    object_id: object,
    site_id: int | None,
    details: dict[str, Any] | None,
    actor_email: str | None = None,
) -> dict[str, Any]:
    """An event's columns (but its time), made safe for the log."""
    return {
        "actor_id": actor.id if actor is not None else None,
        "actor_email": neutralise(actor_email or (actor.email if actor is not None else "")),
        "action": action,
        "object_type": object_type,
        "object_id": neutralise(str(object_id)),
        "site_id": site_id,
        "ip": neutralise(origin().ip),
        "details": details or {},
    }


def _log(values: dict[str, Any]) -> None:
    log.info(
        "audit action=%s actor=%s object=%s:%s site=%s ip=%s",
        values["action"],
        values["actor_email"] or "-",
        values["object_type"] or "-",
        values["object_id"] or "-",
        values["site_id"] if values["site_id"] is not None else "-",
        values["ip"] or "-",
    )


def record_on(
    action: str,
    object_type: str,
    object_id: object,
    actor: User | None,
    site_id: int | None = None,
    /,
    **details: Any,
) -> AuditEvent:
    """record() for an event on one object, with its details as keywords (any name: the
    arguments before them are positional only)."""
    return record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        site_id=site_id,
        details=details,
    )


_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))


def insert_on(
    action: str,
    object_type: str,
    object_id: object,
    actor: User | None,
    site_id: int | None = None,
    /,
    **details: Any,
) -> None:
    """record_on() as one INSERT in the caller's transaction, for a hot path that writes (the
    check-in): the same event and log line, without an AuditEvent for the session to flush.
    In a request that only reads it is written aside, as record() does."""
    values = _values(action, actor, object_type, object_id, site_id, details)
    values["at"] = utcnow()
    if read_only_request.get():
        write_aside(insert(AuditEvent).values(**values))
    else:
        db.session.connection().execute(_INSERT_EVENT, values)
    _log(values)


def record_now(action: str, **kwargs: Any) -> None:
    """Record an event that must survive the request's rollback (failed sign-ins, refusals)."""
    if read_only_request.get():
        record(action, **kwargs)  # aside: its own transaction, whatever the request does
        return
    db.session.rollback()
    record(action, **kwargs)
    db.session.commit()


# --- the log in words --------------------------------------------------------------------
# What each action means to a person reading the log, in the order the filter offers them.
ACTIONS: dict[str, str] = {
    "login.succeeded": "Signed in",
    "login.failed": "Sign-in refused (wrong email or password)",
    "login.mfa_failed": "Sign-in refused (wrong two-step code)",
    "logout": "Signed out",
    "password.check_failed": "Password check failed",
    "auth.choose_site": "Chose the site to work at",
    "access.denied": "Refused a page the role may not use",
    "user.created": "Staff account added",
    "user.updated": "Staff account changed",
    "user.deactivated": "Staff account deactivated",
    "user.password_changed": "Password changed",
    "user.mfa_enabled": "Two-step sign-in turned on",
    "token.created": "API token made",
    "token.revoked": "API token withdrawn",
    "site.created": "Site added",
    "site.updated": "Site's details changed",
    "site.settings_changed": "Site's settings changed",
    "member.registered": "Member registered",
    "member.viewed": "Member's record viewed",
    "member.viewed_at_checkin": "Member's details viewed at check-in",
    "member.found_from_other_site": "Member of another site found at the desk",
    "member.updated": "Member's details changed",
    "member.renewed": "Membership renewed",
    "member.membership_fee_taken": "Membership fee taken",
    "member.reviewed": "Membership reviewed",
    "member.suspended": "Membership suspended",
    "member.reinstated": "Membership reinstated",
    "member.closed": "Membership closed",
    "member.admitted": "Member admitted from the waiting list",
    "member.consent_given": "Member gave consent",
    "member.consent_withdrawn": "Member withdrew consent",
    "member.card_printed": "Membership card printed",
    "member.cards_printed": "Membership cards printed",
    "member.exported": "Member's data exported (subject access)",
    "member.anonymised": "Member's personal details erased",
    "members.imported": "Members imported from a spreadsheet",
    "members.lapsed": "Memberships lapsed (past their end date)",
    "retention.run": "Old records erased (retention)",
    "visit.checked_in": "Visit recorded",
    "visit.voided": "Visit voided",
    "session.opened": "Session opened",
    "session.closed": "Session closed and cashed up",
    "session.sheet_exported": "Session sheet downloaded",
    "product.created": "Product added",
    "product.updated": "Product changed",
    "product.imported": "Products imported",
    "stocktake.approved": "Stocktake approved",
    "device.enrolled": "Tablet enrolled for offline check-in",
    "device.revoked": "Tablet's enrolment revoked",
    "roster.fetched": "Members list fetched by a tablet for offline check-in",
    "roster.key_released": "Members list's key given to a tablet",
    "survey.recorded": "Food survey recorded",
    "agency.created": "Referral agency added",
    "agency.updated": "Referral agency changed",
    "inbound_referral.made": "Household referred to the site by an agency",
    "inbound_referral.declined": "Agency's referral declined",
    "member.inbound_referral_accepted": "Agency's referral accepted for the member",
}
# Choices of the "What" filter that take in several actions (an action starts with the value).
ACTION_GROUPS: tuple[tuple[str, str], ...] = (
    ("login.", "Any sign-in"),
    ("member.", "Anything about a member"),
    ("user.", "Anything about a staff account"),
    ("site.", "Anything about a site"),
)
NOUNS: dict[str, str] = {
    "member": "Member",
    "user": "Staff account",
    "site": "Site",
    "visit": "Visit",
    "site_session": "Session",
    "product": "Product",
    "stocktake": "Stocktake",
    "api_token": "API token",
    "device": "Tablet",
    "endpoint": "Page",
    "programme": "Programme",
    "referral_agency": "Referral agency",
    "inbound_referral": "Agency's referral",
}


def describe(action: str) -> str:
    """An action in words ("Member's details viewed at check-in"); an unknown one as it is."""
    return ACTIONS.get(action, action)


def action_choices() -> list[tuple[str, str]]:
    """The "What" filter's choices: (the value searched for, its words)."""
    return [*ACTION_GROUPS, *ACTIONS.items()]


@dataclass(frozen=True)
class Namer:
    """How a domain names its records in the log (a member by membership number, not the
    database id), for whom, and which records a name typed in a filter means."""

    names: Callable[[Collection[str]], dict[str, str]]  # object ids -> names
    ids: Callable[[str], list[str]]  # a name -> object ids
    shown_to: tuple[str, ...]  # the roles that may see the names


_NAMERS: dict[str, Namer] = {}


def name_objects(object_type: str, namer: Namer) -> None:
    """A domain above auth (members) says how its records are named in the log."""
    _NAMERS[object_type] = namer


def _user_names(ids: Collection[str]) -> dict[str, str]:
    wanted = [int(i) for i in ids if i.isascii() and i.isdigit()]
    rows = db.session.execute(select(User.id, User.email).where(User.id.in_(wanted)))
    return {str(row.id): row.email for row in rows}


name_objects(
    "user",
    Namer(
        names=_user_names,
        ids=lambda email: [
            str(i) for i in db.session.scalars(select(User.id).where(User.email == email.lower()))
        ],
        shown_to=("admin",),
    ),
)


@dataclass(frozen=True)
class Entry:
    """One line of the log as a person reads it."""

    event: AuditEvent
    what: str
    about: str


def entries(events: Collection[AuditEvent], *, viewer_role: str) -> list[Entry]:
    """The events in words: the action described, the record named (by its number, to those
    who may see it; otherwise only what kind of record it was)."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type in _NAMERS and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    names: dict[str, dict[str, str]] = {}
    for object_type, ids in wanted.items():
        namer = _NAMERS[object_type]
        names[object_type] = namer.names(ids) if viewer_role in namer.shown_to else {}
    return [
        Entry(event=e, what=describe(e.action), about=_about(e, names, viewer_role)) for e in events
    ]


def _about(event: AuditEvent, names: dict[str, dict[str, str]], viewer_role: str) -> str:
    if not event.object_type:
        return ""
    noun = NOUNS.get(event.object_type, event.object_type.replace("_", " ").capitalize())
    namer = _NAMERS.get(event.object_type)
    if namer is None:
        return f"{noun} {event.object_id}".strip()
    if viewer_role not in namer.shown_to:
        return noun
    name = names.get(event.object_type, {}).get(event.object_id)
    return f"{noun} {name}" if name else noun


def search(
    *,
    action: str = "",
    actor_email: str = "",
    site_code: str = "",
    start: date | None = None,
    end: date | None = None,
    member: str = "",
) -> Select[AuditEvent]:
    """Events newest first: actions and actors' emails that start as given, one site's, from
    the start day to the end day inclusive (UK days), about one member (by membership
    number)."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if member.strip() and "member" in _NAMERS:
        ids = _NAMERS["member"].ids(member.strip())
        stmt = stmt.where(AuditEvent.object_type == "member", AuditEvent.object_id.in_(ids))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor_email:
        stmt = stmt.where(AuditEvent.actor_email.startswith(actor_email.lower(), autoescape=True))
    if site_code:
        code = normalise_site_code(site_code)
        stmt = stmt.where(AuditEvent.site_id.in_(select(Site.id).where(Site.code == code)))
    if start:
        stmt = stmt.where(AuditEvent.at >= _uk_midnight(start))
    if end:
        stmt = stmt.where(AuditEvent.at < _uk_midnight(end) + timedelta(days=1))
    return stmt


def site_codes() -> dict[int, str]:
    """Each site's code by id, to show beside its events."""
    return {row.id: row.code for row in db.session.execute(select(Site.id, Site.code))}


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)
