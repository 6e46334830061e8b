"""Fridge and freezer checks: a reading out of range must say what was done about it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, select

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput
from supermarket.extensions import db
from supermarket.inputs import parse_decimal
from supermarket.sites.models import Site
from supermarket.stock.models import TemperatureCheck, UnitKind
from supermarket.stock.services.common import local_date, now_or

# Food Standards Agency guidance: fridges at 5 °C or below (and above freezing, or food
# freezes and spoils); freezers at -18 °C or colder. Tenths of a degree.
FRIDGE_RANGE = (0, 50)
FREEZER_MAX = -180
PLAUSIBLE = (-400, 400)


def to_tenths(value: object) -> int | None:
    """A reading such as "4.5", 4.5 or "-18" in tenths of a degree, or None if it is not a
    plausible reading (words, NaN, infinity, 1e28)."""
    text = value if isinstance(value, (int, float, Decimal)) else str(value)
    if isinstance(text, str):
        text = text.strip().replace("−", "-").replace("°C", "").strip()
    try:
        number = parse_decimal(
            text, minimum=Decimal(PLAUSIBLE[0]) / 10, maximum=Decimal(PLAUSIBLE[1]) / 10
        )
    except ValueError:
        return None
    return int((number * 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def out_of_range(unit_kind: str, tenths: int) -> bool:
    if unit_kind == UnitKind.FREEZER:
        return tenths > FREEZER_MAX
    low, high = FRIDGE_RANGE
    return not low <= tenths <= high


def record_temperature(
    site: Site,
    *,
    unit_name: str,
    unit_kind: str,
    celsius: object,
    action_taken: str = "",
    actor: User,
    at: datetime | None = None,
) -> TemperatureCheck:
    """Log a reading; the service, not the user, decides whether it is out of range."""
    ensure_works_at(actor, site, managers_only=True)
    problems = {}
    unit_name = " ".join(unit_name.split())
    action_taken = action_taken.strip()
    if not 1 <= len(unit_name) <= 60:
        problems["unit_name"] = "Name the fridge or freezer, e.g. Fridge 2."
    if unit_kind not in UnitKind.__members__.values():
        problems["unit_kind"] = "Choose fridge or freezer."
    tenths = to_tenths(celsius)
    if tenths is None or not PLAUSIBLE[0] <= tenths <= PLAUSIBLE[1]:
        problems["celsius"] = "Give the reading in °C, e.g. 4.5 or -18."
    elif (
        unit_kind in UnitKind.__members__.values()
        and out_of_range(unit_kind, tenths)
        and (not action_taken)
    ):
        problems["action_taken"] = "This reading is out of range: say what you did about it."
    if len(action_taken) > 500:
        problems["action_taken"] = "Keep it under 500 characters."
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    assert tenths is not None
    at = now_or(at)
    check = TemperatureCheck(
        site_id=site.id,
        unit_name=unit_name,
        unit_kind=unit_kind,
        tenths_c=tenths,
        out_of_range=out_of_range(unit_kind, tenths),
        action_taken=action_taken,
        actor_id=actor.id,
        at=at,
        local_date=local_date(site, at),
    )
    db.session.add(check)
    db.session.flush()
    return check


def temperatures_query(
    site: Site,
    *,
    actor: User,
    start: date | None = None,
    end: date | None = None,
    out_of_range_only: bool = False,
) -> Select[TemperatureCheck]:
    ensure_works_at(actor, site, managers_only=True)
    stmt = select(TemperatureCheck).where(TemperatureCheck.site_id == site.id)
    if start:
        stmt = stmt.where(TemperatureCheck.local_date >= start)
    if end:
        stmt = stmt.where(TemperatureCheck.local_date <= end)
    if out_of_range_only:
        stmt = stmt.where(TemperatureCheck.out_of_range.is_(True))
    return stmt


def list_temperatures(
    site: Site, *, actor: User, start: date | None = None, end: date | None = None
) -> list[TemperatureCheck]:
    stmt = temperatures_query(site, actor=actor, start=start, end=end)
    return list(db.session.scalars(stmt.order_by(TemperatureCheck.at.desc())))


def unit_names(site: Site) -> list[str]:
    """Units already logged at the site, for the form's quick choices."""
    return list(
        db.session.scalars(
            select(TemperatureCheck.unit_name)
            .where(TemperatureCheck.site_id == site.id)
            .group_by(TemperatureCheck.unit_name)
            .order_by(TemperatureCheck.unit_name)
        )
    )
