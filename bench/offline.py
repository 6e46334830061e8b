"""Offline check-in figures (issue 14): a tablet's queue synced, and the roster it holds.

- `offline-sync`: a signed-in volunteer's tablet sends the check-ins it recorded offline, one
  after another and oldest first on one keep-alive connection, exactly as
  `supermarket/static/js/offline.js` sends its queue: `POST /api/v1/sites/<site>/visits`
  with the session cookie, `X-CSRFToken`, `Content-Type`/`Accept: application/json`, the
  item's own `Idempotency-Key` and the body fixed when it was recorded (`membership_number`,
  `basket`, `lines: []`, `payment` with the member's fee, and `offline: {recorded_at,
  device}` with `recorded_at` as `Date.toISOString()` writes it). A few members are in the
  queue once more than the site's weekly limit allows, so those check-ins are recorded and
  marked for review. The database is then asked how many visits the device's check-ins made
  (each exactly once), and the same queue is sent again, as a sync cut off before the
  tablet heard the answers is retried: every answer must be a replay and no visit new.
- `offline-roster`: the same tablet loads the desk page as `checkin.js` does (`GET
  .../roster/key`, then `GET .../roster` with `X-Device`), on the site whose roster is
  nearest 5,000 members: bytes as sent and gzip-compressed, and the time. Then an hour of a
  busy session (check-ins at the desk and a few member edits) and `GET .../roster?since=`
  the time before it: bytes, and the members in it.

Nothing is sent that the tablet would not send: no warm-up. The device is enrolled through
the API by the site's manager first, and revoked at the end; the visits these benchmarks
made are deleted at the end, so a run leaves the members as it found them (and a later run
finds members who may still visit this week).
"""

from __future__ import annotations

import gzip
import http.client
import json
import multiprocessing
import re
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text

from bench import data, load
from bench.context import Context, Figure

HOST = "127.0.0.1"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
# What Chromium sends with every fetch: the server (or the proxy in front of it) may compress.
ACCEPT_ENCODING = "gzip, deflate, br"
ROSTER_TARGET_BYTES = 500_000  # "under 500 KB compressed"
SINCE_TARGET_BYTES = 5_000  # "under 5 KB for a typical hour"
SYNC_TARGET_SECONDS = 30.0
QUEUE = 500
ROSTER_SITE_MEMBERS = 5_000
PAGE_LOADS = 5  # the desk page loaded five times over a session: each fetches the roster
HOUR_CHECKINS = 45  # an hour of a busy session at one desk: one every 80 seconds
_TIMEOUT = 120.0


# --- a signed-in tablet ---------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)
    wire_bytes: int = 0  # as it came over the network (compressed, if the server compressed)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Tablet:
    """A browser on 127.0.0.1: one keep-alive connection, its cookies and the page's CSRF
    token, sending what offline.js and checkin.js send."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None, csrf: str = "") -> None:
        self.port = port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.csrf = csrf
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Answer:
        sent = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=_TIMEOUT)
        began = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        seconds = time.perf_counter() - began
        got = response.getheaders()
        for name, value in got:
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val
                else:
                    self.cookies.pop(key.strip(), None)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        wire = len(payload)
        if response.getheader("Content-Encoding", "").lower() == "gzip":
            payload = gzip.decompress(payload)  # as the browser does
        return Answer(response.status, payload, seconds, {k.lower(): v for k, v in got}, wire)

    def sign_in(self, email: str, page: str = "/checkin") -> None:
        """Sign in through the form, then open the desk page for its CSRF token."""
        login = self.request("GET", "/login")
        token = _CSRF.search(login.body.decode())
        form = {
            "email": email,
            "password": data.PASSWORD,
            "csrf_token": token.group(1) if token else "",
        }
        done = self.request(
            "POST",
            "/login",
            {"Content-Type": "application/x-www-form-urlencoded"},
            urlencode(form).encode(),
        )
        if done.status != 303:
            raise RuntimeError(f"sign-in as {email} answered {done.status}")
        desk = self.request("GET", page)
        found = _CSRF.search(desk.body.decode())
        if desk.status != 200 or found is None:
            raise RuntimeError(f"{page} answered {desk.status} without a CSRF token")
        self.csrf = found.group(1)

    def post_json(self, path: str, body: bytes, key: str, method: str = "POST") -> Answer:
        """offline.js sendOne (and checkin.js through appFetch): the same headers."""
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
            "X-CSRFToken": self.csrf,
        }
        return self.request(method, path, headers, body)

    def get_json(self, path: str, device: str) -> Answer:
        """offline.js getJson: Accept and the tablet's X-Device."""
        return self.request("GET", path, {"Accept": "application/json", "X-Device": device})


