"""Staff accounts, sign-in sessions, second factors and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from supermarket.auth import audit
from supermarket.auth.models import ApiToken, AuthSession, Role, User
from supermarket.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from supermarket.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site
from supermarket.transactions import write_aside

TOKEN_PREFIX = "smk_"
# The referral agencies a referrer's account can belong to, as (id, name), active ones: the
# register is supermarket.support's (a layer above), which adds its lister here on import.
AGENCY_LISTERS: list[Callable[[], list[tuple[int, str]]]] = []
# Hashed once so an unknown email costs the same time as a wrong password.
_DUMMY_HASH: str | None = None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users() -> list[User]:
    """Every account, active ones first, by name."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))


def count_active_users() -> int:
    return (
        db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0
    )


def admin_counts() -> dict[str, str]:
    """What the administrator's home shows beside its links, by their endpoint."""
    sites = len(all_sites())
    return {
        "sites.site_list": f"{sites} site" if sites == 1 else f"{sites} sites",
        "auth.user_list": f"{count_active_users()} active",
    }


def all_sites() -> list[Site]:
    """Every site, closed ones too, by name: those an account can be given."""
    return list(db.session.scalars(select(Site).order_by(Site.name)))


def sites_with_codes(codes: Iterable[str]) -> list[Site]:
    """The sites with these codes (as normalised), for giving an account its sites."""
    wanted = [normalise_site_code(code) for code in codes]
    return list(db.session.scalars(select(Site).where(Site.code.in_(wanted)))) if wanted else []


def _context_words(email: str, name: str, sites: Iterable[Site]) -> list[str]:
    words = [email.split("@")[0], *name.split()]
    for site in sites:
        words += [site.code, *site.name.split()]
    return [w for w in words if len(w) >= 4]


def agency_choices() -> list[tuple[int, str]]:
    """The agencies a referrer can be attached to, (id, name) by name."""
    return sorted((c for lister in AGENCY_LISTERS for c in lister()), key=lambda c: c[1])


def _check_fields(
    email: str, name: str, role: str, sites: Sequence[Site], agency_id: int | None = None
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        problems["email"] = "Enter a valid email address."
    if not name.strip() or len(name) > 100:
        problems["name"] = "Enter a name of 1 to 100 characters."
    if role not in {r.value for r in Role}:
        problems["role"] = "Choose a role."
    elif Role(role).works_at_sites and not sites:
        problems["sites"] = "Volunteers and site managers need at least one site."
    elif role == Role.REFERRER and agency_id not in {a for a, _ in agency_choices()}:
        problems["agency"] = "Choose the referral agency the person works for."
    return problems


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    sites: Sequence[Site] = (),
    agency_id: int | None = None,
    actor: User | None,
) -> User:
    """Create a staff account (a referrer's with their agency); the password must pass the
    password rules."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("Only an administrator can create accounts.")
    email = normalise_email(email)
    problems = _check_fields(email, name, role, sites, agency_id)
    pw_problems = password_problems(
        password, context_words=_context_words(email, name, sites), email=email
    )
    if pw_problems:
        problems["password"] = " ".join(pw_problems)
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    if find_user_by_email(email) is not None:
        raise Conflict(
            "An account with that email already exists.",
            code="email_taken",
            fields={"email": "An account with that email already exists."},
        )
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        sites=list(sites) if Role(role).works_at_sites else [],
        agency_id=agency_id if role == Role.REFERRER else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record_on(
        "user.created",
        "user",
        user.id,
        actor,
        role=role,
        sites=[s.code for s in user.sites],
        **({"agency": user.agency_id} if user.agency_id else {}),
    )
    return user


def update_user(
    user: User,
    *,
    name: str,
    role: str,
    sites: Sequence[Site],
    active: bool,
    actor: User,
    agency_id: int | None = None,
) -> User:
    """Change an account's name, role, sites (a referrer's agency) or active flag;
    deactivation ends its sessions."""
    if not actor.is_admin:
        raise PermissionDenied("Only an administrator can change accounts.")
    problems = _check_fields(user.email, name, role, sites, agency_id)
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    if user.id == actor.id and (not active or role != Role.ADMIN):
        raise InvalidInput(
            "You cannot demote or deactivate your own account.",
            fields={"role": "You cannot demote or deactivate yourself."},
        )
    changed: dict[str, list[Any]] = {
        "role": [user.role, role],
        "sites": [user.site_codes, [s.code for s in sites]],
        "active": [user.active, active],
        "agency": [user.agency_id, agency_id if role == Role.REFERRER else None],
    }
    user.name = name.strip()
    user.role = role
    user.sites = list(sites) if Role(role).works_at_sites else []
    user.agency_id = agency_id if role == Role.REFERRER else None
    if user.active and not active:
        end_all_sessions(user)
        revoke_all_tokens(user)
    user.active = active
    audit.record(
        "user.updated",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={k: v for k, v in changed.items() if v[0] != v[1]},
    )
    return user


def deactivate_user(user: User, *, actor: User | None) -> None:
    """Deactivate an account and end its sessions and tokens at once."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("Only an administrator can deactivate accounts.")
    user.active = False
    end_all_sessions(user)
    revoke_all_tokens(user)
    audit.record_on("user.deactivated", "user", user.id, actor)


def set_password(user: User, password: str, *, actor: User | None) -> None:
    """Set a new password (rules apply) and end the account's other sessions."""
    problems = password_problems(
        password,
        context_words=_context_words(user.email, user.name, user.sites),
        email=user.email,
    )
    if problems:
        raise InvalidInput(" ".join(problems), fields={"password": " ".join(problems)})
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record_on("user.password_changed", "user", user.id, actor)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    user = check_password(email, password)
    if user is not None:
        upgrade_password_hash(user, password)
    return user


