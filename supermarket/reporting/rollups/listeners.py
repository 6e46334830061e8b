"""ORM listeners on the lower layers' ledgers: a change to a rolled-up day marks it stale.

Visits and stock mark their own day in rollup_stale_days. A survey marks its baseline's day
in survey_stale_days: the baseline's own when a baseline changes, and the member's baseline's
when its 3-month follow-up is recorded, changed or removed (the pair is counted on the day
of the baseline, whichever site and day the follow-up was taken on).
"""

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
    SurveyStaleDay,
)
from supermarket.reporting.rollups.definitions import (
    FOLLOW_UP_MONTHS,
    PEOPLE,
    STATE_ID,
)
from supermarket.sites.models import Site
from supermarket.stock.models import StockMovement
from supermarket.surveys.models import SurveyAssessment
from supermarket.visits.models import VISIT_STORED_HOOKS, Visit

_TIMEZONES: dict[int, ZoneInfo] = {}


def _site_today(connection: Connection, site_id: int) -> date:
    zone = _TIMEZONES.get(site_id)
    if zone is None:
        name = connection.scalar(select(Site.timezone).where(Site.id == site_id))
        zone = ZoneInfo(name or "Europe/London")
        _TIMEZONES[site_id] = zone
    return datetime.now(zone).date()


def _mark_stale(
    connection: Connection,
    site_id: int,
    day: date,
    marks: type[RollupStaleDay] | type[SurveyStaleDay] = RollupStaleDay,
) -> None:
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
    connection.execute(insert(marks).values(site_id=site_id, local_date=day, marked_at=utcnow()))


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
    "visit_type",
    "payment_model",
    "points_spent",
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


_SURVEY_FIELDS: Final = (
    "site_id",
    "member_id",
    "local_date",
    "kind",
    "timepoint",
    "complete",
    "category_10",
    "raw_score_10",
)


def _survey_days(connection: Connection, target: Any, *, updated: bool) -> set[tuple[int, date]]:
    """The (site, baseline day) pairs whose survey cells count this assessment, before and
    after an update."""
    state = inspect(target)
    if updated and not any(state.attrs[name].history.has_changes() for name in _SURVEY_FIELDS):
        return set()

    def before(name: str) -> list[Any]:
        value = getattr(target, name)
        if not updated:
            return [value]
        history = state.attrs[name].history
        return [*(history.deleted or []), value]

    days: set[tuple[int, date]] = set()
    if 0 in before("timepoint"):  # a baseline: its own day, as it was and as it is
        days |= {(site, day) for site in before("site_id") for day in before("local_date")}
    if FOLLOW_UP_MONTHS in before("timepoint"):  # a follow-up: its member's baseline's day
        for site, day in connection.execute(
            select(SurveyAssessment.site_id, SurveyAssessment.local_date).where(
                SurveyAssessment.member_id.in_(before("member_id")),
                SurveyAssessment.timepoint == 0,
            )
        ):
            days.add((site, day))
    return days


def _after_survey_insert(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    for site_id, day in _survey_days(connection, target, updated=False):
        _mark_stale(connection, site_id, day, SurveyStaleDay)


def _after_survey_update(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    for site_id, day in _survey_days(connection, target, updated=True):
        _mark_stale(connection, site_id, day, SurveyStaleDay)


def _visit_stored(connection: Connection, site_id: int, day: date) -> None:
    """A visit stored without the ORM (the check-in's INSERT): as _after_insert."""
    _mark_stale(connection, site_id, day)


def register_listeners() -> None:
    """Watch the ledgers for changes to days already rolled up (idempotent)."""
    if _visit_stored not in VISIT_STORED_HOOKS:
        VISIT_STORED_HOOKS.append(_visit_stored)
    watched = (
        (Visit, _after_insert, _after_visit_update, _after_delete),
        (StockMovement, _after_insert, _after_movement_update, _after_delete),
        (SurveyAssessment, _after_survey_insert, _after_survey_update, _after_survey_insert),
    )
    for model, on_insert, on_update, on_delete in watched:
        for name, listener in (
            ("after_insert", on_insert),
            ("after_delete", on_delete),
            ("after_update", on_update),
        ):
            if not event.contains(model, name, listener):
                event.listen(model, name, listener)
