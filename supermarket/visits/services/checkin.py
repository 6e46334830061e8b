"""Checking a member in: the panel the desk sees, the check-in itself and voiding a visit.

Never twice, never over the limit: a check-in locks the member's row (SELECT ... FOR UPDATE
on PostgreSQL; on SQLite the request already holds the write lock, BEGIN IMMEDIATE) before it
counts the visits in the window and inserts, so two tablets checking in one household at once
are serialised and the second sees the first's visit. The idempotency key is unique per site
in the database (visit_keys: its row is inserted before the visit, which is inserted only if
the key was free); a retry with the same key, even one that waited on the lock while the first
attempt was still running, answers with the first visit — provided it asks for the same check-in
(request_fingerprint): the key reused for anything else is refused (409 idempotency_key_reused),
never answered with a visit that dropped the new basket or payment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from supermarket.auth import audit
from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import Role, User
from supermarket.errors import Conflict, PermissionDenied, RuleViolation
from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.identifiers import normalise_membership_number
from supermarket.members.models import Member
from supermarket.sites.calendar import local_date, now_or, offline_time_allowed
from supermarket.sites.models import Site
from supermarket.sites.settings import WEEKLY_SHOP, SiteSettings
from supermarket.visits.models import (
    DEVICE_NOT_ENROLLED,
    Device,
    ReviewStatus,
    SiteSession,
    Visit,
    VisitBand,
    VisitKey,
    VisitLine,
    visit_stored,
)
from supermarket.visits.services import payments, stock_link, visit_types
from supermarket.visits.services.allowance import (
    Allowance,
    Basket,
    ScannedLine,
    SettledPayment,
    savings,
)
from supermarket.visits.services.dates import week_key
from supermarket.visits.services.offline_proxy import checkin_proxy
from supermarket.visits.services.requests import (
    CheckInRequest,
    Offline,
    clean_key,
    request_fingerprint,
)
from supermarket.visits.services.rules import (
    LimitState,
    Problem,
    allowance_problem,
    limit_state,
    membership_problem,
    read,
    state_from,
    weekly_keys,
)

UNENROLLED_WORDS = "Recorded on a tablet that was not enrolled at this site at the time."

# --- finding the member ---------------------------------------------------------------------


def find_member(site: Site, number: str, *, actor: User, for_update: bool = False) -> Member:
    """The member whose card was scanned or typed at this site's desk: the site's own
    members, or another site's where this site accepts them (the members' rule,
    `not_allowed_at_this_site` otherwise). The caller (check-in, the panel) has checked that
    the actor works at `site`."""
    return members.find_member_for_checkin(site, number, actor=actor, for_update=for_update)


def home_settings(member: Member, site: Site, settings: SiteSettings) -> SiteSettings:
    return settings if member.site_id == site.id else member.site.settings


def can_override(site_settings: SiteSettings, actor: User) -> bool:
    return not site_settings.overrides_managers_only or actor.role == Role.SITE_MANAGER


# --- checking in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowSite:
    code: str


@dataclass(frozen=True)
class RowMember:
    membership_number: str
    first_name: str


@dataclass
class VisitRow:
    """A visit as check-in inserted it, with what the answer shows of its site and member: read
    by the same output schema as a Visit (schemas.VisitOut), without loading one."""

    id: int
    values: dict[str, Any]  # the visits row's columns as inserted (defaults left out)
    site_code: str
    membership_number: str
    first_name: str
    bands: list[dict[str, Any]]  # visit_bands rows: band, quantity, value_pence
    lines: list[dict[str, Any]]  # visit_lines rows: the scanned products

    def __getattr__(self, name: str) -> Any:
        # A column of the row; the columns the check-in leaves to their defaults are those of
        # a visit not voided and not reviewed.
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        if name in _ROW_DEFAULTS:
            return _ROW_DEFAULTS[name]
        raise AttributeError(name)

    @property
    def site(self) -> RowSite:
        return RowSite(self.site_code)

    @property
    def member(self) -> RowMember:
        return RowMember(self.membership_number, self.first_name)

    @property
    def household(self) -> dict[str, int]:
        v = self.values
        people = v["adults"] + v["children_0_4"] + v["children_5_11"] + v["children_12_17"]
        return {
            "adults": v["adults"],
            "children_0_4": v["children_0_4"],
            "children_5_11": v["children_5_11"],
            "children_12_17": v["children_12_17"],
            "people": people,
        }

    @property
    def basket(self) -> dict[str, int]:
        return {b["band"]: b["quantity"] for b in self.bands}

    @property
    def items(self) -> int:
        return sum(b["quantity"] for b in self.bands)

    @property
    def is_voided(self) -> bool:
        return False

    @property
    def offline(self) -> dict[str, Any] | None:
        recorded_at = self.values.get("offline_recorded_at")
        if recorded_at is None:
            return None
        return {"recorded_at": recorded_at, "device": self.values.get("offline_device")}

    @property
    def review(self) -> dict[str, Any] | None:
        status = self.values.get("review_status")
        if status is None:
            return None
        return {
            "status": status,
            "reason_code": self.values.get("review_reason_code", ""),
            "reason": self.values.get("review_reason", ""),
            "note": "",
        }


# What a new visit holds in the columns check-in does not set.
_ROW_DEFAULTS: dict[str, Any] = {
    "proxy_id": None,
    "voided_at": None,
    "void_reason": "",
    "review_note": "",
    "offline_recorded_at": None,
    "offline_device": None,
    "review_status": None,
    "review_reason_code": "",
    "review_reason": "",
}


@dataclass
class CheckIn:
    """The visit, whether this request created it (False: a replay of its key), and the
    member's visits left in the window after it.

    A created visit is `row` (what was inserted); `visit` loads it as a Visit when asked for
    (the desk form, the tests). A replay holds the first visit, loaded."""

    visit_id: int
    created: bool
    visits_left: int
    next_visit_from: date | None = None
    problems: list[Problem] = field(default_factory=list)
    row: VisitRow | None = None
    loaded: Visit | None = None

    @property
    def visit(self) -> Visit:
        if self.loaded is None:
            self.loaded = db.session.get_one(Visit, self.visit_id)
        return self.loaded


_VISITS = cast(Table, Visit.__table__)
# The check-in's reads, made once (their cache keys too): plain columns, no objects loaded.
_BY_KEY = select(_VISITS.c.id).where(
    _VISITS.c.site_id == bindparam("site_id"), _VISITS.c.idempotency_key == bindparam("key")
)
_SESSIONS = cast(Table, SiteSession.__table__)
_OPEN_SESSION = (
    select(_SESSIONS.c.id)
    .where(
        _SESSIONS.c.site_id == bindparam("site_id"),
        _SESSIONS.c.closed_at.is_(None),
        _SESSIONS.c.local_date == bindparam("today"),
    )
    .with_for_update(read=True)
)


def _visit_by_key(site: Site, key: str) -> Visit | None:
    found = read(_BY_KEY, {"site_id": site.id, "key": key}).scalar()
    return db.session.get(Visit, found) if found is not None else None


def _replay(
    visit: Visit, number: str, fingerprint: str, settings: SiteSettings, now: datetime
) -> CheckIn:
    """The first visit made with this key, provided the retry asks for the same check-in
    (visits recorded before fingerprints were kept: for the same member)."""
    if normalise_membership_number(number) != visit.member.membership_number:
        raise Conflict(
            "This Idempotency-Key was already used for another member's check-in. Send a new "
            "key for a new check-in.",
            code="idempotency_key_reused",
            details={"visit_id": visit.id},
        )
    if visit.request_hash is not None and visit.request_hash != fingerprint:
        raise Conflict(
            f"This Idempotency-Key was already used to check {visit.member.first_name} in with "
            "a different basket or payment; that first check-in stands and this one was not "
            "recorded. Send a new key for a new check-in.",
            code="idempotency_key_reused",
            details={"visit_id": visit.id},
        )
    state = limit_state(visit.member, settings, local_date(visit.site, now))
    return CheckIn(
        visit.id,
        created=False,
        visits_left=state.left,
        next_visit_from=state.next_visit_from,
        loaded=visit,
    )


def _row_locks() -> bool:
    """Whether the database locks rows. SQLite does not, and needs not: a request that writes
    holds the database's write lock from its first statement (BEGIN IMMEDIATE), so everything
    it read, the replay check above included, is already what the previous check-in left."""
    return db.session.get_bind().dialect.name != "sqlite"


def _apply_overrides(
    problems: list[Problem], reason: str, settings: SiteSettings, actor: User
) -> list[str]:
    """Refuse the check-in for the first problem unless every problem may be overridden and a
    reason was given (by a site manager where the site says so); returns the overridden rules."""
    if not problems:
        return []
    details = {"problems": [p.as_dict() for p in problems]}
    blocking = [p for p in problems if not p.overridable]
    first = blocking[0] if blocking else problems[0]
    if blocking or not reason:
        raise RuleViolation(
            first.message,
            code=first.rule.value,
            details={**details, "overridable": not blocking, **first.details},
        )
    if not can_override(settings, actor):
        raise PermissionDenied(
            "Only a site manager can override a rule at this site. Ask the manager on shift.",
            code="override_needs_manager",
            details=details,
        )
    return [p.rule.value for p in problems]


def _open_session_id(site: Site, today: date) -> int | None:
    """Today's open session at the site, read with a share lock so that closing it (which
    takes the row's update lock) waits for check-ins in flight and then totals them."""
    found = read(_OPEN_SESSION, {"site_id": site.id, "today": today}).scalar()
    return int(found) if found is not None else None


