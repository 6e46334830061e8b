"""The floor: the same database work as our endpoints, by the smallest Flask handlers.

Raw DB-API calls (sqlite3 or psycopg), one connection per thread, no ORM, no schemas, no
services, no extensions: what is left is Flask, the database and gunicorn. Each benchmark runs
its endpoint here beside ours on the same data, and the ratio of throughputs shows what our
own layers cost. Served by gunicorn exactly like the app (`bench.floor:app`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import Flask, Response, abort, request  # noqa: TID251 (the floor is its own web layer)

app = Flask(__name__)
_local = threading.local()
_URL = os.environ.get("DATABASE_URL", "")
PG = _URL.startswith("postgresql")
P = "%s" if PG else "?"
_hasher = PasswordHasher()
LONDON = ZoneInfo("Europe/London")
# How long the load generator waits for an answer (bench.load's grace).
STATEMENT_SECONDS = 15.0


def _out_of_time() -> int:
    """SQLite's progress handler: abandon a statement past its transaction's deadline."""
    return int(time.monotonic() > getattr(_local, "deadline", float("inf")))


def _connect() -> Any:
    # A statement runs no longer than the load generator waits for its answer: a floor query
    # the client has given up on (a year's statistics read raw at programme scale take
    # minutes) would otherwise go on using the cores while the next benchmark is measured.
    if PG:
        import psycopg

        return psycopg.connect(
            _URL.replace("postgresql+psycopg://", "postgresql://"),
            options=f"-c statement_timeout={int(STATEMENT_SECONDS * 1000)}",
        )
    conn = sqlite3.connect(_URL.removeprefix("sqlite:///"), isolation_level=None)
    for pragma in (
        "foreign_keys=ON",
        "busy_timeout=30000",
        "journal_mode=WAL",
        "synchronous=NORMAL",
    ):
        conn.execute(f"PRAGMA {pragma}")
    conn.set_progress_handler(_out_of_time, 100_000)
    return conn


def db() -> Any:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = _connect()
    return conn


@contextmanager
def transaction(write: bool) -> Iterator[Any]:
    conn = db()
    _local.deadline = time.monotonic() + STATEMENT_SECONDS
    cur = conn.cursor()
    if not PG:
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield cur
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def q(sql: str) -> str:
    return sql.replace("?", P)


def _now() -> Any:
    now = datetime.now(UTC)
    return now if PG else now.strftime("%Y-%m-%d %H:%M:%S.%f")


def token_user(cur: Any) -> tuple[int, str, str]:
    """The token's user (id, role, email), as the app's request loader finds it."""
    header = request.headers.get("Authorization", "")
    digest = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    cur.execute(
        q(
            "SELECT u.id, u.role, u.email FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active"
        ),
        (digest,),
    )
    row = cur.fetchone()
    if row is None:
        abort(401)
    return row[0], row[1], row[2]


def staff_site(cur: Any, code: str, user_id: int) -> tuple[int, str]:
    cur.execute(
        q(
            "SELECT s.id, s.settings FROM sites s JOIN user_sites us ON us.site_id = s.id "
            "WHERE s.code = ? AND us.user_id = ?"
        ),
        (code, user_id),
    )
    row = cur.fetchone()
    if row is None:
        abort(404)
    return row[0], row[1]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status, mimetype="application/json")


@app.get("/healthz")
def healthz() -> Response:
    with transaction(False) as cur:
        cur.execute("SELECT 1")
    return _json({"status": "ok"})


# --- member search ------------------------------------------------------------------------

_SUMMARY = (
    "membership_number, first_name, last_name, postcode_district, status, adults, "
    "children_0_4, children_5_11, children_12_17, expires_on, review_due_on"
)


def _summaries(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "membership_number": r[0],
            "first_name": r[1],
            "last_name": r[2],
            "postcode_district": r[3],
            "status": r[4],
            "household": {
                "adults": r[5],
                "children_0_4": r[6],
                "children_5_11": r[7],
                "children_12_17": r[8],
            },
            "expires_on": r[9],
            "review_due_on": r[10],
        }
        for r in rows
    ]


def _upper(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@app.get("/api/v1/sites/<code>/members")
def search(code: str) -> Response:
    """Exact number, else a name-key prefix on last or first name (the callers send keys)."""
    text = request.args.get("q", "").strip()
    with transaction(False) as cur:
        user_id, _, _ = token_user(cur)
        site_id, _ = staff_site(cur, code, user_id)
        number = text.replace("-", "").upper()
        if len(number) == 8 and number.isalnum() and not number.isalpha():
            cur.execute(
                q(
                    f"SELECT {_SUMMARY} FROM members WHERE membership_number = ? "
                    "AND site_id = ? AND anonymised_at IS NULL"
                ),
                (number, site_id),
            )
            rows = cur.fetchall()
        else:
            key = text.lower()
            upper = _upper(key)
            cur.execute(
                q(
                    f"SELECT {_SUMMARY} FROM members WHERE site_id = ? AND anonymised_at IS NULL "
                    "AND ((site_id = ? AND last_name_key >= ? AND last_name_key < ?) OR "
                    "(site_id = ? AND first_name_key >= ? AND first_name_key < ?)) "
                    "ORDER BY last_name_key, first_name_key, id LIMIT 51"
                ),
                (site_id, site_id, key, upper, site_id, key, upper),
            )
            rows = cur.fetchall()[:50]
    return _json({"items": _summaries(rows), "next": None})


# --- sign-in ------------------------------------------------------------------------------


@app.get("/login")
def login_page() -> Response:
    token = secrets.token_urlsafe(24)
    return Response(f'<meta name="csrf-token" content="{token}">', mimetype="text/html")


@app.post("/login")
def login() -> Response:
    email = request.form.get("email", "").strip().lower()
    with transaction(True) as cur:
        cur.execute(q("SELECT id, password_hash FROM users WHERE email = ? AND active"), (email,))
        row = cur.fetchone()
        try:
            ok = row is not None and _hasher.verify(row[1], request.form.get("password", ""))
        except VerificationError:
            ok = False
        if not ok:
            return Response("no", 401)
        token = secrets.token_urlsafe(32)
        now = _now()
        cur.execute(
            q(
                "INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen_at, "
                "mfa_passed, ip) VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (hashlib.sha256(token.encode()).hexdigest(), row[0], now, now, True, "127.0.0.1"),
        )
        cur.execute(q("UPDATE users SET last_login_at = ? WHERE id = ?"), (now, row[0]))
        _audit(cur, "login.succeeded", row[0], email, "user", str(row[0]), None)
    response = Response("", 303, headers={"Location": "/"})
    response.set_cookie("session", token, httponly=True, samesite="Lax")
    return response


def _audit(
    cur: Any, action: str, actor_id: int, email: str, kind: str, obj: str, site_id: int | None
) -> None:
    cur.execute(
        q(
            "INSERT INTO audit_events (at, actor_id, actor_email, action, object_type, "
            "object_id, site_id, ip, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (_now(), actor_id, email, action, kind, obj, site_id, "127.0.0.1", "{}"),
    )


# --- check-in -----------------------------------------------------------------------------


@app.post("/api/v1/sites/<code>/visits")
def check_in(code: str) -> Response:
    """Key replay check, member by number, the member's row locked (BEGIN IMMEDIATE on
    SQLite), this week's visits counted, the open session, the visit, its bands and the
    audit row, one commit: the database work of our check-in."""
    body = json.loads(request.get_data())
    key = request.headers.get("Idempotency-Key")
    today = datetime.now(LONDON).date()
    monday = today - timedelta(days=today.weekday())
    with transaction(True) as cur:
        user_id, _, email = token_user(cur)
        site_id, settings = staff_site(cur, code, user_id)
        settings = json.loads(settings) if isinstance(settings, str) else settings
        cur.execute(
            q("SELECT id FROM visits WHERE site_id = ? AND idempotency_key = ?"), (site_id, key)
        )
        if cur.fetchone() is not None:
            return _json({"replayed": True}, 200)
        cur.execute(
            q(
                "SELECT id, adults, children_0_4, children_5_11, children_12_17, status, "
                "expires_on FROM members WHERE membership_number = ? AND site_id = ? "
                "AND anonymised_at IS NULL"
            ),
            (body["membership_number"], site_id),
        )
        member = cur.fetchone()
        if member is None:
            abort(404)
        if PG:
            cur.execute("SELECT id FROM members WHERE id = %s FOR UPDATE", (member[0],))
        cur.execute(
            q("SELECT id FROM visits WHERE site_id = ? AND idempotency_key = ?"), (site_id, key)
        )
        cur.execute(
            q(
                "SELECT local_date FROM visits WHERE member_id = ? AND voided_at IS NULL "
                "AND local_date >= ? AND local_date <= ?"
            ),
            (member[0], monday.isoformat(), (monday + timedelta(days=6)).isoformat()),
        )
        if len(cur.fetchall()) >= int(settings.get("visits_per_week", 1)):
            return _json({"error": {"code": "visit_limit_reached"}}, 409)
        cur.execute(
            q(
                "SELECT id FROM site_sessions WHERE site_id = ? AND closed_at IS NULL "
                "AND local_date = ?" + (" FOR SHARE" if PG else "")
            ),
            (site_id, today.isoformat()),
        )
        session = cur.fetchone()
        fee = int(settings.get("fee_pence", 350))
        basket = body.get("basket", {})
        values = {"red": 250, "blue": 120}
        retail = sum(int(n) * values.get(b, 0) for b, n in basket.items())
        iso = today.isocalendar()
        if key is not None:  # the key's row first, as our check-in stores it (visit_keys)
            cur.execute(
                q(
                    "INSERT INTO visit_keys (site_id, idempotency_key, created_at) "
                    "VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING site_id"
                ),
                (site_id, key, _now()),
            )
            if cur.fetchone() is None:
                return _json({"replayed": True}, 200)
        cur.execute(
            q(
                "INSERT INTO visits (site_id, member_id, session_id, visited_at, local_date, "
                "week_key, idempotency_key, adults, children_0_4, children_5_11, "
                "children_12_17, tier, fee_pence, payment_method, amount_paid_pence, "
                "payment_reason, retail_value_pence, savings_pence, override_reason, "
                "overridden_rules, actor_id, void_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, '', ?, ?, ?, '', ?, ?, '', '[]', ?, '') RETURNING id"
            ),
            (
                site_id,
                member[0],
                session[0] if session else None,
                _now(),
                today.isoformat(),
                f"{iso[0]}-W{iso[1]:02d}",
                key,
                member[1],
                member[2],
                member[3],
                member[4],
                fee,
                body.get("payment", {}).get("method", "cash"),
                fee,
                retail,
                max(0, retail - fee),
                user_id,
            ),
        )
        visit_id = cur.fetchone()[0]
        for band, count in basket.items():
            cur.execute(
                q(
                    "INSERT INTO visit_bands (visit_id, local_date, band, quantity, "
                    "value_pence) VALUES (?, ?, ?, ?, ?)"
                ),
                (visit_id, today.isoformat(), band, int(count), int(count) * values.get(band, 0)),
            )
        _audit(cur, "visit.checked_in", user_id, email, "visit", str(visit_id), site_id)
    return _json({"id": visit_id, "local_date": today, "fee_pence": fee}, 201)


# --- statistics -----------------------------------------------------------------------------


def _period_range(text: str) -> tuple[date, date]:
    if "-Q" in text:
        year, quarter = int(text[:4]), int(text[-1])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    elif "-" in text:
        year, month = int(text[:4]), int(text[5:7])
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
    else:
        start, end = date(int(text), 1, 1), date(int(text) + 1, 1, 1)
    return start, end - timedelta(days=1)


@app.get("/floor/stats")
def stats() -> Response:
    """The headline figures per site for a period, straight from the visits table."""
    start, end = _period_range(request.args.get("period", ""))
    with transaction(False) as cur:
        token_user(cur)
        cur.execute(
            q(
                "SELECT v.site_id, count(*), count(DISTINCT v.member_id), sum(v.adults), "
                "sum(v.children_0_4 + v.children_5_11 + v.children_12_17), "
                "sum(v.amount_paid_pence), sum(v.savings_pence), "
                "(SELECT sum(b.quantity) FROM visit_bands b JOIN visits w ON w.id = b.visit_id "
                " WHERE w.site_id = v.site_id AND w.local_date BETWEEN ? AND ? "
                " AND w.voided_at IS NULL) "
                "FROM visits v WHERE v.local_date BETWEEN ? AND ? AND v.voided_at IS NULL "
                "GROUP BY v.site_id ORDER BY v.site_id"
            ),
            (start.isoformat(), end.isoformat(), start.isoformat(), end.isoformat()),
        )
        rows = cur.fetchall()
    return _json({"period": request.args.get("period"), "sites": [list(r) for r in rows]})
