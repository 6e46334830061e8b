"""The demo members: realistic, varied, quick, and valid by the same rules as the desk."""

from __future__ import annotations

import time

from supermarket.extensions import db
from supermarket.members import demo
from supermarket.members.identifiers import is_valid_membership_number
from supermarket.postcodes import in_catchment
from tests.factories import demo_context


def test_demo_members_are_varied_and_fit_each_site():
    ctx = demo_context()
    sites = ctx.sites
    db.session.flush()
    started = time.perf_counter()
    demo.seed(ctx)
    db.session.flush()
    # About 2 s on an idle 2-core machine; the margin is for a busy CI runner.
    assert time.perf_counter() - started < 30
    made = ctx.extra["members"]
    assert set(made) == set(sites)
    statuses = set()
    for code, members in made.items():
        assert 40 <= len(members) <= 60
        site = sites[code]
        for member in members:
            assert member.site_id == site.id
            assert is_valid_membership_number(member.membership_number)
            if member.eligibility_route == "postcode":
                assert in_catchment(member.postcode, site.settings.catchment)
            statuses.add(member.status)
        assert len({m.household_size for m in members}) >= 4
    assert {"active", "suspended", "closed"} <= statuses
    names = {m.first_name for members in made.values() for m in members}
    assert {"Łukasz", "Siân"} & names
