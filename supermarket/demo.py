"""Demonstration data: realistic sites, staff and, as features land, members, stock and visits."""

from __future__ import annotations

import importlib
import logging
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from flask import Flask

from supermarket.auth.models import User
from supermarket.auth.services import create_user
from supermarket.demo_holidays import demo_school_holidays
from supermarket.extensions import db
from supermarket.members.demo import DESK_CAST
from supermarket.members.identifiers import display_number
from supermarket.sites.calendar import programme_today
from supermarket.sites.models import Site
from supermarket.sites.services import create_site
from supermarket.sites.settings import PROGRAMME_VISIT_TYPES

# Each domain that has demo data names its module here; it provides seed(ctx).
DOMAIN_SEEDERS = (
    "supermarket.members.demo",
    "supermarket.members.demo_access",
    "supermarket.surveys.demo",
    "supermarket.stock.demo",
    "supermarket.visits.demo",
    "supermarket.visits.demo_payments",  # Canvey on points (issue 16)
    "supermarket.support.demo",
    "supermarket.visits.demo_anonymous",
    "supermarket.reporting.demo",
    "supermarket.members.demo_monitoring",  # after every household is made (no rollup reads it)
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
            # Harlow's enrolled tablets may register households offline (README, Offline).
            "offline_registration": True,
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
            # Canvey gives the programme's four visit types (README, Visit types), with
            # Essex-like school holidays for the holiday hampers (demo_sites adds them).
            "visit_types": [asdict(t) for t in PROGRAMME_VISIT_TYPES],
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


def demo_sites(today: date | None = None) -> list[dict[str, Any]]:
    """DEMO_SITES as made on `today` (the programme's today): Canvey's school holidays are
    worked out from it, so a demo made in any year has one behind it and one to come."""
    today = today or programme_today()
    holidays = {"canvey": demo_school_holidays(today)}
    return [
        {**spec, "settings": {**spec["settings"], "school_holidays": holidays[spec["code"]]}}
        if spec["code"] in holidays
        else spec
        for spec in DEMO_SITES
    ]


def _password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(4))


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo programme; returns (role, email, password) for each demo login."""
    sites = {spec["code"]: create_site(actor=None, **spec) for spec in demo_sites()}
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
    # Accounts a seeder made (a referral agency's referrer, by the support demo).
    logins += ctx.extra.get("logins", [])
    return logins


@contextmanager
def quiet_audit_log() -> Iterator[None]:
    """Keep the audit log's lines off the console while the demo loads (hundreds of them);
    the audit rows are still written to the database."""
    log = logging.getLogger("supermarket.audit")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


# --- what the demo command says -------------------------------------------------------------

ROLE_NAMES = {
    "referrer": "Referrer (Citizens Advice Harlow)",  # last in the list
    "admin": "Administrator",
    "programme_lead": "Programme lead",
    "site_manager": "Site manager",
    "volunteer": "Volunteer",
}


def sign_in_text(logins: list[tuple[str, str, str]]) -> str:
    """Who to sign in as: one line per demo login, the password last (kept in the instance
    folder so that later runs can show it again)."""
    sites = {email: codes for _, email, _, codes in DEMO_STAFF}
    names = {spec["code"]: spec["name"].split(" Community")[0] for spec in DEMO_SITES}
    rows = []
    order = {role: n for n, role in enumerate(reversed(ROLE_NAMES))}  # volunteers first
    for role, email, password in sorted(logins, key=lambda login: order.get(login[0], 9)):
        where = " and ".join(names.get(code, code) for code in sites.get(email, ()))
        rows.append(
            (f"{ROLE_NAMES.get(role, role)}{' at ' + where if where else ''}", email, password)
        )
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"  {who:<{width}}  {email:<27} {password}" for who, email, password in rows)


def urls(
    host: str, port: int, interface_ip: Callable[[], str] | None = None
) -> list[tuple[str, str]]:
    """Where a browser reaches the app served on host:port, as (who, URL): on every address
    (0.0.0.0), this computer's own and its address on the network, which a tablet uses."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the address, not binding it
        found = (interface_ip or _interface_ip)()
        if found.startswith("127.") or found == "::1":
            found = "<this computer's address>"
        return [
            ("on this computer", f"http://127.0.0.1:{port}"),
            ("on a tablet on the same network", f"http://{found}:{port}"),
        ]
    shown = f"[{host}]" if ":" in host else host
    return [("", f"http://{shown}:{port}")]


def _interface_ip() -> str:
    """This computer's address on its network, found as the development server finds it."""
    try:
        from werkzeug.serving import get_interface_ip

        return get_interface_ip(socket.AF_INET)
    except (ImportError, OSError):
        return "127.0.0.1"


def start_up_text(
    sign_ins: str | None,
    *,
    loaded: bool,
    host: str | None = None,
    port: int | None = None,
    interface_ip: Callable[[], str] | None = None,
) -> str:
    """The few lines `make run` shows before the server starts: where to go, who to sign in
    as, what to try first and how to stop."""
    if loaded:
        lines = ["The demo programme is loaded: three sites, their staff, members and stock."]
    elif sign_ins:
        lines = ["The demo data is already loaded (to start afresh, see README.md)."]
    else:
        lines = ["The database already has accounts, so no demo data was loaded."]
    if host is not None and port is not None:
        found = urls(host, port, interface_ip)
        if len(found) == 1:
            lines += ["", f"The app is starting. Open {found[0][1]} in a browser."]
        else:
            lines += ["", "The app is starting. Open it in a browser:"]
            lines += [f"  {who + ':':<33} {url}" for who, url in found]
            lines.append("Only on a network you trust: anyone on it can reach the sign-in page.")
    else:
        lines += ["", "Start the app with `make run` (or `supermarket run`)."]
    if sign_ins:
        lines += ["", "Sign in as (demo passwords, also kept in instance/demo-logins.txt):"]
        lines += [sign_ins, "", _first_try()]
    if host is not None and port is not None:
        lines += ["", "Stop the app with Ctrl+C.", ""]
    return "\n".join(lines).lstrip("\n")


def _first_try() -> str:
    first = DESK_CAST[0]  # a Harlow household that can be checked in
    return (
        f"At Harlow's check-in desk, try {first.first_name} {first.last_name} (card "
        f'{display_number(first.membership_number)}).\nREADME.md, under "Trying it", names '
        "households that show each answer the desk gives."
    )


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
