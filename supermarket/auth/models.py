"""Staff users, their sites, sign-in sessions, API tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.models import Base, CreatedAt, IdKey, LabelledEnum, UTCDateTime, utcnow
from supermarket.sites.models import Site


class Role(LabelledEnum):
    VOLUNTEER = "volunteer"
    SITE_MANAGER = "site_manager"
    PROGRAMME_LEAD = "programme_lead"
    ADMIN = "admin"
    # A referral agency's staff (supermarket.support): they refer households to the sites
    # their agency serves and see their own agency's referrals, nothing else of the programme.
    REFERRER = "referrer"

    @property
    def works_at_sites(self) -> bool:
        """Volunteers and site managers work at named sites and see their members."""
        return self in (Role.VOLUNTEER, Role.SITE_MANAGER)

    @property
    def is_programme_staff(self) -> bool:
        """Everyone but an agency's referrers: the roles the programme's pages are for."""
        return self is not Role.REFERRER


user_sites = Table(
    "user_sites",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(IdKey, CreatedAt, Base):
    __tablename__ = "users"
    # Per-request attributes (not columns) that Flask-Login and the token loader set.
    __allow_unmapped__ = True

    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A referrer's agency (the register is supermarket.support's, a layer above): NULL for
    # the programme's own staff.
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_agencies.id", ondelete="SET NULL"), index=True, default=None
    )

    sites: Mapped[list[Site]] = relationship(secondary=user_sites, order_by=Site.name)

    # Flask-Login needs these; the session id is set by the loader.
    auth_session_id: str | None = None
    via_token: bool = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.auth_session_id

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def site_codes(self) -> list[str]:
        return [s.code for s in self.sites]

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class AuthSession(IdKey, Base):
    """A server-side sign-in: the cookie carries only a random id whose hash is kept here."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    mfa_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship()


class ApiToken(IdKey, CreatedAt, Base):
    """A bearer token for the API, stored as a SHA-256 hash and shown once."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship()


class SignInThrottle(Base):
    """How far one sign-in budget (an address's, an account's, a device's) is used up.

    A generic cell rate algorithm: each failure moves `used_until` on by the budget's
    spacing; an attempt is let through while `used_until` is less than the budget's period
    ahead. A row whose `used_until` has passed means an unused budget and may be deleted.
    `key` is a keyed hash: no address or email address is kept here.
    """

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuditEvent(IdKey, Base):
    """Append-only: who did what to which object, at which site, when and from where."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_site_at", "site_id", "at"),)

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    ip: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
def _audit_is_append_only(*_: Any) -> None:
    raise RuntimeError("the audit log is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _audit_is_never_deleted(*_: Any) -> None:
    raise RuntimeError("the audit log is append-only")


# Who may see what, and the record of it: always read from the primary database, never from a
# reporting replica that may lag (supermarket/replica.py).
ACCESS_TABLES = frozenset(
    {
        user_sites.name,
        *(
            model.__tablename__
            for model in (User, AuthSession, ApiToken, SignInThrottle, AuditEvent)
        ),
    }
)
