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
