"""Sign-in throttling that every worker shares and that never locks the owner out.

The rule, in one place (the README's Security section states the numbers):

- Only failures count: a wrong password (at sign-in or when /account asks for the current
  one) or a wrong second-factor code. A right answer costs nothing.
- Each failure draws on several budgets at once: for a password, the address's
  (`LOGIN_RATE_LIMIT`) and the account's (`LOGIN_ACCOUNT_RATE_LIMIT`), or, from a device
  the account has fully signed in on before, that device's alone
  (`LOGIN_DEVICE_RATE_LIMIT`); for a code, the address's and the account's code budget
  (`LOGIN_CODE_RATE_LIMIT`). "N per period" lets N
  failures through at once and then one every period/N (a generic cell rate algorithm):
  a budget that runs out refills steadily, so a wait is at most period/N, never a lockout.
- While any budget is used up the attempt is refused with the time to wait (429), before
  the password is read: a refused attempt costs no argon2 work and reveals nothing.
- Check, then verify, then settle: `wait_seconds()` is a plain read before the costly
  check; `settle()` takes the write lock (SQLite: the caller's `take_write_lock()`;
  PostgreSQL: row locks), checks the budgets again and charges a failure, so that attempts
  racing in parallel can never spend more than the budget. No lock is held while the
  password is hashed.
- The counters live where every worker sees them: the database (`sign_in_throttles`, a
  row per budget in use, emptied as budgets refill), or Redis when `RATELIMIT_STORAGE_URI`
  names one.
- An attacker with many addresses can still slow down sign-in to one account from new
  devices (by at most period/N at a time); the owner's own devices go on at full speed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from supermarket.auth.models import SignInThrottle
from supermarket.extensions import db
from supermarket.models import utcnow

log = logging.getLogger("supermarket.audit")

# Devices remember up to this many accounts (a shared tablet signs many people in).
DEVICE_ACCOUNTS = 20
DEVICE_DAYS = 180
# Expired rows cleared by each recorded failure: more than any failure creates.
PRUNE_BATCH = 100


@dataclass(frozen=True)
class Rate:
    """N failures per period: N at once, then one every period/N."""

    amount: int
    seconds: int

    @property
    def spacing(self) -> float:
        return self.seconds / self.amount

    @property
    def tolerance(self) -> float:
        return self.seconds - self.spacing


@cache
def rates(spec: str) -> tuple[Rate, ...]:
    """The rates in a setting such as "5 per minute; 20 per hour"."""
    return tuple(Rate(item.amount, item.get_expiry()) for item in parse_many(spec))


@dataclass(frozen=True)
class Budget:
    """One budget an attempt draws on; `key` is a keyed hash of what it counts and its rate."""

    key: str
    rate: Rate


def _keyed(*parts: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def _budgets(scope: str, value: str, setting: str) -> list[Budget]:
    spec = str(current_app.config[setting])
    return [
        Budget(_keyed("throttle", scope, value, f"{r.amount}/{r.seconds}"), r) for r in rates(spec)
    ]


def _account(email: str) -> str:
    return email.strip().lower()[:254]


# --- devices an account has signed in on -----------------------------------------------------


@dataclass(frozen=True)
class Device:
    """A browser that has completed sign-in: a random id and the accounts it signed in as."""

    id: str
    accounts: tuple[str, ...] = ()

    def knows(self, email: str) -> bool:
        return _keyed("device", _account(email))[:32] in self.accounts

    def with_account(self, email: str) -> Device:
        tag = _keyed("device", _account(email))[:32]
        kept = [a for a in self.accounts if a != tag][-(DEVICE_ACCOUNTS - 1) :]
        return Device(self.id, (*kept, tag))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt="known-device")


def device_cookie_name() -> str:
    return "__Host-device" if current_app.config["SESSION_COOKIE_SECURE"] else "device"


def read_device(raw: str | None) -> Device | None:
    """The device a signed cookie describes, or None if absent, forged or malformed."""
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
        return Device(str(data["d"]), tuple(str(a) for a in data["a"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def device_cookie(device: Device | None, email: str) -> tuple[str, int]:
    """The cookie value (and lifetime in seconds) that makes this device known to `email`."""
    device = (device or Device(secrets.token_urlsafe(16))).with_account(email)
    return _serializer().dumps({"d": device.id, "a": list(device.accounts)}), DEVICE_DAYS * 86400


# --- what an attempt draws on ------------------------------------------------------------------


def for_password(*, address: str, email: str, device: Device | None) -> list[Budget]:
    """Budgets a password attempt draws on: the address's and the account's, or, from a
    device the account has signed in on, that device's alone (an attacker sharing the
    owner's address, a venue's Wi-Fi, cannot hold the owner up)."""
    if device is not None and device.knows(email):
        return _budgets("device", device.id, "LOGIN_DEVICE_RATE_LIMIT")
    return _budgets("address", address, "LOGIN_RATE_LIMIT") + _budgets(
        "account", _account(email), "LOGIN_ACCOUNT_RATE_LIMIT"
    )


def for_code(*, address: str, user_id: int) -> list[Budget]:
    """Budgets a second-factor code attempt draws on: the address's and the account's."""
    return _budgets("address", address, "LOGIN_RATE_LIMIT") + _budgets(
        "code", str(user_id), "LOGIN_CODE_RATE_LIMIT"
    )


def _whole_seconds(wait: float) -> int:
    return max(0, math.ceil(wait - 1e-6))


def _refusing(wait: float) -> int:
    seconds = _whole_seconds(wait)
    if seconds:
        log.warning("sign-in attempt refused by the throttle: retry in %ss", seconds)
    return seconds


def wait_seconds(budgets: Sequence[Budget]) -> int:
    """Seconds before an attempt may be made (0: now). A plain read; takes no lock."""
    return _refusing(_store().wait(budgets, utcnow()))


def settle(budgets: Sequence[Budget], *, failed: bool) -> int:
    """Check the budgets again under a lock and charge a failure; 0 if the attempt stands.

    Otherwise the seconds to wait: the budgets filled while the attempt was checked, and
    its outcome, right or wrong, must be refused. On SQLite the caller holds the write lock.
    """
    return _refusing(_store().settle(budgets, utcnow(), charge=failed))


def retry_phrase(seconds: int) -> str:
    """Plain words for a wait: "in 12 seconds", "in 2 minutes"."""
    if seconds <= 60:
        return f"in {seconds} second{'' if seconds == 1 else 's'}"
    minutes = math.ceil(seconds / 60)
    return f"in {minutes} minutes"


# --- where the counters live -------------------------------------------------------------------


class Store(Protocol):
    def wait(self, budgets: Sequence[Budget], now: datetime) -> float: ...

    def settle(self, budgets: Sequence[Budget], now: datetime, *, charge: bool) -> float: ...


def _wait(budgets: Sequence[Budget], used: dict[str, datetime], now: datetime) -> float:
    return max(
        [(used.get(b.key, now) - now).total_seconds() - b.rate.tolerance for b in budgets] + [0.0]
    )


class DatabaseStore:
    """Budgets as rows of sign_in_throttles, in the request's own transaction."""

    def wait(self, budgets: Sequence[Budget], now: datetime) -> float:
        rows = db.session.execute(
            select(SignInThrottle.key, SignInThrottle.used_until).where(
                SignInThrottle.key.in_([b.key for b in budgets])
            )
        )
        return _wait(budgets, {key: used for key, used in rows}, now)

    def settle(self, budgets: Sequence[Budget], now: datetime, *, charge: bool) -> float:
        keys = sorted({b.key for b in budgets})
        if charge:
            # Every row must exist to be locked: two first failures must not both pass.
            insert = postgresql.insert if _dialect() == "postgresql" else sqlite.insert
            db.session.execute(
                insert(SignInThrottle)
                .values([{"key": key, "used_until": now} for key in keys])
                .on_conflict_do_nothing(index_elements=["key"])
            )
        # In key order, so that two attempts sharing budgets never wait on each other.
        rows = db.session.execute(
            select(SignInThrottle.key, SignInThrottle.used_until)
            .where(SignInThrottle.key.in_(keys))
            .order_by(SignInThrottle.key)
            .with_for_update()
        )
        used = {key: until for key, until in rows}
        wait = _wait(budgets, used, now)
        if wait > 0 or not charge:
            return wait
        for budget in budgets:
            db.session.execute(
                update(SignInThrottle)
                .where(SignInThrottle.key == budget.key)
                .values(used_until=max(used[budget.key], now) + _seconds(budget.rate.spacing))
            )
        self._prune(now)
        return 0.0

    @staticmethod
    def _prune(now: datetime) -> None:
        """Delete some rows whose budget has refilled: the table holds only budgets in use."""
        expired = (
            select(SignInThrottle.key)
            .where(SignInThrottle.used_until < now)
            .order_by(SignInThrottle.used_until)
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        )
        db.session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(expired)))


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def _dialect() -> str:
    return str(db.session.get_bind().dialect.name)


