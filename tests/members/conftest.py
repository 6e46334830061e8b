"""Member factories: a valid registration payload and `make_member`, which commits."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members import services
from supermarket.members.models import Member
from supermarket.members.schemas import MemberIn
from supermarket.sites.models import Site

_counter = itertools.count(1)


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid registration body; nested dicts given in overrides replace whole sections."""
    data: dict[str, Any] = {
        "first_name": "Tasha",
        "last_name": "Okafor",
        "date_of_birth": "1988-04-12",
        "postcode": "CM20 1AB",
        "phone": "07700 900123",
        "email": None,
        "household": {"adults": 2, "children_0_4": 1, "children_5_11": 1, "children_12_17": 0},
        "eligibility": {"route": "self_declared"},
        "dietary": ["halal"],
        "dietary_notes": "",
        "consents": {"privacy_notice_given": True, "survey": True, "contact": False},
    }
    data.update(overrides)
    return data


@pytest.fixture
def member_payload() -> Callable[..., dict[str, Any]]:
    return payload


@pytest.fixture
def staff_pair(make_site: Callable[..., Site], make_user: Callable[..., User]) -> Any:
    """A site with a volunteer and a manager working there."""

    def make(**site_kwargs: Any) -> tuple[Site, User, User]:
        site = make_site(**site_kwargs)
        return site, make_user("volunteer", sites=[site]), make_user("site_manager", sites=[site])

    return make


@pytest.fixture
def make_member(make_site: Callable[..., Site], make_user: Callable[..., User]) -> Any:
    """Register a member through the real service and commit; a distinct household each time."""

    def make(site: Site | None = None, actor: User | None = None, **overrides: Any) -> Member:
        site = site or make_site()
        actor = actor or make_user("site_manager", sites=[site])
        if "last_name" not in overrides:
            overrides["last_name"] = f"Okafor{'abcdefghij'[next(_counter) % 10]}{next(_counter)}"
        data = MemberIn().load(payload(**overrides))
        member = services.register_member(site, data, actor=actor).member
        db.session.commit()
        return member

    return make
