"""Demo surveys: realistic shares, scores from scoring itself, some follow-ups and some due."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from supermarket.demo import DemoContext
from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.surveys import demo, scoring, services
from supermarket.surveys.models import SurveyAssessment


def test_demo_answers_follow_the_screening_order_and_three_in_four_are_insecure():
    rng = random.Random(1)
    scores = [
        scoring.score(demo.answers_for(rng, rng.gauss(demo.SEVERITY_MEAN, demo.SEVERITY_SD)))
        for _ in range(2000)
    ]
    insecure = sum(s.food_insecure_10 for s in scores) / len(scores)
    assert 0.68 <= insecure <= 0.82


def _context(staff_pair, member_at, joined_days_ago):
    site, volunteer, manager = staff_pair()
    today = site_today(site)
    members = [member_at(site, joined_on=today - timedelta(days=d)) for d in joined_days_ago]
    member_at(site, survey=False)
    ctx = DemoContext(
        sites={site.code: site},
        staff={volunteer.email: volunteer, manager.email: manager},
    )
    return site, today, members, ctx


def test_demo_seeds_baselines_follow_ups_and_leaves_some_due(staff_pair, member_at):
    ages = [5 * i for i in range(40)]  # joined today up to 195 days ago
    site, today, members, ctx = _context(staff_pair, member_at, ages)
    demo.seed(ctx)
    db.session.commit()

    rows = list(db.session.scalars(select(SurveyAssessment)))
    baselines = [r for r in rows if r.kind == "baseline"]
    assert 0.5 <= len(baselines) / len(members) <= 0.9
    assert any(r.timepoint == 3 for r in rows)
    for row in rows:
        again = scoring.score(row.answers)
        assert (row.raw_score_10, row.category_10, row.complete) == (
            again.raw_score_10,
            again.category_10,
            again.complete,
        )
        assert row.local_date <= today
    assert services.list_due(site, today, actor=ctx.staff[next(iter(ctx.staff))])


def test_demo_backdates_joining_when_every_member_is_new(staff_pair, member_at):
    _, today, members, ctx = _context(staff_pair, member_at, [0, 1, 2, 3, 4, 5])
    demo.seed(ctx)
    db.session.commit()
    backdated = [m for m in members if (today - m.joined_on).days >= 70]
    assert backdated
    for member in backdated:
        assert member.expires_on is not None
        assert member.expires_on > today
        baseline = db.session.scalar(
            select(SurveyAssessment).where(
                SurveyAssessment.member_id == member.id, SurveyAssessment.kind == "baseline"
            )
        )
        if baseline is not None:
            assert baseline.local_date == member.joined_on