def js_iso(moment: datetime) -> str:
    """`new Date().toISOString()`: UTC, milliseconds, Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def compact(value: Any) -> bytes:
    """JSON.stringify's bytes: no spaces, keys in the order given."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# --- the site, its device, its members ------------------------------------------------------


@dataclass
class Site:
    id: int
    code: str
    manager: str
    volunteer: str
    timezone: str
    members: int  # on the roster: not closed, not anonymised


def roster_site(ctx: Context) -> Site:
    """The site whose roster is nearest 5,000 members (the issue's figure)."""
    engine = ctx.engine()
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                text(
                    "SELECT site_id, count(*) FROM members WHERE anonymised_at IS NULL "
                    "AND status <> 'closed' GROUP BY site_id"
                )
            ).all()
        )
        zones = dict(conn.execute(text("SELECT id, timezone FROM sites")).all())
    engine.dispose()
    best = min(ctx.programme.sites, key=lambda s: abs(counts.get(s["id"], 0) - ROSTER_SITE_MEMBERS))
    return Site(
        best["id"],
        best["code"],
        best["manager"],
        best["volunteer"],
        str(zones.get(best["id"]) or "Europe/London"),
        int(counts.get(best["id"], 0)),
    )


def enrol(ctx: Context, site: Site, name: str) -> str:
    """The site manager enrols a tablet through the API; its id is what the tablet keeps."""
    tablet = Tablet(ctx.port)
    headers = {"Content-Type": "application/json", **dict(ctx.auth(site.manager))}
    answer = tablet.request(
        "POST", f"/api/v1/sites/{site.code}/devices", headers, compact({"name": name})
    )
    tablet.close()
    if answer.status != 201:
        raise RuntimeError(f"enrolling a tablet answered {answer.status}: {answer.body[:200]!r}")
    return str(answer.json()["id"])


def enrolled_before(ctx: Context, device: str, day: date) -> None:
    """The tablet was enrolled well before the check-ins it queued (a week before their day):
    the server marks for review a check-in recorded on a tablet not yet enrolled then."""
    since = datetime.combine(day - timedelta(days=7), datetime.min.time(), UTC)
    engine = ctx.engine()
    at: datetime | str = since
    if engine.dialect.name == "sqlite":  # as SQLAlchemy stores a UTC time there
        at = since.strftime("%Y-%m-%d %H:%M:%S.%f")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE devices SET enrolled_at = :at WHERE id = :id"), {"at": at, "id": device}
        )


def revoke(ctx: Context, site: Site, device: str) -> None:
    tablet = Tablet(ctx.port)
    tablet.request(
        "DELETE", f"/api/v1/sites/{site.code}/devices/{device}", dict(ctx.auth(site.manager))
    )
    tablet.close()


@dataclass(frozen=True)
class Eligible:
    number: str
    people: int
    adults: int
    children: tuple[int, int, int]


