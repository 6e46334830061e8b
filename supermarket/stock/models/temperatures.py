"""Fridge and freezer readings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supermarket.auth.models import User
from supermarket.models import Base, IdKey, UTCDateTime, utcnow


class TemperatureCheck(IdKey, Base):
    """A fridge or freezer reading; out of range readings carry the action taken."""

    __tablename__ = "temperature_checks"
    __table_args__ = (
        Index("ix_temperature_checks_site_at", "site_id", "at"),
        CheckConstraint(
            "NOT out_of_range OR length(action_taken) > 0", name="action_when_out_of_range"
        ),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    unit_name: Mapped[str] = mapped_column(String(60))
    unit_kind: Mapped[str] = mapped_column(String(10))
    # Tenths of a degree Celsius: exact on every database, one decimal place as thermometers.
    tenths_c: Mapped[int] = mapped_column(Integer)
    out_of_range: Mapped[bool] = mapped_column(Boolean)
    action_taken: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)

    actor: Mapped[User | None] = relationship()

    @property
    def celsius(self) -> float:
        return self.tenths_c / 10
