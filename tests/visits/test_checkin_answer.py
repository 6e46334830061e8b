"""The check-in's answer is written from the row it inserted, not from a loaded Visit: it must
be the same, field for field, as the visit dumped from the database (which is what a retry
with the same key answers), whatever the check-in held: band counts, scanned products, a
payment that is not the fee, an overridden rule, an offline check-in marked for review."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db
from supermarket.visits.models import Visit, VisitBand, VisitLine
from supermarket.visits.schemas import VisitOut


def _created_and_replayed(desk: Any, api: Any, body: dict[str, Any]) -> tuple[Any, Any]:
    caller = api(desk.volunteer)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    key = str(uuid.uuid4())
    first = caller.post(path, json=body, key=key)
    assert first.status_code == 201, first.json
    again = caller.post(path, json=body, key=key)
    assert again.status_code == 200, again.json
    return first, again


def _same_answer(first: Any, again: Any) -> None:
    """The 201 and the replay's 200 say the same of the visit (only `replayed` differs), and
    both are the stored visit as VisitOut dumps it."""
    created = dict(first.json)
    replayed = dict(again.json)
    assert (created.pop("replayed"), replayed.pop("replayed")) == (False, True)
    assert created == replayed
    assert first.get_data() == again.get_data().replace(b'"replayed":true', b'"replayed":false')
    db.session.expire_all()
    stored = db.session.get(Visit, created["id"])
    dumped = VisitOut().dump(stored)
    assert {k: created[k] for k in dumped} == dumped


def test_a_basket_of_band_counts_paid_by_card(desk, api):
    member = desk.member()
    first, again = _created_and_replayed(
        desk,
        api,
        {
            "membership_number": member.membership_number,
            "basket": {"red": 2, "blue": 8},
            "payment": {"method": "card", "amount_pence": 200, "reason": "Short of change"},
        },
    )
    _same_answer(first, again)
    assert first.json["basket"] == {"red": 2, "blue": 8}
    assert first.json["payment_reason"] == "Short of change"


def test_scanned_products_with_band_counts(desk, api, stocked):
    stocked(desk, "BEANS", [(5, {})], band="blue", price=90)
    stocked(desk, "TEA", [(5, {})], band="red", price=150)
    member = desk.member()
    first, again = _created_and_replayed(
        desk,
        api,
        {
            "membership_number": member.membership_number,
            "basket": {"blue": 1},
            "lines": [
                {"sku": "beans", "quantity": 2},
                {"sku": "TEA", "quantity": 1},
                {"sku": "BEANS", "quantity": 1},
            ],
        },
    )
    _same_answer(first, again)
    assert [line["sku"] for line in first.json["lines"]] == ["BEANS", "TEA"]
    assert first.json["basket"] == {"blue": 4, "red": 1}
    visit_id = first.json["id"]
    assert db.session.scalars(
        select(VisitLine.quantity).where(VisitLine.visit_id == visit_id)
    ).all() == [3, 1]
    bands = db.session.execute(
        select(VisitBand.band, VisitBand.quantity, VisitBand.value_pence)
        .where(VisitBand.visit_id == visit_id)
        .order_by(VisitBand.id)
    ).all()
    assert sorted(map(tuple, bands)) == [("blue", 4, 120 + 3 * 90), ("red", 1, 150)]


def test_an_overridden_limit_with_a_waived_fee(desk, api):
    member = desk.member()
    desk.check_in(member)
    first, again = _created_and_replayed(
        desk,
        api,
        {
            "membership_number": member.membership_number,
            "payment": {"method": "waived", "reason": "Hardship"},
            "override_reason": "Emergency referral",
        },
    )
    _same_answer(first, again)
    assert first.json["overridden_rules"] == ["visit_limit_reached"]
    assert first.json["override_reason"] == "Emergency referral"
    assert first.json["amount_paid_pence"] == 0


@pytest.mark.parametrize("device", ["", "never-enrolled-tablet"])
def test_an_offline_check_in_marked_for_review(desk, api, clock, device):
    member = desk.member()
    desk.check_in(member)
    recorded_at = datetime.now(UTC) - timedelta(minutes=1)
    first, again = _created_and_replayed(
        desk,
        api,
        {
            "membership_number": member.membership_number,
            "offline": {"recorded_at": recorded_at.isoformat(), "device": device},
        },
    )
    _same_answer(first, again)
    assert first.json["review"]["status"] == "open"
    assert first.json["offline"]["device"] == (device or None)


def test_the_audit_event_keeps_its_details(desk, api):
    member = desk.member()
    first, _ = _created_and_replayed(
        desk, api, {"membership_number": member.membership_number, "basket": {"red": 1}}
    )
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "visit.checked_in",
            AuditEvent.object_id == str(first.json["id"]),
        )
    ).all()
    assert len(events) == 1  # the replay records none
    event = events[0]
    assert (event.object_type, event.site_id, event.actor_id) == (
        "visit",
        desk.site.id,
        desk.volunteer.id,
    )
    assert event.actor_email == desk.volunteer.email
    assert event.details == {"overridden_rules": [], "other_site": False, "lines": 0}
    assert event.at is not None