def eligible_members(ctx: Context, site: Site, today: date, n: int) -> list[Eligible]:
    """Active members of the site whose term runs past today and who have not visited in
    the last eight days (so no visit limit, ISO week or rolling seven days, is in the way),
    in a seeded random order."""
    engine = ctx.engine()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.membership_number, m.adults, m.children_0_4, m.children_5_11, "
                "m.children_12_17 FROM members m WHERE m.site_id = :s AND m.status = 'active' "
                "AND m.anonymised_at IS NULL AND m.expires_on > :soon AND NOT EXISTS ("
                "SELECT 1 FROM visits v WHERE v.member_id = m.id AND v.local_date >= :since) "
                "ORDER BY m.id"
            ),
            {
                "s": site.id,
                "soon": (today + timedelta(days=2)).isoformat(),
                "since": (today - timedelta(days=8)).isoformat(),
            },
        ).all()
    engine.dispose()
    found = [Eligible(r[0], r[1] + r[2] + r[3] + r[4], r[1], (r[2], r[3], r[4])) for r in rows]
    ctx.rng.shuffle(found)
    return found[:n]


@dataclass(frozen=True)
class Rules:
    visits_per_week: int
    allowance: dict[int, tuple[int, dict[str, int | None]]]  # people -> (fee, band limits)


def site_rules(ctx: Context, site: Site, sizes: set[int]) -> Rules:
    """The site's rules through the app's own code, as the roster gives them to the tablet."""
    from supermarket.extensions import db
    from supermarket.sites.models import Site as SiteRow
    from supermarket.visits.services.allowance import allowance_for

    app = data.make_app(ctx.url)
    with app.app_context():
        row = db.session.get(SiteRow, site.id)
        assert row is not None
        settings = row.settings
        allowance = {}
        for people in sizes:
            found = allowance_for(settings, people)
            allowance[people] = (found.fee_pence, dict(found.limits))
        rules = Rules(settings.visits_per_week, allowance)
        db.session.remove()
        db.engine.dispose()
    return rules


def checkin_body(
    ctx: Context, member: Eligible, rules: Rules, offline: dict[str, str] | None
) -> dict[str, Any]:
    """The body offline.js keeps (or checkin.js sends): counts within the allowance, the
    member's fee paid by cash or card."""
    fee, limits = rules.allowance[member.people]
    basket: dict[str, int] = {}
    for band, limit in limits.items():
        count = (
            ctx.rng.randint(0, 4) if limit is None else ctx.rng.randint(max(0, limit - 2), limit)
        )
        if count:
            basket[band] = count
    body: dict[str, Any] = {"membership_number": member.number, "basket": basket, "lines": []}
    if fee > 0:
        method = "cash" if ctx.rng.random() < 0.7 else "card"
        body["payment"] = {"method": method, "amount_pence": fee, "reason": ""}
    if offline is not None:
        body["offline"] = offline
    return body


