"""Stock factories: products, a shop (a desk that knows its dates), and deliveries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.sites.calendar import site_today
from supermarket.stock.models import Donation, Product
from supermarket.stock.services.ledger import ledger_discrepancies
from supermarket.stock.services.receiving import DonationRequest, receive_donation
from tests.factories import Desk


@pytest.fixture
def make_product() -> Callable[..., Product]:
    counter = iter(range(1, 100_000))

    def make(sku: str | None = None, name: str | None = None, **kwargs: Any) -> Product:
        n = next(counter)
        name = name or f"Test product {n}"
        values: dict[str, Any] = {
            "category": "ambient",
            "band": "blue",
            "unit_weight_g": 400,
            "reference_price_pence": 100,
            "active": True,
        }
        values.update(kwargs)
        product = Product(sku=sku or f"TEST-{n}", name=name, name_key=name.lower(), **values)
        db.session.add(product)
        db.session.commit()
        return product

    return make


class Shop(Desk):
    """A desk (a site with a volunteer and a manager) that knows the site's dates."""

    @property
    def today(self) -> date:
        return site_today(self.site)

    def days(self, n: int) -> date:
        return self.today + timedelta(days=n)

    def at(self, n: int) -> datetime:
        """Midday at the site `n` days from today: an instant on that local day (now ± 24
        hours can land on another day there, near midnight or when the clocks change)."""
        return datetime.combine(self.days(n), time(12), tzinfo=ZoneInfo(self.site.timezone))


@pytest.fixture
def make_shop(make_desk: Callable[..., Desk]) -> Callable[..., Shop]:
    """make_shop(code=None, name=None, settings=None): as make_desk, as a Shop."""

    def make(code: str | None = None, **kwargs: Any) -> Shop:
        desk = make_desk(code, **kwargs)
        return Shop(desk.site, desk.volunteer, desk.manager)

    return make


@pytest.fixture
def shop(make_shop: Callable[..., Shop]) -> Shop:
    return make_shop()


@pytest.fixture
def receive() -> Callable[..., Donation]:
    """Receive lines into a site's stock and commit: receive(shop, [(product, qty, {..}), ...])."""

    def do(
        shop: Shop,
        lines: list[Any],
        *,
        kind: str = "fareshare",
        donor: str = "FareShare",
        actor: User | None = None,
        at: datetime | None = None,
        **data: Any,
    ) -> Donation:
        payload_lines = []
        for line in lines:
            if isinstance(line, dict):
                payload_lines.append(line)
                continue
            product, quantity, *extra = line
            payload_lines.append(
                {"sku": product.sku, "quantity": quantity, **(extra[0] if extra else {})}
            )
        donation = receive_donation(
            shop.site,
            DonationRequest.from_dict(
                {"donor": {"name": donor, "kind": kind}, "lines": payload_lines, **data}
            ),
            actor=actor or shop.manager,
            at=at,
        )
        db.session.commit()
        return donation

    return do


@pytest.fixture
def ledger_sound() -> Callable[[], None]:
    """Assert every batch's cached quantity equals the sum of its movements, none negative."""

    def check() -> None:
        assert ledger_discrepancies() == []

    return check
