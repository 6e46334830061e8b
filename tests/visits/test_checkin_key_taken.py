"""The last guard of the idempotency key: a visit inserted with a key another request stored
first (after this one looked, e.g. for another member, whose row lock it did not wait on)
inserts nothing, leaves the transaction usable, and the check-in answers as a retry would."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from supermarket.errors import Conflict
from supermarket.extensions import db
from supermarket.visits.models import Visit
from supermarket.visits.services import checkin


def _visits() -> int:
    return db.session.scalar(select(func.count(Visit.id)))


def test_an_insert_with_a_taken_key_stores_nothing_and_the_transaction_goes_on(desk):
    key = str(uuid.uuid4())
    first = desk.check_in(desk.member(), key=key)
    stored = db.session.get(Visit, first.visit_id)
    columns = Visit.__table__.columns.keys()
    values = {c: getattr(stored, c) for c in columns if c != "id"}
    assert checkin._insert(values) is None
    assert _visits() == 1  # the transaction is still usable: it reads
    values["idempotency_key"] = str(uuid.uuid4())
    assert checkin._insert(values) is not None
    db.session.rollback()


def test_a_key_taken_under_the_check_in_answers_as_a_retry(make_desk, monkeypatch):
    """As if the other request committed between this one's looks for the key and its
    insert: the same check-in is replayed; another member's is refused (409)."""
    desk = make_desk(visits_per_week=2)
    member, other = desk.member(), desk.member()
    key = str(uuid.uuid4())
    first = desk.check_in(member, key=key)
    real = checkin._visit_by_key
    looks: list[str] = []
    # SQLite looks once before the insert; PostgreSQL again once the member's row is locked.
    before_insert = 2 if checkin._row_locks() else 1

    def blind_before_the_insert(site, wanted):  # the looks before the insert see nothing
        looks.append(wanted)
        return None if len(looks) <= before_insert else real(site, wanted)

    monkeypatch.setattr(checkin, "_visit_by_key", blind_before_the_insert)
    again = desk.check_in(member, key=key)
    assert (again.created, again.visit_id) == (False, first.visit_id)
    assert _visits() == 1
    looks.clear()
    with pytest.raises(Conflict) as refused:
        desk.check_in(other, key=key)
    assert refused.value.code == "idempotency_key_reused"
    db.session.rollback()
    assert _visits() == 1
