"""The audit log: services record who viewed, changed or exported what."""

from __future__ import annotations

import contextvars
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, insert, select

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
    where = origin()
    values: dict[str, Any] = {
        "actor_id": actor.id if actor is not None else None,
        "actor_email": neutralise(actor_email or (actor.email if actor is not None else "")),
        "action": action,
        "object_type": object_type,
        "object_id": neutralise(str(object_id)),
        "site_id": site_id,
        "ip": neutralise(where.ip),
        "details": details or {},
    }
    event = AuditEvent(**values)
    if read_only_request.get():
        write_aside(insert(AuditEvent).values(at=utcnow(), **values))
    else:
        db.session.add(event)
    log.info(
        "audit action=%s actor=%s object=%s:%s site=%s ip=%s",
        action,
        event.actor_email or "-",
        object_type or "-",
        event.object_id or "-",
        site_id if site_id is not None else "-",
        event.ip or "-",
    )
    return event


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


def record_now(action: str, **kwargs: Any) -> None:
    """Record an event that must survive the request's rollback (failed sign-ins, refusals)."""
    if read_only_request.get():
        record(action, **kwargs)  # aside: its own transaction, whatever the request does
        return
    db.session.rollback()
    record(action, **kwargs)
    db.session.commit()


def search(
    *,
    action: str = "",
    actor_email: str = "",
    site_code: str = "",
    start: date | None = None,
    end: date | None = None,
) -> Select[AuditEvent]:
    """Events newest first: actions and actors' emails that start as given, one site's, from
    the start day to the end day inclusive (UK days)."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
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
