"""Support factories: services in the directory, made through the real service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.support import services
from supermarket.support.models import SupportService


@pytest.fixture
def make_service() -> Callable[..., SupportService]:
    """make_service(actor, name=..., category=..., **fields): an entry added by `actor` (an
    administrator's is the programme's; give `all_sites` or `sites`), committed."""

    def make(actor: User, **fields: Any) -> SupportService:
        data: dict[str, Any] = {"name": "Citizens Advice", "category": "benefits_advice"}
        data.update(fields)
        if actor.role == "admin" and "sites" not in data:
            data.setdefault("all_sites", True)
        service = services.create_service(data, actor=actor)
        db.session.commit()
        return service

    return make


@pytest.fixture
def make_agency(make_user: Callable[..., User]) -> Callable[..., Any]:
    """make_agency(*sites, name=..., kind=...): an agency of the register referring to
    `sites`, added by an administrator, committed."""
    from supermarket.support.services import agencies

    counter = iter(range(1, 1000))

    def make(*sites: Any, name: str | None = None, kind: str = "citizens_advice") -> Any:
        admin = make_user("admin")
        agency = agencies.create_agency(
            {
                "name": name or f"Advice Centre {next(counter)}",
                "kind": kind,
                "sites": [s.code for s in sites],
            },
            actor=admin,
        )
        db.session.commit()
        return agency

    return make


@pytest.fixture
def make_referrer(make_user: Callable[..., User]) -> Callable[..., User]:
    """make_referrer(agency): a referrer's account at the agency."""

    def make(agency: Any, **kwargs: Any) -> User:
        return make_user("referrer", agency_id=agency.id, **kwargs)

    return make


def inbound_body(**overrides: Any) -> dict[str, Any]:
    """A referral an agency sends: a household's details with consent."""
    body: dict[str, Any] = {
        "first_name": "Amira",
        "last_name": "Haddad",
        "postcode": "CM20 2QT",
        "date_of_birth": "1987-05-01",
        "household": {"adults": 1, "children_5_11": 2},
        "consent_given": True,
        "reason": "Universal Credit delayed; rent arrears.",
        "urgency": "urgent",
    }
    body.update(overrides)
    return body
