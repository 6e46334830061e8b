"""Demonstration data: realistic sites, staff and, as features land, members, stock and visits."""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from supermarket.auth.models import User
from supermarket.auth.services import create_user
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.sites.services import create_site

# Each domain that has demo data names its module here; it provides seed(ctx).
DOMAIN_SEEDERS = (
    "supermarket.members.demo",
    "supermarket.surveys.demo",
    "supermarket.stock.demo",
    "supermarket.visits.demo",
    "supermarket.reporting.demo",
)
# Domain CLI groups: each module provides register(app).
DOMAIN_COMMANDS = (
    "supermarket.members.cli",
    "supermarket.stock.cli",
    "supermarket.visits.cli",
    "supermarket.reporting.cli",
)

DEMO_SITES: tuple[dict[str, Any], ...] = (
    {
        "code": "harlow",
        "name": "Harlow Community Supermarket",
        "address": "The Stow, Harlow, Essex",
        "postcode": "CM20 3AG",
        "settings": {
            "fee_pence": 350,
            "visits_per_week": 1,
            "eligibility_routes": ["self_declared", "referral", "benefits"],
            "opening_hours": "Tue 12:00–15:00, Sat 10:00–12:00",
        },
    },
    {
        "code": "basildon",
        "name": "Basildon Community Supermarket",
        "address": "Town Square, Basildon, Essex",
        "postcode": "SS14 1DL",
        "settings": {
            "fee_pence": 0,
            "joining_fee_pence": 350,
            "visits_per_week": 2,
            "eligibility_routes": ["self_declared", "referral", "benefits", "postcode"],
            "catchment": ["SS13", "SS14", "SS15", "SS16"],
            "allow_other_site_members": True,
            "opening_hours": "Tue and Thu 10:00–14:00",
        },
    },
    {
        "code": "canvey",
        "name": "Canvey Island Community Supermarket",
        "address": "Furtherwick Road, Canvey Island, Essex",
        "postcode": "SS8 7AA",
        "settings": {
            "fee_pence": 400,
            "visits_per_week": 1,
            "bands": [
                {"name": "red", "limit": 3, "average_value_pence": 250},
                {"name": "blue", "limit": 7, "average_value_pence": 120},
                {"name": "free", "limit": None, "average_value_pence": 0},
            ],
            "tiers": [
                {
                    "name": "Plus",
                    "min_people": 5,
                    "fee_pence": 500,
                    "band_limits": {"red": 4, "blue": 10},
                }
            ],
            "opening_hours": "Wed 13:00–16:00, Fri 10:00–13:00",
        },
    },
)

DEMO_STAFF = (
    ("admin", "jo.admin@example.org", "Jo Mensah", ()),
    ("programme_lead", "priya.lead@example.org", "Priya Shah", ()),
    ("site_manager", "dev.manager@example.org", "Dev Patel", ("basildon", "canvey")),
    ("site_manager", "amara.manager@example.org", "Amara Okafor", ("harlow",)),
    ("volunteer", "sue.volunteer@example.org", "Sue Barker", ("harlow",)),
    ("volunteer", "tom.volunteer@example.org", "Tom Nowak", ("basildon", "canvey")),
)


@dataclass
class DemoContext:
    """What the domain seeders share: the sites and staff made so far."""

    sites: dict[str, Site]
    staff: dict[str, User]
    extra: dict[str, Any] = field(default_factory=dict)


def _password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(4))


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo programme; returns (role, email, password) for each demo login."""
    sites = {spec["code"]: create_site(actor=None, **spec) for spec in DEMO_SITES}
    logins: list[tuple[str, str, str]] = []
    staff: dict[str, User] = {}
    for role, email, name, codes in DEMO_STAFF:
        password = _password()
        staff[email] = create_user(
            email=email,
            name=name,
            role=role,
            password=password,
            sites=[sites[c] for c in codes],
            actor=None,
        )
        logins.append((role, email, password))
    db.session.flush()
    ctx = DemoContext(sites=sites, staff=staff)
    for name in DOMAIN_SEEDERS:
        seeder = _optional(name, "seed")
        if seeder is not None:
            seeder(ctx)
            db.session.flush()
    return logins


def _optional(module: str, attr: str) -> Callable[..., Any] | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    return getattr(mod, attr, None)


def register_domain_commands(app: Flask) -> None:
    for name in DOMAIN_COMMANDS:
        register = _optional(name, "register")
        if register is not None:
            register(app)