def delete_visits(ctx: Context, where: str, params: dict[str, Any]) -> int:
    """Remove the visits a benchmark made (their basket rows first), as reset_week does."""
    engine = ctx.engine()
    with engine.begin() as conn:
        select = text(f"SELECT id FROM visits WHERE {where}")
        for name, value in params.items():
            if isinstance(value, list):
                select = select.bindparams(bindparam(name, expanding=True))
        ids = [r[0] for r in conn.execute(select, params)]
        if ids:
            for table in ("visit_bands", "visit_lines"):
                conn.execute(
                    text(f"DELETE FROM {table} WHERE visit_id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": ids},
                )
            conn.execute(
                text(
                    "DELETE FROM visit_keys WHERE EXISTS (SELECT 1 FROM visits v WHERE "
                    "v.site_id = visit_keys.site_id "
                    "AND v.idempotency_key = visit_keys.idempotency_key AND v.id IN :ids)"
                ).bindparams(bindparam("ids", expanding=True)),
                {"ids": ids},
            )
            conn.execute(
                text("DELETE FROM visits WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            )
    engine.dispose()
    return len(ids)


def _summary(latencies_ms: list[float], errors: int, elapsed: float) -> dict[str, Any]:
    return {
        "requests": len(latencies_ms) + errors,
        "ok": len(latencies_ms),
        "errors": errors,
        "p50": load.percentile(latencies_ms, 50),
        "p95": load.percentile(latencies_ms, 95),
        "p99": load.percentile(latencies_ms, 99),
        "max": max(latencies_ms) if latencies_ms else float("nan"),
        "throughput": len(latencies_ms) / elapsed if elapsed else 0.0,
    }


# --- the sync -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One queued check-in as offline.js keeps it."""

    api: str
    key: str
    body: bytes
    number: str


@dataclass
class SyncRun:
    latencies: list[float] = field(default_factory=list)  # ms, of expected answers
    statuses: dict[int, int] = field(default_factory=dict)
    reviews: dict[str, int] = field(default_factory=dict)  # reason code -> count
    replayed: int = 0
    seconds: float = 0.0
    samples: list[str] = field(default_factory=list)
    errors: int = 0


def _send_queue(
    port: int, cookies: dict[str, str], csrf: str, items: list[Item], expect: int
) -> SyncRun:
    """sendAll: each waiting item in turn, the next once the last has been answered."""
    tablet = Tablet(port, cookies, csrf)
    run = SyncRun()
    began = time.perf_counter()
    for item in items:
        try:
            answer = tablet.post_json(item.api, item.body, item.key)
        except (OSError, http.client.HTTPException) as exc:
            run.errors += 1
            run.statuses[0] = run.statuses.get(0, 0) + 1
            if len(run.samples) < 3:
                run.samples.append(repr(exc))
            continue
        run.statuses[answer.status] = run.statuses.get(answer.status, 0) + 1
        if answer.status != expect:
            run.errors += 1
            if len(run.samples) < 3:
                run.samples.append(f"{answer.status} {answer.body[:300]!r}")
            continue
        run.latencies.append(answer.seconds * 1000)
        found = answer.json()
        review = found.get("review") if isinstance(found, dict) else None
        if review:
            code = str(review.get("reason_code") or "?")
            run.reviews[code] = run.reviews.get(code, 0) + 1
        if answer.headers.get("idempotent-replayed") == "true":
            run.replayed += 1
    run.seconds = time.perf_counter() - began
    tablet.close()
    return run


def send_queue(tablet: Tablet, items: list[Item], expect: int) -> SyncRun:
    """In a fresh process, as the load generator runs (the client's work is not ours)."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(_send_queue, tablet.port, tablet.cookies, tablet.csrf, items, expect)
        return future.result(timeout=len(items) * 5 + 60)


def offline_window(zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime, str]:
    """When the queued check-ins were recorded: the three hours before now when they fall
    within the site's day; otherwise (just after midnight) yesterday's evening session, 18:00
    to 21:00 site time, which the server takes until the end of today."""
    local = now.astimezone(zone)
    start = now - timedelta(hours=3)
    if start.astimezone(zone).date() == local.date():
        return start, now - timedelta(minutes=1), "the three hours before the sync"
    evening = local.date() - timedelta(days=1)
    return (
        datetime.combine(evening, clock(18), zone),
        datetime.combine(evening, clock(21), zone),
        "yesterday's evening session, 18:00 to 21:00 site time, synced the next morning",
    )


def build_queue(
    ctx: Context, site: Site, device: str, size: int, repeaters: int
) -> tuple[list[Item], int, str, date]:
    """`size` check-ins recorded offline in the window, oldest first: `repeaters` members
    appear once more than the site's weekly limit allows (the last of theirs is marked for
    review), every other member once. Returns the queue, the reviews expected, the window's
    description and its site-local date."""
    zone = ZoneInfo(site.timezone)
    now = datetime.now(UTC)
    first, last, described = offline_window(zone, now)
    day = first.astimezone(zone).date()
    pool = eligible_members(ctx, site, day, size)
    rules = site_rules(ctx, site, {m.people for m in pool})
    each = rules.visits_per_week + 1
    repeaters = min(repeaters, len(pool) // each)
    distinct = size - repeaters * (each - 1)
    if len(pool) < distinct:
        raise RuntimeError(f"only {len(pool)} members of {site.code} may visit; {distinct} needed")
    members = pool[:distinct]
    entries = [m for m in members[:repeaters] for _ in range(each - 1)] + members
    ctx.rng.shuffle(entries)
    span = (last - first).total_seconds()
    times = sorted(first + timedelta(seconds=ctx.rng.uniform(0, span)) for _ in entries)
    api = f"/api/v1/sites/{site.code}/visits"
    items = []
    for member, at in zip(entries, times, strict=True):
        body = checkin_body(ctx, member, rules, {"recorded_at": js_iso(at), "device": device})
        items.append(Item(api, str(uuid.uuid4()), compact(body), member.number))
    return items, repeaters, described, day


def _visit_counts(ctx: Context, site: Site, device: str, day: date) -> dict[str, int]:
    engine = ctx.engine()
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT idempotency_key), "
                "sum(CASE WHEN review_status = 'open' THEN 1 ELSE 0 END), "
                "count(offline_recorded_at) FROM visits WHERE site_id = :s AND offline_device = :d"
            ),
            {"s": site.id, "d": device},
        ).one()
        at_site = conn.scalar(
            text("SELECT count(*) FROM visits WHERE site_id = :s AND local_date >= :day"),
            {"s": site.id, "day": (day - timedelta(days=1)).isoformat()},
        )
    engine.dispose()
    return {
        "visits": int(row[0]),
        "keys": int(row[1]),
        "marked_for_review": int(row[2] or 0),
        "with_offline_time": int(row[3]),
        "site_recent": int(at_site or 0),
    }


def offline_sync(ctx: Context) -> list[Figure]:
    size = 40 if ctx.quick else QUEUE
    repeaters = 3 if ctx.quick else 8
    site = roster_site(ctx)
    device = enrol(ctx, site, "Front desk (benchmark)")
    try:
        items, expected, described, day = build_queue(ctx, site, device, size, repeaters)
        enrolled_before(ctx, device, day)
        tablet = Tablet(ctx.port)
        tablet.sign_in(site.volunteer)
        tablet.close()
        before = _visit_counts(ctx, site, device, day)
        first = send_queue(tablet, items, 201)
        after = _visit_counts(ctx, site, device, day)
        again = send_queue(tablet, items, 200)
        replayed = _visit_counts(ctx, site, device, day)
    finally:
        revoke(ctx, site, device)
        delete_visits(ctx, "offline_device = :d", {"d": device})

    recorded = after["visits"] - before["visits"]
    once = recorded == size and after["keys"] == size and after["with_offline_time"] == size
    reviews = sum(first.reviews.values())
    name = (
        f"Offline sync: {size} queued check-ins, POST /api/v1/sites/<site>/visits one after "
        f"another ({site.members:,}-member site, "
        f"{ctx.programme.counts.get('visits', 0):,} visits in the database)"
    )
    ours = _summary(first.latencies, first.errors, first.seconds) | {
        "statuses": {str(k): v for k, v in sorted(first.statuses.items())},
        "total_seconds": first.seconds,
        "marked_for_review": reviews,
        "review_reasons": first.reviews,
        "reviews_expected": expected,
        "visits_recorded": recorded,
        "distinct_keys": after["keys"],
        "site_visits_new": after["site_recent"] - before["site_recent"],
        "site": site.code,
    }
    note = (
        f"recorded_at over {described}; {recorded} visits recorded for {size} check-ins "
        f"({after['keys']} distinct keys, each once); {reviews} marked for review "
        f"({', '.join(f'{k} {v}' for k, v in sorted(first.reviews.items())) or 'none'}; "
        f"{expected} expected: members queued {expected and 'once more than the weekly limit'})"
        + (f"; errors: {'; '.join(first.samples)}" if first.samples else "")
    )
    new_on_replay = replayed["visits"] - after["visits"]
    replay_ours = _summary(again.latencies, again.errors, again.seconds) | {
        "statuses": {str(k): v for k, v in sorted(again.statuses.items())},
        "total_seconds": again.seconds,
        "replayed": again.replayed,
        "visits_new": new_on_replay,
        "site_visits_new": replayed["site_recent"] - after["site_recent"],
    }
    return [
        Figure(
            name,
            f"one tablet, sequential, oldest first: {first.seconds:.1f} s in all",
            ours,
            None,
            target=f"all {size} in < {SYNC_TARGET_SECONDS:g} s; each recorded once; 0 errors",
            met=bool(first.seconds < SYNC_TARGET_SECONDS and once and first.errors == 0),
            note=note,
        ),
        Figure(
            f"Offline sync retried: the same {size} check-ins sent again (a cut-off sync)",
            f"one tablet, sequential: {again.seconds:.1f} s in all",
            replay_ours,
            None,
            target="every answer a replay (200); 0 new visits",
            met=bool(
                new_on_replay == 0
                and replay_ours["site_visits_new"] == 0
                and again.replayed == size
                and again.errors == 0
            ),
            note=f"{again.replayed} answers replayed; {new_on_replay} new visits"
            + (f"; errors: {'; '.join(again.samples)}" if again.samples else ""),
        ),
    ]


# --- the roster -----------------------------------------------------------------------------


def sizes(answer: Answer) -> dict[str, int]:
    """The answer's JSON bytes, the bytes that crossed the network (compressed where the app
    compressed them), and the JSON gzip-compressed here at level 6 (the app's own setting, and
    a proxy's usual one) and 1 (nginx's default)."""
    body = answer.body
    return {
        "raw_bytes": len(body),
        "wire_bytes": answer.wire_bytes,
        "gzip_bytes": len(gzip.compress(body, compresslevel=6, mtime=0)),
        "gzip1_bytes": len(gzip.compress(body, compresslevel=1, mtime=0)),
    }


def _kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def _hour_of_activity(
    ctx: Context, site: Site, tablet: Tablet, count: int
) -> tuple[list[str], list[str], int]:
    """An hour at the desk: `count` check-ins (checkin.js, online), three contact details
    changed by the volunteer and two households by the manager. Returns the check-ins'
    keys, the members edited, and the requests refused."""
    today = datetime.now(UTC).astimezone(ZoneInfo(site.timezone)).date()
    pool = eligible_members(ctx, site, today, count + 5)
    rules = site_rules(ctx, site, {m.people for m in pool})
    checked, edited = pool[:count], pool[count : count + 5]
    api = f"/api/v1/sites/{site.code}/visits"
    keys, refused = [], 0
    for member in checked:
        key = str(uuid.uuid4())
        answer = tablet.post_json(api, compact(checkin_body(ctx, member, rules, None)), key)
        keys.append(key)
        refused += answer.status != 201
    base = f"/api/v1/sites/{site.code}/members/"
    for i, member in enumerate(edited[:3]):
        change = (
            {"phone": f"07700 9{ctx.rng.randint(0, 99_999):05d}"}
            if i % 2
            else {"email": f"member{ctx.rng.randint(1, 10**6)}@example.org"}
        )
        answer = tablet.post_json(
            base + quote(member.number), compact(change), str(uuid.uuid4()), "PATCH"
        )
        refused += answer.status != 200
    office = Tablet(ctx.port)
    for member in edited[3:]:
        adults = member.adults + 1 if member.adults < 4 else member.adults - 1
        household = {
            "adults": adults,
            "children_0_4": member.children[0],
            "children_5_11": member.children[1],
            "children_12_17": member.children[2],
        }
        answer = office.request(
            "PATCH",
            base + quote(member.number),
            {"Content-Type": "application/json", **dict(ctx.auth(site.manager))},
            compact({"household": household}),
        )
        refused += answer.status != 200
    office.close()
    return keys, [m.number for m in edited], refused


def offline_roster(ctx: Context) -> list[Figure]:
    site = roster_site(ctx)
    device = enrol(ctx, site, "Roster tablet (benchmark)")
    path = f"/api/v1/sites/{site.code}/roster"
    keys: list[str] = []
    try:
        tablet = Tablet(ctx.port)
        tablet.sign_in(site.volunteer)
        fetched: list[Answer] = []
        key_ms: list[float] = []
        for _ in range(1 if ctx.quick else PAGE_LOADS):
            key = tablet.get_json(path + "/key", device)  # refreshRoster: the key first
            key_ms.append(key.seconds * 1000)
            fetched.append(tablet.get_json(path, device))
        first = fetched[0]
        full = first.json() if first.status == 200 else {}

        since = datetime.now(UTC)
        count = 10 if ctx.quick else HOUR_CHECKINS
        keys, edited, refused = _hour_of_activity(ctx, site, tablet, count)
        changes = tablet.get_json(path + "?since=" + quote(since.isoformat()), device)
        tablet.close()
    finally:
        revoke(ctx, site, device)
        if keys:
            delete_visits(ctx, "idempotency_key IN :keys", {"keys": keys})

    ok = [a for a in fetched if a.status == 200]
    latencies = [a.seconds * 1000 for a in ok]
    full_sizes = sizes(first)
    members = len(full.get("members", []))
    encoding = first.headers.get("content-encoding", "none")
    ours = _summary(latencies, len(fetched) - len(ok), sum(a.seconds for a in fetched)) | {
        "statuses": {str(a.status): sum(b.status == a.status for b in fetched) for a in fetched},
        "first_ms": first.seconds * 1000,
        "key_ms": key_ms,
        "members": members,
        "content_encoding": encoding,
        "site": site.code,
        **full_sizes,
    }
    roster_fig = Figure(
        f"Offline roster, GET /api/v1/sites/<site>/roster ({members:,} members on it)",
        f"one tablet, {len(fetched)} desk page load(s): key, then roster",
        ours,
        None,
        target="< 500 kB gzip-compressed",
        met=bool(first.status == 200 and full_sizes["gzip_bytes"] < ROSTER_TARGET_BYTES),
        note=(
            f"{_kb(full_sizes['raw_bytes'])} of JSON, {_kb(full_sizes['wire_bytes'])} as sent "
            f"(Content-Encoding: {encoding}), "
            f"{_kb(full_sizes['gzip_bytes'])} gzip -6, {_kb(full_sizes['gzip1_bytes'])} gzip -1; "
            f"{full_sizes['raw_bytes'] / max(1, members):.0f} bytes a member; first fetch "
            f"{first.seconds * 1000:.0f} ms, its key {key_ms[0]:.0f} ms"
            + ("" if first.status == 200 else f"; answered {first.status}: {first.body[:200]!r}")
        ),
    )
    delta = changes.json() if changes.status == 200 else {}
    delta_sizes = sizes(changes)
    in_delta = len(delta.get("members", []))
    delta_ours = _summary(
        [changes.seconds * 1000] if changes.status == 200 else [],
        int(changes.status != 200),
        changes.seconds,
    ) | {
        "statuses": {str(changes.status): 1},
        "members": in_delta,
        "removed": len(delta.get("removed", [])),
        "full": delta.get("full"),
        "checkins": count,
        "edits": len(edited),
        "refused": refused,
        **delta_sizes,
    }
    delta_fig = Figure(
        f"Offline roster, changes since an hour ago ({count} check-ins and {len(edited)} "
        "member edits in the hour)",
        "one request, ?since= the hour's start",
        delta_ours,
        None,
        target="< 5 kB gzip-compressed",
        met=bool(
            changes.status == 200
            and delta.get("full") is False
            and delta_sizes["gzip_bytes"] < SINCE_TARGET_BYTES
        ),
        note=(
            f"{in_delta} members in it ({count + len(edited)} touched), "
            f"{len(delta.get('removed', []))} removed; {_kb(delta_sizes['raw_bytes'])} of JSON, "
            f"{_kb(delta_sizes['wire_bytes'])} as sent, "
            f"{_kb(delta_sizes['gzip_bytes'])} gzip -6; {changes.seconds * 1000:.0f} ms"
            + (f"; {refused} of the hour's requests refused" if refused else "")
            + ("" if changes.status == 200 else f"; answered {changes.status}")
        ),
    )
    return [roster_fig, delta_fig]
