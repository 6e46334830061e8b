"""Tablets enrolled at a site: only an enrolled, unrevoked device may hold the site's roster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, UTCDateTime, utcnow
from supermarket.sites.models import Site

DEVICE_ID_LENGTH = 32  # secrets.token_urlsafe(24): 24 random bytes, base64url
MAX_NAME = 60  # of a tablet's name


class Device(Base):
    """A named tablet enrolled for one site by a site manager, until revoked."""

    __tablename__ = "devices"

    # Opaque and random: the tablet keeps it in localStorage and sends it as X-Device.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    enrolled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    site: Mapped[Site] = relationship()
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None
