"""Visits factories: a desk (site, volunteer, manager), members registered through the real
service, products with stock, and times given as the site's local clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members import services as members
from supermarket.members.models import Member
from supermarket.members.schemas import MemberIn
from supermarket.sites.models import Site
from supermarket.visits import services
from supermarket.visits.services import CheckIn

LONDON = ZoneInfo("Europe/London")
_counter = itertools.count(1)


def local(text: str) -> datetime:
    """A London wall-clock time ("2026-03-09 10:00") as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


def member_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "first_name": "Tasha",
        "last_name": f"Okafor{next(_counter)}",
        "date_of_birth": "1988-04-12",
        "postcode": "CM20 1AB",
        "phone": None,
        "email": None,
        "household": {"adults": 2, "children_0_4": 1, "children_5_11": 1, "children_12_17": 0},
        "eligibility": {"route": "self_declared"},
        "dietary": ["halal"],
        "dietary_notes": "",
        "consents": {"privacy_notice_given": True, "survey": False, "contact": False},
    }
    data.update(overrides)
    return data


@dataclass
class Desk:
    """A site with a volunteer and a manager working there."""

    site: Site
    volunteer: User
    manager: User

    def member(self, **overrides: Any) -> Member:
        """Register a household here through the members service, committed."""
        status = overrides.pop("status", None)
        member_fields = {
            k: overrides.pop(k)
            for k in ("expires_on", "review_due_on", "status_reason", "closed_on")
            if k in overrides
        }
        data = MemberIn().load(member_payload(**overrides))
        member = members.register_member(self.site, data, actor=self.manager).member
        if status is not None:
            member.status = status
        for key, value in member_fields.items():
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
        result = services.check_in(
            self.site,
            {"membership_number": member.membership_number, **data},
            actor=actor or self.volunteer,
            key=key,
            now=now,
        )
        db.session.commit()
        return result


@pytest.fixture
def make_desk(
    make_site: Callable[..., Site], make_user: Callable[..., User]
) -> Callable[..., Desk]:
    def make(code: str | None = None, **settings: Any) -> Desk:
        site = make_site(code=code, settings=settings) if settings else make_site(code=code)
        return Desk(
            site, make_user("volunteer", sites=[site]), make_user("site_manager", sites=[site])
        )

    return make


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk()


@pytest.fixture
def stocked(make_user: Callable[..., User]) -> Callable[..., Any]:
    """Add a product and receive stock of it at the desk's site: stocked(desk, "BEANS",
    [(quantity, {"use_by": date}), ...], band="red", price=120)."""
    from supermarket.stock.models import Product
    from supermarket.stock.services.receiving import receive_donation

    def make(
        desk: Desk,
        sku: str,
        batches: list[tuple[int, dict[str, date]]],
        *,
        band: str = "blue",
        price: int = 100,
        at: datetime | None = None,
    ) -> Product:
        product = db.session.query(Product).filter_by(sku=sku).one_or_none()
        if product is None:
            product = Product(
                sku=sku,
                name=sku.title(),
                name_key=sku.lower(),
                category="ambient",
                band=band,
                unit_weight_g=400,
                reference_price_pence=price,
                active=True,
            )
            db.session.add(product)
            db.session.flush()
        if batches:
            receive_donation(
                desk.site,
                {
                    "donor": {"name": "FareShare", "kind": "fareshare"},
                    "lines": [{"sku": sku, "quantity": q, **dates} for q, dates in batches],
                },
                actor=desk.manager,
                at=at,
            )
        db.session.commit()
        return product

    return make
