"""Settings: safe defaults, overridden from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

# Values that must never reach production as the signing key.
_DEV_SECRET = "dev-only-not-secret"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment() -> dict[str, Any]:
    """Build the configuration from environment variables."""
    env = os.environ.get("SUPERMARKET_ENV", "development").strip().lower()
    production = env == "production"
    default_db = f"sqlite:///{INSTANCE / 'supermarket.db'}"
    cookie_secure = _bool("SESSION_COOKIE_SECURE", production)
    return {
        "ENV_NAME": env,
        "PRODUCTION": production,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "" if production else _DEV_SECRET),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Optional: a PostgreSQL streaming replica for the reporting reads, and how far behind
        # the primary it may be before reporting reads from the primary instead.
        "REPORTING_DATABASE_URL": normalise_database_url(
            os.environ.get("REPORTING_DATABASE_URL", "")
        ),
        "REPORTING_MAX_LAG_SECONDS": _int("REPORTING_MAX_LAG_SECONDS", 300),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 5 * 1024 * 1024),
        # Sessions: the cookie only carries a random id checked against the database.
        "SESSION_COOKIE_NAME": "__Host-session" if cookie_secure else "session",
        "SESSION_COOKIE_SECURE": cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 12),
        # Flask-WTF: checked explicitly in a before_request hook so bearer-token API
        # calls (not cookie-authenticated) are exempt.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        # The sign-in throttle keeps its counters in the database, which every worker
        # shares, unless this names Redis (redis://, rediss://, redis+unix://).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", ""),
        # Failed sign-ins (auth/throttle.py): "N per period" lets N through at once, then one
        # every period/N. Per address; per account from devices it has not signed in on; per
        # device it has; second-factor codes per account.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute; 20 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 20 minutes"),
        "LOGIN_DEVICE_RATE_LIMIT": os.environ.get("LOGIN_DEVICE_RATE_LIMIT", "10 per hour"),
        "LOGIN_CODE_RATE_LIMIT": os.environ.get("LOGIN_CODE_RATE_LIMIT", "5 per 15 minutes"),
        "MFA_REQUIRED": _bool("MFA_REQUIRED", False),
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
        "HSTS_SECONDS": _int("HSTS_SECONDS", 63072000),
        # Programme-wide impact conversions (DOMAIN.md): each a setting, not a constant.
        "MEAL_GRAMS": _int("MEAL_GRAMS", 420),
        "CO2E_KG_PER_TONNE": _int("CO2E_KG_PER_TONNE", 1600),
        "PROGRAMME_NAME": os.environ.get("PROGRAMME_NAME", "Levelling Up Essex"),
        # Keys a deployment keeps secret for the cross-site duplicate check.
        "MEMBER_MATCH_KEY": os.environ.get("MEMBER_MATCH_KEY", ""),
    }


def check_production(config: dict[str, Any]) -> None:
    """Refuse to start in production with a missing or known signing key."""
    if not config.get("PRODUCTION"):
        return
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32 or key == _DEV_SECRET:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )
