"""Two tablets submitting the same member's survey at once: it is recorded once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import User
from supermarket.errors import RuleViolation
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.surveys import services
from supermarket.surveys.models import SurveyAssessment
from tests.surveys.conftest import EXAMPLE_VERY_LOW, NEVER

pytestmark = pytest.mark.concurrency


def test_two_simultaneous_baselines_for_one_member_record_one(app, staff_pair, member_at):
    site, volunteer, manager = staff_pair()
    member_id, actors = member_at(site).id, [volunteer.id, manager.id]
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(actor_id: int, answers: dict[str, object]) -> None:
        # Meet before touching the database: on SQLite the first statement of a writing
        # request takes the write lock (BEGIN IMMEDIATE), which is what serialises them.
        barrier.wait(timeout=10)
        with app.app_context():
            try:
                member = db.session.get(Member, member_id)
                actor = db.session.get(User, actor_id)
                assert member is not None
                assert actor is not None
                data = services.SurveyRequest("baseline", "self", answers)
                services.record_survey(member, data, actor=actor)
                db.session.commit()
                outcomes.append("recorded")
            except RuleViolation as refused:
                db.session.rollback()
                outcomes.append(refused.code)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=submit, args=(actors[0], NEVER)),
        threading.Thread(target=submit, args=(actors[1], EXAMPLE_VERY_LOW)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) in (["baseline_exists", "recorded"], ["recorded", "survey_exists"])
    count = db.session.scalar(
        select(func.count(SurveyAssessment.id)).where(SurveyAssessment.member_id == member_id)
    )
    assert count == 1