def check_in(
    site: Site,
    request: CheckInRequest,
    *,
    actor: User,
    key: str | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Record a visit as CheckInIn loaded it, applying every rule (build_visit), once.

    A replay of `key` returns the first visit with `created` False. Scanned lines are issued
    from stock in the same transaction. The visit, its bands and lines and the audit event
    are written as plain statements (one INSERT ... RETURNING of its key when it has one, one
    of the visit, one executemany each for its bands and lines, one INSERT of the event), not
    through the session's unit of work: nothing is loaded or flushed that the answer does not need.
    """
    ensure_works_at(actor, site)
    key = clean_key(key)
    now = now_or(now)
    settings = site.settings
    number = request.membership_number
    fingerprint = request_fingerprint(request)
    if key is not None and (found := _visit_by_key(site, key)) is not None:
        return _replay(found, number, fingerprint, settings, now)
    if request.offline is not None:
        offline_time_allowed(site, request.offline.recorded_at, now)
    locks = _row_locks()
    member = find_member(site, number, actor=actor, for_update=locks)
    lines = stock_link.scanned_lines(request.lines)
    if locks and key is not None and (found := _visit_by_key(site, key)) is not None:
        # A first attempt with this key may have committed while we waited on the lock.
        return _replay(found, number, fingerprint, settings, now)

    draft = build_visit(site, member, request, lines, settings=settings, actor=actor, now=now)
    values = draft.values
    values["idempotency_key"] = key
    values["request_hash"] = fingerprint if key is not None else None
    visit_id = _insert(values)
    if visit_id is None:
        # The unique key (the last guard): another request stored this key after we looked,
        # and committed (PostgreSQL: our key insert waited for it).
        first = _visit_by_key(site, key) if key is not None else None
        if first is None:
            raise RuntimeError("the visit was not stored and no visit holds its key")
        return _replay(first, number, fingerprint, settings, now)
    bands, visit_lines = _basket_rows(draft.basket, visit_id, values["local_date"])
    _insert_rows(VisitBand, bands)
    _insert_rows(VisitLine, visit_lines)
    # Stored without the ORM, so said out loud: an offline visit may be dated a day the
    # reports have already summed.
    visit_stored(db.session.connection(), site.id, values["local_date"])
    payments.record(
        draft.settled,
        visit_id=visit_id,
        member_id=member.id,
        site_id=site.id,
        actor_id=actor.id,
        today=values["local_date"],
        now=now,
    )
    stock_link.issue_lines(site, draft.basket.lines, visit_id=visit_id, actor=actor, at=now)
    audit.insert_on(
        "visit.checked_in",
        "visit",
        visit_id,
        actor,
        site.id,
        overridden_rules=draft.overridden,
        other_site=member.site_id != site.id,
        lines=len(draft.basket.lines),
        **_offline_audit(values),
        **_kind_audit(values),
    )
    today = values["local_date"]
    counted = (today,) if values["visit_type"] in weekly_keys(settings) else ()
    after = state_from((*draft.state.dates, *counted), settings, today)
    row = VisitRow(
        visit_id,
        values,
        site.code,
        member.membership_number,
        member.first_name,
        bands,
        visit_lines,
    )
    return CheckIn(
        visit_id,
        created=True,
        visits_left=after.left,
        next_visit_from=after.next_visit_from,
        problems=draft.problems,
        row=row,
    )


@dataclass
class Draft:
    """A visit built and allowed by every rule, not yet stored (its row's values); what
    check-in needs of the rules after storing it."""

    values: dict[str, Any]
    basket: Basket
    state: LimitState
    problems: list[Problem]
    overridden: list[str]
    settled: payments.Settled


def build_visit(
    site: Site,
    member: Member,
    request: CheckInRequest,
    lines: list[ScannedLine],
    *,
    settings: SiteSettings,
    actor: User,
    now: datetime,
) -> Draft:
    """The visit a check-in records, once every rule allows it.

    Refuses (409) a membership that is waiting, closed, suspended or past its term and grace
    period, a member over the visit limit (counted across sites in the ISO week or the last
    7 days) and a basket over the household's allowance, unless the problems may be
    overridden and `override_reason` is given.
    """
    offline = request.offline
    # An offline check-in's rules are those of when the tablet recorded it.
    today = local_date(site, offline.recorded_at if offline is not None else now)
    # The visit type's rules (visit_types): the weekly shop's are the site's own.
    kind = visit_types.chosen_type(settings, request.visit_type)
    allowance = visit_types.allowance_for_type(settings, kind, member.household_size)
    basket = visit_types.basket_for(kind, allowance, request.basket, lines)
    settled = payments.settle(
        kind,
        settings,
        member,
        site.id,
        allowance,
        basket,
        request.payment,
        today,
        offline=offline is not None,
    )
    payment = settled.payment
    state = limit_state(member, settings, today)
    problems = [
        p
        for p in (
            visit_types.membership_for(
                kind, membership_problem(member, home_settings(member, site, settings), today)
            ),
            visit_types.limit_for(member, kind, settings, today, state),
            allowance_problem(basket),
            settled.problem,
        )
        if p is not None
    ]
    reason = (request.override_reason or "").strip()
    review: RuleViolation | PermissionDenied | None = None
    try:
        overridden = _apply_overrides(problems, reason, settings, actor)
    except (RuleViolation, PermissionDenied) as refusal:
        if offline is None:
            raise
        # The food has gone: the visit is recorded and marked for the manager's review.
        review, overridden = refusal, []
    values: dict[str, Any] = {
        "site_id": site.id,
        "member_id": member.id,
        "session_id": _open_session_id(site, today),
        "visited_at": now,
        "local_date": today,
        "week_key": week_key(today),
        "visit_type": kind.key,
        **_household(member),
        **_takings(allowance, basket, payment),
        **settled.values,
        "override_reason": reason if overridden else "",
        "overridden_rules": overridden,
        "overridden_by_id": actor.id if overridden else None,
        "actor_id": actor.id,
    }
    if request.proxy_id is not None:
        values["proxy_id"], refused = checkin_proxy(
            member, request.proxy_id, offline=offline is not None
        )
        review = review or refused
    if offline is not None:
        _mark_offline(values, offline, review, problems)
    return Draft(values, basket, state, problems, overridden, settled)


def _mark_offline(
    values: dict[str, Any],
    offline: Offline,
    review: RuleViolation | PermissionDenied | None,
    problems: list[Problem],
) -> None:
    """Keep when and where an offline check-in was recorded, and mark it for review with the
    refusal's code and every rule's words when a rule would have refused it."""
    recorded_at = offline.recorded_at.astimezone(UTC)
    values["offline_recorded_at"] = recorded_at
    values["offline_device"] = offline.device or None
    code, words = "", ""
    if review is not None:
        code = review.code
        words = " ".join(p.message for p in problems) or review.message
    if offline.device and not _enrolled_at(offline.device, values["site_id"], recorded_at):
        # Only an enrolled tablet may hold the roster: the manager should know of one that
        # was not (revoked, another site's, unknown) when it recorded this check-in.
        code = code or DEVICE_NOT_ENROLLED
        words = f"{words} {UNENROLLED_WORDS}".strip()
    if not code:
        return
    values["review_status"] = ReviewStatus.OPEN.value
    values["review_reason_code"] = code[:40]
    values["review_reason"] = words[:300]


def _enrolled_at(device_id: str, site_id: int, at: datetime) -> bool:
    device = db.session.get(Device, device_id[:64])
    return device is not None and device.enrolled_when(site_id, at)


def _offline_audit(values: dict[str, Any]) -> dict[str, Any]:
    recorded_at = values.get("offline_recorded_at")
    if recorded_at is None:
        return {}
    return {
        "offline_recorded_at": recorded_at.isoformat(),
        "device": values.get("offline_device"),
        "review": values.get("review_reason_code") or None,
    }


def _kind_audit(values: dict[str, Any]) -> dict[str, Any]:
    """The visit type when not the weekly shop, and the proxy who collected when one did: only
    when present, so a weekly shop the member collected is audited as before."""
    kind = {} if values["visit_type"] == WEEKLY_SHOP else {"visit_type": values["visit_type"]}
    proxy = {} if values.get("proxy_id") is None else {"proxy_id": values["proxy_id"]}
    return kind | proxy


def _basket_rows(
    basket: Basket, visit_id: int, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The basket as the visit keeps it: items per band, and the scanned products, each with
    the visit's id and local_date (their key to it)."""
    bands = [
        {
            "visit_id": visit_id,
            "local_date": today,
            "band": band,
            "quantity": count,
            "value_pence": basket.values.get(band, 0),
        }
        for band, count in basket.counts.items()
    ]
    # A visit line keeps the scanned line as it is: the product, and its name, band and price then.
    lines = [{"visit_id": visit_id, "local_date": today, **asdict(line)} for line in basket.lines]
    return bands, lines


def _household(member: Member) -> dict[str, int]:
    """The household as it shops today, kept on the visit."""
    return {
        "adults": member.adults,
        "children_0_4": member.children_0_4,
        "children_5_11": member.children_5_11,
        "children_12_17": member.children_12_17,
    }


def _takings(allowance: Allowance, basket: Basket, payment: SettledPayment) -> dict[str, Any]:
    """The tier, fee, payment and value of a visit."""
    return {
        "tier": allowance.tier,
        "fee_pence": allowance.fee_pence,
        "payment_method": payment.method,
        "amount_paid_pence": payment.amount_pence,
        "payment_reason": payment.reason,
        "retail_value_pence": basket.retail_value_pence,
        "savings_pence": savings(basket.retail_value_pence, payment.amount_pence),
    }


_KEYS = cast(Table, VisitKey.__table__)
_KEY_INSERTS: dict[str, Insert] = {}
_VISIT_INSERT = insert(_VISITS).returning(_VISITS.c.id)


def _key_insert(dialect: str) -> Insert:
    """INSERT a key ... ON CONFLICT (site, key) DO NOTHING RETURNING it, made once per
    dialect. A key taken under us inserts nothing and returns no row, and the transaction
    stays usable to read the first visit: no savepoint is needed around it. On PostgreSQL a
    key another transaction inserted and has not committed makes this one wait for it (then
    conflict, or insert if it rolled back): the other request waited on no lock of ours, as
    its member may differ."""
    stmt = _KEY_INSERTS.get(dialect)
    if stmt is None:
        maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _KEY_INSERTS[dialect] = (
            maker(_KEYS)
            .on_conflict_do_nothing(index_elements=[_KEYS.c.site_id, _KEYS.c.idempotency_key])
            .returning(_KEYS.c.site_id)
        )
    return stmt


def _insert(values: dict[str, Any]) -> int | None:
    """Store the visit, once: its id, or None when its key was taken (another request stored
    a visit with the same key first). A visit with a key stores the key first, then the visit
    (one statement more than a visit without one).

    On SQLite this request holds the write lock and found no visit with its key, so the key
    cannot be taken under it.
    """
    connection = db.session.connection()
    key = values.get("idempotency_key")
    if key is not None:
        row = {"site_id": values["site_id"], "idempotency_key": key}
        row["created_at"] = values["visited_at"]
        if connection.execute(_key_insert(connection.dialect.name), row).first() is None:
            return None
    return int(connection.execute(_VISIT_INSERT, values).scalar_one())


def _insert_rows(model: type[VisitBand] | type[VisitLine], rows: list[dict[str, Any]]) -> None:
    """One executemany of a visit's band or line rows."""
    if rows:
        db.session.connection().execute(insert(cast(Table, model.__table__)), rows)
