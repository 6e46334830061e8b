"""Visit keys: a check-in's idempotency key is kept unique in `visit_keys` (not by `visits`),
and bands, lines and points point at their visit by (id, local_date) — what lets `visits` be
partitioned by date — with every answer as before. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from supermarket.extensions import db
from supermarket.visits import services
from supermarket.visits.models import Visit, VisitBand, VisitKey, VisitLine
from supermarket.visits.points import PointsEntry
from supermarket.visits.services import stock_link
from tests.visits.test_concurrency import post, tablets
from tests.visits.test_payment_models import POINTS, weekly


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _keys(site_id: int) -> list[str]:
    return list(
        db.session.scalars(select(VisitKey.idempotency_key).where(VisitKey.site_id == site_id))
    )


def test_a_retry_with_the_key_replays_the_first_visit_and_keeps_one_key(desk, api):
    member = desk.member()
    caller = api(desk.volunteer)
    key = str(uuid.uuid4())
    path = f"/api/v1/sites/{desk.site.code}/visits"
    body = {"membership_number": member.membership_number, "basket": {"red": 1}}
    first = caller.post(path, json=body, key=key)
    again = caller.post(path, json=body, key=key)
    assert (first.status_code, again.status_code) == (201, 200), again.json
    assert again.json["id"] == first.json["id"]
    assert again.json["replayed"] is True
    assert (_count(Visit), _keys(desk.site.id)) == (1, [key])
    stored = db.session.get_one(VisitKey, (desk.site.id, key))
    assert stored.created_at is not None


def test_the_key_reused_for_another_check_in_is_409_and_records_nothing(desk, api):
    member, other = desk.member(), desk.member()
    caller = api(desk.volunteer)
    key = str(uuid.uuid4())
    path = f"/api/v1/sites/{desk.site.code}/visits"
    first = caller.post(path, json={"membership_number": member.membership_number}, key=key)
    reused = caller.post(path, json={"membership_number": other.membership_number}, key=key)
    changed = caller.post(
        path,
        json={"membership_number": member.membership_number, "basket": {"red": 2}},
        key=key,
    )
    assert first.status_code == 201
    for refused in (reused, changed):
        assert refused.status_code == 409, refused.json
        assert refused.json["error"]["code"] == "idempotency_key_reused"
    assert (_count(Visit), _keys(desk.site.id)) == (1, [key])


def test_a_key_is_per_site_and_a_check_in_without_one_stores_none(make_desk):
    one, two = make_desk(), make_desk()
    key = str(uuid.uuid4())
    a = one.check_in(one.member(), key=key)
    b = two.check_in(two.member(), key=key)
    assert (a.created, b.created) == (True, True)
    assert a.visit_id != b.visit_id
    one.check_in(one.member())
    assert (_keys(one.site.id), _keys(two.site.id)) == ([key], [key])
    assert _count(VisitKey) == 2


def test_bands_lines_and_points_carry_the_visits_date(make_desk, stocked):
    desk = make_desk(visits_per_week=14, visit_types=weekly("points"), points=POINTS)
    stocked(desk, "BEANS", [(5, {})], band="blue", price=90)
    member = desk.member()
    visit = desk.check_in(
        member, basket={"blue": 1}, lines=[{"sku": "BEANS", "quantity": 2}], key=str(uuid.uuid4())
    ).visit
    assert visit.bands
    assert visit.lines
    assert {b.local_date for b in visit.bands} == {visit.local_date}
    assert {line.local_date for line in visit.lines} == {visit.local_date}
    entries = list(db.session.scalars(select(PointsEntry).where(PointsEntry.visit_id == visit.id)))
    assert entries
    assert {e.visit_local_date for e in entries} == {visit.local_date}
    services.void_visit(desk.site, visit.id, "Wrong card", actor=desk.manager)
    db.session.commit()
    given_back = db.session.scalars(
        select(PointsEntry).where(PointsEntry.visit_id == visit.id, PointsEntry.reason == "void")
    ).one()
    assert given_back.visit_local_date == visit.local_date


def test_bands_and_lines_added_through_the_orm_take_the_visits_date(desk):
    visit = desk.check_in(desk.member()).visit
    db.session.add(VisitBand(visit_id=visit.id, band="extra", quantity=1, value_pence=10))
    visit.lines.append(
        VisitLine(
            product_id=1, sku="S1", name="Beans", band="blue", quantity=1, reference_price_pence=5
        )
    )
    db.session.commit()
    db.session.expire_all()
    assert {b.local_date for b in visit.bands} == {visit.local_date}
    assert [line.local_date for line in visit.lines] == [visit.local_date]


def _foreign_keys_enforced() -> None:
    if db.session.get_bind().dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_band_line_or_points_row_pointing_at_another_date_is_refused(desk):
    _foreign_keys_enforced()
    visit = desk.check_in(desk.member(), basket={"red": 1}).visit
    wrong = visit.local_date + timedelta(days=1)
    rows = [
        (VisitBand, {"visit_id": visit.id, "local_date": wrong, "band": "x", "quantity": 1}),
        (
            VisitLine,
            {
                "visit_id": visit.id,
                "local_date": wrong,
                "product_id": 1,
                "sku": "S1",
                "name": "Beans",
                "band": "blue",
                "quantity": 1,
                "reference_price_pence": 5,
            },
        ),
        (
            PointsEntry,
            {
                "member_id": visit.member_id,
                "site_id": visit.site_id,
                "visit_id": visit.id,
                "visit_local_date": wrong,
                "local_date": visit.local_date,
                "change": 1,
                "balance_after": 1,
                "reason": "credit",
            },
        ),
    ]
    for model, row in rows:
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(insert(model.__table__), [{"value_pence": 0, **row}])
    # A points row with a visit must say the visit's date (else its key would go unchecked).
    row = {**rows[2][1], "visit_local_date": None}
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(insert(PointsEntry.__table__), [row])
    db.session.rollback()


def test_deleting_a_visit_still_deletes_its_bands_and_lines(desk):
    visit = desk.check_in(desk.member(), basket={"red": 1}).visit
    db.session.add(
        VisitLine(
            visit_id=visit.id,
            product_id=1,
            sku="S1",
            name="Beans",
            band="blue",
            quantity=1,
            reference_price_pence=5,
        )
    )
    db.session.commit()
    assert (_count(VisitBand), _count(VisitLine)) == (1, 1)
    db.session.execute(delete(Visit.__table__).where(Visit.__table__.c.id == visit.id))
    db.session.commit()
    assert (_count(VisitBand), _count(VisitLine)) == (0, 0)


@pytest.mark.concurrency
def test_another_members_check_in_with_a_key_in_flight_waits_then_is_refused(
    desk, token_for, live_url, monkeypatch
):
    """No member's lock orders these two: on PostgreSQL the second waits on the first's key
    row until it commits, then finds the key taken (on SQLite the write lock queues it)."""
    member, other = desk.member(), desk.member()
    numbers = member.membership_number, other.membership_number
    key = str(uuid.uuid4())
    first_tablet, second_tablet = tablets(token_for, desk.volunteer, 2)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    started = threading.Event()
    real_issue = stock_link.issue_lines

    def slow_issue(*args: Any, **kwargs: Any) -> None:
        if not started.is_set():
            started.set()
            time.sleep(1.0)  # after the key and the visit are inserted, before the commit
        real_issue(*args, **kwargs)

    monkeypatch.setattr(stock_link, "issue_lines", slow_issue)
    answers: dict[str, tuple[int, Any]] = {}

    def first() -> None:
        body = {"membership_number": numbers[0]}
        answers["first"] = post(live_url, path, body, {**first_tablet, "Idempotency-Key": key})

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(timeout=30)
    body = {"membership_number": numbers[1]}
    answers["other"] = post(live_url, path, body, {**second_tablet, "Idempotency-Key": key})
    thread.join(timeout=60)
    (s1, _), (s2, a2) = answers["first"], answers["other"]
    assert (s1, s2) == (201, 409), answers
    assert a2["error"]["code"] == "idempotency_key_reused"
    db.session.remove()
    assert _count(Visit) == 1