# One script, run atomically by Redis: the same check and charge for every budget at once.
_REDIS_SCRIPT = """
local now = tonumber(ARGV[1])
local charge = ARGV[2] == '1'
local wait = 0
local used = {}
for i, key in ipairs(KEYS) do
  local tolerance = tonumber(ARGV[2 + 2 * i])
  local until_ = tonumber(redis.call('GET', key) or '0')
  if until_ < now then until_ = now end
  used[i] = until_
  if until_ - tolerance - now > wait then wait = until_ - tolerance - now end
end
if wait > 0 or not charge then return tostring(wait) end
for i, key in ipairs(KEYS) do
  local until_ = used[i] + tonumber(ARGV[1 + 2 * i])
  redis.call('SET', key, string.format('%.6f', until_), 'PX', math.ceil((until_ - now) * 1000))
end
return '0'
"""


class RedisStore:
    """Budgets as Redis keys that expire once refilled, for deployments that run Redis."""

    def __init__(self, uri: str) -> None:
        import redis

        if uri.startswith("redis+unix://"):
            uri = "unix://" + uri[len("redis+unix://") :]
        self._script: Any = redis.Redis.from_url(uri).register_script(_REDIS_SCRIPT)

    def _run(self, budgets: Sequence[Budget], now: datetime, *, charge: bool) -> float:
        keys = [f"supermarket:sign-in:{b.key}" for b in budgets]
        args: list[str] = [f"{now.timestamp():.6f}", "1" if charge else "0"]
        for budget in budgets:
            args += [f"{budget.rate.spacing:.6f}", f"{budget.rate.tolerance:.6f}"]
        return float(self._script(keys=keys, args=args))

    def wait(self, budgets: Sequence[Budget], now: datetime) -> float:
        return self._run(budgets, now, charge=False)

    def settle(self, budgets: Sequence[Budget], now: datetime, *, charge: bool) -> float:
        return self._run(budgets, now, charge=charge)


_REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")


def _store() -> Store:
    """Redis when RATELIMIT_STORAGE_URI names it; otherwise the database every worker shares."""
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    if not uri.startswith(_REDIS_SCHEMES):
        return DatabaseStore()
    stores = current_app.extensions.setdefault("sign_in_throttle", {})
    if uri not in stores:
        stores[uri] = RedisStore(uri)
    return stores[uri]
