"""Enrolled tablets, the site's roster for offline check-in and the key it is kept under.

- `enrol_device`, `list_devices`, `revoke_device`: a site manager's (audited).
- `roster(site, device_id, since=..., actor=...)`: what the check-in panel needs for the
  site's members, worked out with the panel's own rules (visits.services) in a few set-based
  queries; with `since` (the same site-local day), only the members changed since then and
  the membership numbers that left the roster. Staff of the site with an enrolled tablet.
- `roster_key(...)`: the per-sign-in, per-device, per-day key the tablet encrypts the roster
  with, derived (never stored) from the application's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.members.identifiers import display_number
from supermarket.members.models import Member, MemberStatus
from supermarket.models import utcnow
from supermarket.offline.roster_extras import proxies_by_member, site_extras
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings
from supermarket.surveys.models import SurveyAssessment
from supermarket.surveys.services import list_due
from supermarket.visits.models import DEVICE_NOT_ENROLLED, MAX_DEVICE_NAME, Device, Visit
from supermarket.visits.services.allowance import allowance_for
from supermarket.visits.services.rules import state_from, weekly_keys, window

# --- devices -------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidInput(
            "Some fields need correcting.",
            fields={"name": "Give the tablet a name, such as “Front desk”."},
        )
    if len(text) > MAX_DEVICE_NAME:
        raise InvalidInput(
            "Some fields need correcting.",
            fields={"name": f"Keep the name to {MAX_DEVICE_NAME} characters or fewer."},
        )
    return text


def enrol_device(site: Site, name: str, *, actor: User) -> Device:
    """Enrol a tablet for the site (site managers); its id is made here, random and opaque."""
    ensure_works_at(actor, site, managers_only=True)
    device = Device(
        id=secrets.token_urlsafe(24),
        site_id=site.id,
        name=_clean_name(name),
        enrolled_by_id=actor.id,
        enrolled_at=utcnow(),
    )
    db.session.add(device)
    db.session.flush()
    audit.record_on("device.enrolled", "device", device.id, actor, site.id, name=device.name)
    return device


def list_devices(site: Site, *, actor: User) -> list[Device]:
    """The site's tablets, those in use first, newest first (site managers)."""
    ensure_works_at(actor, site, managers_only=True)
    return list(
        db.session.scalars(
            select(Device)
            .where(Device.site_id == site.id)
            .order_by(Device.revoked_at.is_not(None), Device.enrolled_at.desc(), Device.id)
        )
    )


def revoke_device(site: Site, device_id: str, *, actor: User) -> Device:
    """Stop a tablet holding the roster (site managers); revoking twice changes nothing."""
    ensure_works_at(actor, site, managers_only=True)
    device = db.session.scalar(
        select(Device).where(Device.id == device_id, Device.site_id == site.id)
    )
    if device is None:
        raise NotFound("No such tablet.", code="device_not_found")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = actor.id
        audit.record_on("device.revoked", "device", device.id, actor, site.id, name=device.name)
    return device


def enrolled_device(site: Site, device_id: str | None) -> Device:
    """The tablet named by the request, enrolled at this site and not revoked; else 403."""
    device = None
    if device_id:
        device = db.session.get(Device, device_id[:64])
    if device is None or device.site_id != site.id or device.revoked_at is not None:
        raise PermissionDenied(
            "This tablet is not enrolled for this site. A site manager can enrol it.",
            code=DEVICE_NOT_ENROLLED,
        )
    return device


# --- the roster ----------------------------------------------------------------------------


def end_of_day(site: Site, today: date) -> datetime:
    """Midnight at the end of the site's local day: when a roster (and its key) expire."""
    return datetime.combine(today + timedelta(days=1), time(0), ZoneInfo(site.timezone))


@dataclass
class Roster:
    generated_at: datetime
    expires_at: datetime
    site: dict[str, Any]
    members: list[dict[str, Any]]
    removed: list[str] = field(default_factory=list)
    full: bool = True


def _site_part(site: Site, settings: SiteSettings) -> dict[str, Any]:
    """What the tablet needs of the site's settings to show allowances and apply the rules."""
    tiers = sorted(settings.tiers, key=lambda t: t.min_people)
    return {
        "code": site.code,
        "name": site.name,
        "fee_pence": settings.fee_pence,
        "visits_per_week": settings.visits_per_week,
        "visit_window": settings.visit_window,
        "grace_days": settings.grace_days,
        # Whether the tablet may register a household while offline (the server checks again).
        "offline_registration": settings.offline_registration,
        "bands": [
            {
                "key": band.name,
                "label": band.name.replace("_", " ").capitalize(),
                "limit": band.limit,
                "average_value_pence": band.average_value_pence,
                "limits_by_tier": {
                    t.name: (
                        t.band_limits.get(band.name, band.limit) if band.limit is not None else None
                    )
                    for t in tiers
                },
            }
            for band in settings.bands
        ],
        "tiers": [
            {"name": t.name, "min_people": t.min_people, "fee_pence": t.fee_pence} for t in tiers
        ],
        **site_extras(settings),  # issue 16: routes, age bands, visit types
    }


_COLUMNS = (
    Member.id,
    Member.membership_number,
    Member.first_name,
    Member.last_name,
    Member.status,
    Member.expires_on,
    Member.adults,
    Member.children_0_4,
    Member.children_5_11,
    Member.children_12_17,
    Member.anonymised_at,
)


