"""A site: one community supermarket, addressed by its short code."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Boolean, Dialect, String, TypeDecorator, type_coerce
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from supermarket.models import Base, CreatedAt, IdKey
from supermarket.sites.settings import SiteSettings


# Room for every site's own settings: the programme's reports read all of them (a national
# programme has a thousand sites; a smaller cache re-parsed hundreds on each request).
@lru_cache(maxsize=2048)
def _parsed(stored: str) -> SiteSettings:
    return SiteSettings.from_dict(json.loads(stored))


class SiteSettingsType(TypeDecorator[SiteSettings]):
    """A site's settings: JSON in the database, a SiteSettings in Python, parsed once per
    distinct stored value (validating them through marshmallow costs more than the rest of a
    check-in's own Python; SiteSettings is frozen, so one parsed value can be shared)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: SiteSettings | None, dialect: Dialect) -> Any:
        return None if value is None else value.to_dict()

    def process_result_value(self, value: Any, dialect: Dialect) -> SiteSettings:
        return _parsed(json.dumps(value or {}, sort_keys=True))


def _defaults() -> SiteSettings:
    """A new site's settings: the programme's defaults (a function of no arguments: a class
    given as a column default would be handed SQLAlchemy's context)."""
    return SiteSettings()


class Site(IdKey, CreatedAt, Base):
    __tablename__ = "sites"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(8), default="")
    timezone: Mapped[str] = mapped_column(String(50), default="Europe/London")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[SiteSettings] = mapped_column(SiteSettingsType, default=_defaults)

    @property
    def settings_data(self) -> dict[str, Any]:
        """The settings as stored (JSON): every setting, lists as lists."""
        data: dict[str, Any] = json.loads(json.dumps(self.settings.to_dict()))
        return data

    @settings_data.setter
    def settings_data(self, value: dict[str, Any]) -> None:
        """Settings from a stored-shaped dictionary, merged over the defaults."""
        self.settings = SiteSettings.from_dict(value)

    @staticmethod
    def stored_setting(name: str) -> ColumnElement[Any]:
        """SQL for one setting as stored (JSON; NULL if the site's stored settings predate it),
        for a query over many sites that needs one setting, not every site's settings parsed."""
        return type_coerce(Site.settings, JSON)[name]

    def __repr__(self) -> str:
        return f"<Site {self.code}>"
