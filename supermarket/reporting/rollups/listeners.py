"""ORM listeners on the lower layers' ledgers: a change to a rolled-up day marks it stale."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import Mapper

from supermarket.models import utcnow
from supermarket.reporting.models import (
    RollupStaleDay,
    RollupState,
)
from supermarket.reporting.rollups.definitions import (
    PEOPLE,
    STATE_ID,
)
from supermarket.sites.models import Site
from supermarket.stock.models import StockMovement
from supermarket.visits.models import Visit

_TIMEZONES: dict[int, ZoneInfo] = {}


def _site_today(connection: Connection, site_id: int) -> date:
    zone = _TIMEZONES.get(site_id)
    if zone is None:
        name = connection.scalar(select(Site.timezone).where(Site.id == site_id))
        zone = ZoneInfo(name or "Europe/London")
        _TIMEZONES[site_id] = zone
    return datetime.now(zone).date()


def _mark_stale(connection: Connection, site_id: int, day: date) -> None:
    if day >= _site_today(connection, site_id):
        return  # today and later are always read live
    # FOR SHARE (PostgreSQL): waits for a running refresh to finish, and keeps the next one
    # from reading the ledgers until this change is committed, so no change is missed.
    through = connection.scalar(
        select(RollupState.complete_through)
        .where(RollupState.id == STATE_ID)
        .with_for_update(read=True)
    )
    if through is None or day > through:
        return
    connection.execute(
        insert(RollupStaleDay).values(site_id=site_id, local_date=day, marked_at=utcnow())
    )


_VISIT_FIELDS: Final = (
    "site_id",
    "local_date",
    "voided_at",
    "member_id",
    *PEOPLE,
    "amount_paid_pence",
    "retail_value_pence",
    "savings_pence",
    "override_reason",
)


def _changed_days(target: Any, fields: Iterable[str]) -> set[tuple[int, date]]:
    """The (site, day) pairs an updated row counted on before and after the change."""
    state = inspect(target)
    days = {(target.site_id, target.local_date)}
    changed = False
    for name in fields:
        history = state.attrs[name].history
        if history.has_changes():
            changed = True
    if not changed:
        return set()
    site_history = state.attrs["site_id"].history
    date_history = state.attrs["local_date"].history
    for old_site in site_history.deleted or [target.site_id]:
        for old_day in date_history.deleted or [target.local_date]:
            days.add((old_site, old_day))
    return days


def _after_insert(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    _mark_stale(connection, target.site_id, target.local_date)


def _after_delete(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    _mark_stale(connection, target.site_id, target.local_date)


def _after_visit_update(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    for site_id, day in _changed_days(target, _VISIT_FIELDS):
        _mark_stale(connection, site_id, day)


def _after_movement_update(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    # The ledger is append-only; should a row ever be corrected, its days are re-read.
    fields = ("site_id", "local_date", "kind", "source", "reason", "weight_g")
    for site_id, day in _changed_days(target, fields):
        _mark_stale(connection, site_id, day)


def register_listeners() -> None:
    """Watch the ledgers for changes to days already rolled up (idempotent)."""
    for model, on_update in ((Visit, _after_visit_update), (StockMovement, _after_movement_update)):
        for name, listener in (
            ("after_insert", _after_insert),
            ("after_delete", _after_delete),
            ("after_update", on_update),
        ):
            if not event.contains(model, name, listener):
                event.listen(model, name, listener)