def _changed_since(site: Site, since: datetime, window_start: date) -> Any:
    """Members of the site whose roster entry may have changed since `since`: the record
    itself, a visit (made or voided, at any site) or a survey taken.

    Only visits in the visit limit's current window can change what the roster says, so
    only those are looked at: by member and date, which the visits' (member_id, local_date)
    index answers, instead of every visit ever stored."""
    visited = select(Visit.member_id).where(
        Visit.member_id.in_(select(Member.id).where(Member.site_id == site.id)),
        Visit.local_date >= window_start,
        or_(Visit.visited_at > since, Visit.voided_at > since),
    )
    surveyed = select(SurveyAssessment.member_id).where(
        SurveyAssessment.site_id == site.id, SurveyAssessment.taken_at > since
    )
    return or_(Member.updated_at > since, Member.id.in_(visited), Member.id.in_(surveyed))


def roster(
    site: Site,
    device_id: str | None,
    *,
    actor: User,
    since: datetime | None = None,
    now: datetime | None = None,
) -> Roster:
    """The site's roster for an enrolled tablet (staff of the site; audited). `since` within
    the same site-local day answers only what changed; otherwise the whole roster."""
    ensure_works_at(actor, site)
    device = enrolled_device(site, device_id)
    now = now or utcnow()
    today = site_today(site, now)
    settings = site.settings
    incremental = since is not None and site_today(site, since) == today and since <= now

    # The status as of today (an active membership past its term reads as lapsed): the
    # members' own rule, in SQL.
    status_now = cast("ColumnElement[str]", Member.status_on(today)).label("status_now")
    stmt = select(*_COLUMNS, status_now).where(Member.site_id == site.id)
    start, end = window(settings, today)
    if incremental:
        assert since is not None
        stmt = stmt.where(_changed_since(site, since, start))
    else:
        stmt = stmt.where(
            Member.anonymised_at.is_(None), Member.status != MemberStatus.CLOSED.value
        )
    rows = db.session.execute(stmt.order_by(Member.membership_number)).all()

    gone = {r.id for r in rows if r.anonymised_at is not None or r.status == MemberStatus.CLOSED}
    removed = [r.membership_number for r in rows if r.id in gone]
    kept = [r for r in rows if r.id not in gone]

    dates: dict[int, list[date]] = {}
    if kept:
        visits = db.session.execute(
            select(Visit.member_id, Visit.local_date).where(
                Visit.member_id.in_(select(Member.id).where(Member.site_id == site.id)),
                Visit.voided_at.is_(None),
                Visit.visit_type.in_(weekly_keys(settings)),
                Visit.local_date >= start,
                Visit.local_date <= end,
            )
        )
        for member_id, day in visits:
            dates.setdefault(member_id, []).append(day)
    survey_due = {item.member.id for item in list_due(site, today, actor=actor)} if kept else set()

    members = []
    proxies = proxies_by_member(r.id for r in kept)
    flat_fee = settings.visit_types[0].payment_model == "flat_fee"  # issue 16 (payments)
    for r in kept:
        people = r.adults + r.children_0_4 + r.children_5_11 + r.children_12_17
        allowance = allowance_for(settings, people)
        state = state_from(tuple(sorted(dates.get(r.id, []))), settings, today)
        members.append(
            {
                "membership_number": r.membership_number,
                "display_number": display_number(r.membership_number),
                "display_name": f"{r.first_name} {r.last_name}",
                "status": r.status_now,
                "expires_on": r.expires_on,
                "tier": allowance.tier,
                "household_size": people,
                # The fee the tablet takes: none where the weekly shop is not paid by a fee.
                "fee_pence": allowance.fee_pence if flat_fee else 0,
                "allowance": allowance.limits,
                "visits_this_week": state.used,
                "visits_left_this_week": state.left,
                "next_visit_from": state.next_visit_from,
                "survey_due": r.id in survey_due,
                "proxies": proxies.get(r.id, []),
            }
        )
    audit.record_on(
        "roster.fetched",
        "site",
        site.id,
        actor,
        site.id,
        device=device.id,
        count=len(members),
        full=not incremental,
    )
    return Roster(
        generated_at=now,
        expires_at=end_of_day(site, today),
        site=_site_part(site, settings),
        members=members,
        removed=removed if incremental else [],
        full=not incremental,
    )


# --- the key -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterKey:
    key: str
    expires_at: datetime


def derive_key(secret_key: str, session_id: str, device_id: str, day: date) -> str:
    """HMAC-SHA256 under the application's secret of the sign-in session's id (hashed: the
    id itself is the cookie's secret), the device and the site-local date; base64url."""
    session_hash = hashlib.sha256(session_id.encode()).hexdigest()
    message = "\x00".join(("roster-key-v1", session_hash, device_id, day.isoformat()))
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def roster_key(
    site: Site,
    device_id: str | None,
    *,
    actor: User,
    sign_in: str | None,
    secret_key: str,
    now: datetime | None = None,
) -> RosterKey:
    """The key the tablet encrypts the roster with: the same all day within one sign-in on
    one tablet, another for another sign-in or tablet (staff of the site; audited).
    `sign_in` is the secret that identifies the caller's sign-in: the browser session's id
    (or, for an API client, its bearer token)."""
    ensure_works_at(actor, site)
    device = enrolled_device(site, device_id)
    if not sign_in:
        raise PermissionDenied(
            "The roster key is given to a signed-in session only.", code="session_required"
        )
    today = site_today(site, now)
    audit.record_on("roster.key_released", "device", device.id, actor, site.id)
    return RosterKey(
        key=derive_key(secret_key, sign_in, device.id, today),
        expires_at=end_of_day(site, today),
    )