def check_password(email: str, password: str) -> User | None:
    """As authenticate(), but only reads: the caller may then take the write lock."""
    global _DUMMY_HASH
    user = find_user_by_email(email)
    if user is None or not user.active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    return user


def upgrade_password_hash(user: User, password: str) -> None:
    """Re-hash a just-verified password made with older parameters."""
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


# Every signed-in page: the session, its user and the user's sites in one statement (sites
# joined, not a second `selectin` query), built once at import.
_SESSION_BY_HASH = (
    select(AuthSession)
    .where(AuthSession.token_hash == bindparam("token_hash"))
    .options(joinedload(AuthSession.user).joinedload(User.sites))
)


def _session_by_secret(secret: str) -> AuthSession | None:
    """The session whose hash matches `secret`, with its user and their sites."""
    found: AuthSession | None = (
        db.session.scalars(_SESSION_BY_HASH, {"token_hash": _sha256(secret)}).unique().first()
    )
    return found


def start_session(user: User, *, ip: str, mfa_passed: bool) -> str:
    """Open a server-side session; returns the random id the cookie will carry."""
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(token_hash=_sha256(token), user=user, ip=ip, mfa_passed=mfa_passed))
    user.last_login_at = utcnow()
    user.auth_session_id = token
    return token


def load_session(token: str, *, idle: timedelta, absolute: timedelta) -> AuthSession | None:
    """The live session for a cookie id; idle, expired, ended or deactivated ones are None."""
    auth = _session_by_secret(token)
    if auth is None or auth.ended_at is not None or not auth.user.active:
        return None
    now = utcnow()
    if now - auth.last_seen_at > idle or now - auth.created_at > absolute:
        write_aside(update(AuthSession).where(AuthSession.id == auth.id).values(ended_at=now))
        return None
    # Write at most once a minute: enough for the idle timeout, cheap for the queue.
    if now - auth.last_seen_at > timedelta(minutes=1):
        write_aside(
            update(AuthSession)
            .where(AuthSession.id == auth.id, AuthSession.last_seen_at < now)
            .values(last_seen_at=now)
        )
    auth.user.auth_session_id = token
    return auth


def mark_mfa_passed(token: str) -> None:
    """The session with this cookie id has passed the second factor."""
    db.session.execute(
        update(AuthSession).where(AuthSession.token_hash == _sha256(token)).values(mfa_passed=True)
    )


def end_session(token: str) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == _sha256(token), AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(user: User) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


# --- second factor -------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()):
        return None  # compare_digest refuses non-ASCII text: "²" is no code, not a 500
    step = int(at.timestamp()) // totp.interval
    # Accept the previous and next 30 s step for clock drift.
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def enable_totp(user: User, secret: str, code: str) -> None:
    """Turn on the second factor once the user proves their app shows the right code."""
    step = _matching_step(secret, code, utcnow())
    if step is None:
        raise InvalidInput(
            "That code is not right. Check the time on your phone and try again.",
            fields={"code": "That code is not right."},
        )
    user.totp_secret = secret
    user.totp_last_step = step
    audit.record_on("user.mfa_enabled", "user", user.id, user)


def verify_totp(user: User, code: str) -> bool:
    """A valid code not used before: a replayed code is refused."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, utcnow())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def mfa_required(user: User, *, deployment_requires: bool) -> bool:
    """Enrolled users always give a code; when the deployment says, admins, leads, site
    managers and referrers (an agency's staff, who send households' details from outside the
    sites) must enrol. Volunteers at a shared desk tablet are not asked."""
    if user.totp_secret:
        return True
    return deployment_requires and user.role in (
        Role.ADMIN,
        Role.PROGRAMME_LEAD,
        Role.SITE_MANAGER,
        Role.REFERRER,
    )


# --- API tokens ----------------------------------------------------------------------------


def create_token(user: User, *, label: str, actor: User | None) -> tuple[ApiToken, str]:
    """A new API token acting as the user; the secret is returned once and stored hashed."""
    if not user.active:
        raise InvalidInput("That account is deactivated.", fields={"email": "Deactivated."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, label=label[:100], prefix=secret[:12], token_hash=_sha256(secret))
    db.session.add(token)
    db.session.flush()
    audit.record_on(
        "token.created", "api_token", token.id, actor, user=user.email, label=token.label
    )
    return token, secret


# Every API request: the token's user with their sites (joined) and the three of the token's
# columns the check needs, in one statement built once. The token is not loaded as an entity:
# the ORM building it, and the second level of joined loading under it, cost half the lookup.
_USER_BY_TOKEN = (
    select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .options(joinedload(User.sites))
)


def user_for_token(secret: str) -> User | None:
    """The active user behind a live token (their sites loaded), or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    found = db.session.execute(_USER_BY_TOKEN, {"token_hash": _sha256(secret)}).unique().first()
    if found is None:
        return None
    user, token_id, revoked_at, last_used_at = found
    if revoked_at is not None or not user.active:
        return None
    now = utcnow()
    if last_used_at is None or now - last_used_at > timedelta(minutes=5):
        write_aside(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user


def revoke_token(token_id: int, *, actor: User | None) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record_on("token.revoked", "api_token", token.id, actor)
    return token


def revoke_all_tokens(user: User) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def list_tokens(user: User | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(stmt))
