"""The declarative base every model shares, column helpers, and the base of labelled enums."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, Relationship, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class for all models; constraint names are stable across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LabelledEnum(enum.StrEnum):
    """Stored values with the words a page shows for them: `member.label`, and `choices()`
    for a form's options. A member is declared with its label beside its value
    (`WAITING = "waiting", "On the waiting list"`); without one, a label is the value in
    words ("fresh_produce" is "Fresh produce")."""

    _label: str

    def __new__(cls, value: str, label: str | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value.replace("_", " ").capitalize()
        return member

    @property
    def label(self) -> str:
        return self._label

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) of each member, in order: a select's options."""
        return [(member.value, member.label) for member in cls]


def sql_values(enum: type[LabelledEnum]) -> str:
    """An enum's values as an SQL list, for the CHECK constraints of the domains' tables."""
    return ", ".join(f"'{m.value}'" for m in enum)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps stored as UTC on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def owned_lines(parent: str, line: str) -> Relationship[Any]:
    """A record's lines (of model `line`, whose `parent` points back), in the order they were
    added; they are saved and deleted with the record."""
    return relationship(back_populates=parent, order_by=f"{line}.id", cascade="all, delete-orphan")


class IdKey:
    """Adds the table's surrogate key, `id`, as its first column."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class CreatedAt:
    """Adds a created_at timestamp."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
