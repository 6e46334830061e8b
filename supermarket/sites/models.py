"""A site: one community supermarket, addressed by its short code."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from supermarket.models import Base, CreatedAt
from supermarket.sites.settings import SiteSettings


class Site(CreatedAt, Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(8), default="")
    timezone: Mapped[str] = mapped_column(String(50), default="Europe/London")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    settings_data: Mapped[dict[str, Any]] = mapped_column("settings", JSON, default=dict)

    @property
    def settings(self) -> SiteSettings:
        # Validating the stored JSON costs a marshmallow load (~1 ms); check-in reads the
        # settings several times a request, so keep the parsed value while the stored
        # dict is the same object (the setter and every load from the database replace it).
        data = self.settings_data
        cached = self.__dict__.get("_parsed_settings")
        if cached is not None and cached[0] is data:
            return cast(SiteSettings, cached[1])
        parsed = SiteSettings.from_dict(data)
        self.__dict__["_parsed_settings"] = (data, parsed)
        return parsed

    @settings.setter
    def settings(self, value: SiteSettings) -> None:
        self.settings_data = value.to_dict()

    def __repr__(self) -> str:
        return f"<Site {self.code}>"
