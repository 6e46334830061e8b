"""Visits factories: products with stock at a desk, and times given as the site's local clock.
(Desks and their members come from tests/factories.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from supermarket.extensions import db
from tests.conftest import LONDON
from tests.factories import Desk


def local(text: str) -> datetime:
    """A London wall-clock time ("2026-03-09 10:00") as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def stocked() -> Callable[..., Any]:
    """Add a product and receive stock of it at the desk's site: stocked(desk, "BEANS",
    [(quantity, {"use_by": date}), ...], band="red", price=120)."""
    from supermarket.stock.models import Product
    from supermarket.stock.services.receiving import DonationRequest, receive_donation

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
                DonationRequest.from_dict(
                    {
                        "donor": {"name": "FareShare", "kind": "fareshare"},
                        "lines": [{"sku": sku, "quantity": q, **dates} for q, dates in batches],
                    }
                ),
                actor=desk.manager,
                at=at,
            )
        db.session.commit()
        return product

    return make


@pytest.fixture
def api(client, token_for):
    """Call the API as a user: api(user).post(path, json=..., key=...) / .get(path), with the
    user's bearer token (`key` is the Idempotency-Key)."""

    class Caller:
        def __init__(self, user):
            self.headers = token_for(user)

        def post(self, path, *, key=None, **kwargs):
            headers = dict(self.headers)
            if key:
                headers["Idempotency-Key"] = key
            return client.post(path, headers=headers, **kwargs)

        def get(self, path, **kwargs):
            return client.get(path, headers=self.headers, **kwargs)

    return Caller
