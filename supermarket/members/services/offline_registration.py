"""Households a tablet registered while offline, as the server takes them when it syncs
(registration.register_member calls these): the site's permission and the time, the
Idempotency-Key and the request's fingerprint (a retry answers with the first), and the
record kept with the member: when, on which tablet, under which provisional number, and
marked for the site manager's review when the duplicate check found a possible duplicate
(offline_review resolves it)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from supermarket.errors import Conflict, InvalidInput
from supermarket.extensions import db
from supermarket.idempotency import clean_key, fingerprint
from supermarket.members.inputs import NewMember
from supermarket.members.models import Member, OfflineRegistration, RegistrationReview
from supermarket.sites.calendar import offline_time_allowed
from supermarket.sites.models import Site
from supermarket.sites.settings import SiteSettings

POSSIBLE_DUPLICATE = "possible_duplicate"


def _duplicate_words(existing: Member) -> str:
    return (
        "Registered offline: a member with the same surname, date of birth and postcode is "
        f"already registered here ({existing.membership_number}). Check it is not the same "
        "household."
    )


def required_key(key: str | None) -> str:
    """The Idempotency-Key an offline registration must carry (422 without it)."""
    cleaned = clean_key(key)
    if cleaned is None:
        raise InvalidInput(
            "An offline registration needs an Idempotency-Key (a UUID made when it was "
            "recorded), so that a retry never registers the household twice.",
            code="idempotency_key_required",
            fields={"Idempotency-Key": ["Send a UUID."]},
        )
    return cleaned


def registration_fingerprint(data: NewMember) -> str:
    """What makes two offline registrations sent with one Idempotency-Key "the same": every
    field as the schema loaded it (names, date of birth, postcode, household, eligibility,
    consents, contact, dietary needs, the joining fee) and when, where and under which
    provisional number the tablet recorded it."""
    canonical = asdict(data)
    born = data.date_of_birth
    canonical["date_of_birth"] = born.isoformat() if born is not None else None
    # Fields added later are left out when not given, so that earlier keys still match.
    if data.monitoring is None:
        del canonical["monitoring"]
    if data.age_band is None:
        del canonical["age_band"]
    if not data.care_of:
        del canonical["care_of"]
    if data.offline is not None:
        canonical["offline"] = {
            "recorded_at": data.offline.recorded_at.astimezone(UTC).isoformat(),
            "device": data.offline.device,
            "provisional_number": data.offline.provisional_number,
        }
    return fingerprint(canonical)


def offline_by_key(site: Site, key: str) -> OfflineRegistration | None:
    return db.session.scalar(
        select(OfflineRegistration).where(
            OfflineRegistration.site_id == site.id, OfflineRegistration.idempotency_key == key
        )
    )


def replay_warnings(record: OfflineRegistration, hashed: str) -> list[dict[str, str]]:
    """The first registration made with this key answers its retry, provided the retry asks
    for the same registration (its warnings again); the key reused for anything else is
    refused (409)."""
    if record.request_hash != hashed:
        raise Conflict(
            "This Idempotency-Key was already used for another registration; that first "
            "registration stands and this one was not recorded. Send a new key for a new "
            "registration.",
            code="idempotency_key_reused",
            details={"membership_number": record.member.membership_number},
        )
    return registration_warnings(record)


def registration_warnings(record: OfflineRegistration | None) -> list[dict[str, str]]:
    """What the desk is told of an offline registration under review."""
    if record is None or record.review_reason_code != POSSIBLE_DUPLICATE:
        return []
    return [{"code": POSSIBLE_DUPLICATE, "message": record.review_reason}]


def offline_allowed(site: Site, settings: SiteSettings, data: NewMember, now: datetime) -> None:
    """Refuse (422) an offline registration where the site does not allow it, or recorded in
    the future or before yesterday (the rule offline check-ins follow)."""
    if not settings.offline_registration:
        raise InvalidInput(
            f"{site.name} does not register households offline: register them at the desk "
            "when the connection is back.",
            code="offline_registration_not_allowed",
            fields={"offline": ["This site does not allow offline registration."]},
        )
    assert data.offline is not None
    offline_time_allowed(site, data.offline.recorded_at, now, what="registration")


def keep_offline(
    member: Member, data: NewMember, key: str, hashed: str, existing: Member | None
) -> OfflineRegistration:
    """Keep how a tablet registered the household offline, marked for review when the
    server found a possible duplicate (never merged: the manager decides)."""
    assert data.offline is not None
    record = OfflineRegistration(
        member_id=member.id,
        site_id=member.site_id,
        idempotency_key=key,
        request_hash=hashed,
        recorded_at=data.offline.recorded_at.astimezone(UTC),
        device=data.offline.device,
        provisional_number=data.offline.provisional_number,
    )
    if existing is not None:
        record.review_status = RegistrationReview.OPEN.value
        record.review_reason_code = POSSIBLE_DUPLICATE
        record.review_reason = _duplicate_words(existing)[:300]
        record.duplicate_of_id = existing.id
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        # The same key, sent at the same moment from another tab: that one registers.
        raise Conflict(
            "This registration is being sent from another tab at this moment. Try again.",
            code="registration_in_progress",
        ) from None
    return record


def offline_audit(record: OfflineRegistration | None) -> dict[str, Any]:
    """What the audit log keeps of an offline registration (nothing for one at the desk)."""
    if record is None:
        return {}
    return {
        "offline_recorded_at": record.recorded_at.isoformat(),
        "device": record.device,
        "provisional_number": record.provisional_number,
        "review": record.review_reason_code or None,
        "duplicate_of": record.duplicate_of_id,
    }
