"""Factories every test package shares (registered in tests/conftest.py with `pytest_plugins`).

A desk is a site with a volunteer and a manager working there; members are registered through
the real members service and committed. (Reporting's tests insert their rows straight into the
tables instead: see tests/reporting/conftest.py.)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from supermarket.auth.models import User
from supermarket.demo import DemoContext
from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.models import Member
from supermarket.members.schemas import MemberIn
from supermarket.sites.models import Site
from supermarket.visits import services as visits
from supermarket.visits.models import Device
from supermarket.visits.schemas import CheckInIn
from supermarket.visits.services import CheckIn

_counter = itertools.count(1)
ENROLLED_LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def member_payload(**overrides: Any) -> dict[str, Any]:
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


def unique_last_name() -> str:
    """A surname no other test household has (its letters differ too, not only its digits)."""
    return f"Okafor{'abcdefghij'[next(_counter) % 10]}{next(_counter)}"


def desk_member_payload(**overrides: Any) -> dict[str, Any]:
    """A registration body for a household at the desk: its own surname, no phone, and no
    consent to surveys (so that no survey is due when it checks in)."""
    quiet: dict[str, Any] = {
        "last_name": unique_last_name(),
        "phone": None,
        "consents": {"privacy_notice_given": True, "survey": False, "contact": False},
    }
    return member_payload(**{**quiet, **overrides})


def register(site: Site, actor: User, body: dict[str, Any]) -> Member:
    """Register the household `body` describes at `site` through the members service (which
    flushes; the caller commits)."""
    return members.register_member(site, MemberIn().load(body), actor=actor).member


@dataclass
class Desk:
    """A site with a volunteer and a manager working there."""

    site: Site
    volunteer: User
    manager: User

    def member(self, **overrides: Any) -> Member:
        """Register a household here through the members service, committed; `status`,
        `expires_on`, `review_due_on`, `status_reason` and `closed_on` are then set as given."""
        fields = {
            k: overrides.pop(k)
            for k in ("status", "expires_on", "review_due_on", "status_reason", "closed_on")
            if k in overrides
        }
        member = register(self.site, self.manager, desk_member_payload(**overrides))
        for key, value in fields.items():
            setattr(member, key, value)
        db.session.commit()
        return member

    def check_in(
        self,
        member: Member,
        *,
        actor: User | None = None,
        key: str | None = None,
        now: datetime | None = None,
        **data: Any,
    ) -> CheckIn:
        result = visits.check_in(
            self.site,
            CheckInIn().load({"membership_number": member.membership_number, **data}),
            actor=actor or self.volunteer,
            key=key,
            now=now,
        )
        db.session.commit()
        return result

    def tablet(self, device_id: str | None = None, *, name: str = "Front desk") -> str:
        """Enrol a tablet for this site (enrolled long ago, so any test time is after it);
        its id, as the tablet sends it."""
        device = Device(
            id=device_id or f"tablet-{next(_counter):04d}-{self.site.code}",
            site_id=self.site.id,
            name=name,
            enrolled_by_id=self.manager.id,
            enrolled_at=ENROLLED_LONG_AGO,
        )
        db.session.add(device)
        db.session.commit()
        return device.id


@pytest.fixture
def make_desk(
    make_site: Callable[..., Site], make_user: Callable[..., User]
) -> Callable[..., Desk]:
    """make_desk(code=None, name=None, settings=None, **more_settings): a new site with its
    volunteer and manager."""

    def make(
        code: str | None = None,
        *,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
        **more_settings: Any,
    ) -> Desk:
        settings = {**(settings or {}), **more_settings}
        site = make_site(code=code, name=name, **({"settings": settings} if settings else {}))
        return Desk(
            site, make_user("volunteer", sites=[site]), make_user("site_manager", sites=[site])
        )

    return make


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk()


@pytest.fixture
def staff_pair(make_desk: Callable[..., Desk]) -> Callable[..., tuple[Site, User, User]]:
    """staff_pair(settings={...}): a new desk as (site, volunteer, manager)."""

    def make(settings: dict[str, Any] | None = None) -> tuple[Site, User, User]:
        made = make_desk(settings=settings)
        return made.site, made.volunteer, made.manager

    return make


@pytest.fixture
def make_member(
    make_site: Callable[..., Site], make_user: Callable[..., User]
) -> Callable[..., Member]:
    """make_member(site=None, actor=None, **overrides): register a member through the real
    service (by a manager of the site unless `actor` is given) and commit; a distinct
    household each time unless `last_name` is given."""

    def make(site: Site | None = None, actor: User | None = None, **overrides: Any) -> Member:
        site = site or make_site()
        actor = actor or make_user("site_manager", sites=[site])
        overrides.setdefault("last_name", unique_last_name())
        member = register(site, actor, member_payload(**overrides))
        db.session.commit()
        return member

    return make


def demo_context() -> DemoContext:
    """The demo's sites and staff, made as `supermarket demo` makes them (flushed), for a
    test of one domain's demo seeder."""
    from supermarket.auth.services import create_user
    from supermarket.demo import DEMO_STAFF, demo_sites
    from supermarket.sites.services import create_site
    from tests.conftest import PASSWORD

    sites = {spec["code"]: create_site(actor=None, **spec) for spec in demo_sites()}
    staff = {
        email: create_user(
            email=email,
            name=name,
            role=role,
            password=PASSWORD,
            sites=[sites[c] for c in codes],
            actor=None,
        )
        for role, email, name, codes in DEMO_STAFF
    }
    db.session.flush()
    return DemoContext(sites=sites, staff=staff)
