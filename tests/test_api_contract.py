"""Schemathesis over the whole API: every operation, as a volunteer, a site manager and a
programme lead, in-process against the WSGI app, on the demo programme's data.

Fails on any 5xx, on a status the OpenAPI document does not list, and on a body, content
type or header that does not match it. Bounded and repeatable: the explicit examples, the
coverage phase's valid boundary cases and SCHEMATHESIS_EXAMPLES (default 6) fuzzed cases per
operation, valid and invalid, from a fixed seed (SCHEMATHESIS_SEED=<n> explores others).
`pytest -m schemathesis` runs only this; `-m "not schemathesis"` leaves it out. Also here:
no JSON answer of the API writes a date as an HTTP date.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
import time_machine
from flask import Flask, g
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from supermarket import create_app
from supermarket.auth.models import User
from supermarket.auth.services import create_token
from supermarket.demo import load_demo
from supermarket.extensions import db
from supermarket.formatting import LONDON
from supermarket.members.models import Member, MemberProxy
from supermarket.openapi import BODY_EXAMPLES, build_spec
from supermarket.sites.models import Site
from supermarket.stock.models import (
    Donation,
    Donor,
    Product,
    StockBatch,
    StockTransferLine,
)
from supermarket.support.models import Referral, SupportService
from tests.conftest import _truncate_all

# A Wednesday in term, so that the demo's visits, stock and surveys are all about "now".
NOW = datetime(2026, 11, 18, 11, 0, tzinfo=LONDON)
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261118"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
ROLES = ("volunteer", "site_manager", "programme_lead")


@dataclass
class Programme:
    """The demo programme, seen from Harlow: tokens for its staff and the ids that exist."""

    tokens: dict[str, str]
    device: str = ""  # a tablet enrolled at Harlow, sent as X-Device with every request
    path: dict[str, list[Any]] = field(default_factory=dict)
    query: dict[str, list[Any]] = field(default_factory=dict)
    body: dict[str, list[Any]] = field(default_factory=dict)


def _ids(stmt: Any) -> list[Any]:
    return list(db.session.scalars(stmt))


STAFF = {
    "volunteer": "sue.volunteer@example.org",
    "site_manager": "amara.manager@example.org",
    "programme_lead": "priya.lead@example.org",
    "admin": "jo.admin@example.org",
    "basildon_manager": "dev.manager@example.org",
    "referrer": "rosa.referrer@example.org",  # Citizens Advice Harlow's (support demo)
}


class _Desk:
    """Requests to the app as one of the demo's staff, to set things up as they would."""

    def __init__(self, app: Flask, tokens: dict[str, str]) -> None:
        self.client = app.test_client()
        self.tokens = tokens

    def __call__(self, role: str, method: str, url: str, body: Any = None) -> Any:
        for name in list(g):  # the user Flask-Login cached for the previous request
            g.pop(name, None)
        db.session.remove()  # each request in a transaction of its own, as in production
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        response = self.client.open(f"/api/v1{url}", method=method, json=body, headers=headers)
        return response.json if response.status_code < 300 else None


def _offline_duplicates(code: str, count: int) -> list[str]:
    """Households a tablet registered offline at the site that may duplicate an active member
    there: registered, and marked for the manager's review (their numbers)."""
    from supermarket.members.schemas import MemberIn
    from supermarket.members.services import register_member

    db.session.remove()  # a session of its own, as the desk's requests have
    site = db.session.scalar(select(Site).where(Site.code == code))
    volunteer = db.session.scalar(select(User).where(User.email == STAFF["volunteer"]))
    assert site is not None
    assert volunteer is not None
    active = db.session.scalars(
        select(Member)
        .where(Member.site_id == site.id, Member.status == "active")
        # with the details a duplicate is checked on (not the demo's member with no fixed
        # address, who has neither)
        .where(Member.date_of_birth.is_not(None), Member.postcode.is_not(None))
        .order_by(Member.id.desc())
        .limit(count)
    ).all()
    made = []
    for n, member in enumerate(active, start=1):
        assert member.date_of_birth is not None
        assert member.postcode is not None
        body = {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "date_of_birth": member.date_of_birth.isoformat(),
            "postcode": member.postcode,
            "household": member.household,
            "eligibility": {"route": "self_declared"},
            "consents": {"privacy_notice_given": True},
            "offline": {
                "recorded_at": datetime.now(UTC).isoformat(),
                "provisional_number": f"P-CNTR-{n}",
            },
        }
        data = MemberIn().load(body)
        made.append(register_member(site, data, actor=volunteer, key=f"contract-{n}-registration"))
    db.session.commit()
    assert all(r.warnings for r in made)
    return [r.member.membership_number for r in made]


def _seed(app: Flask) -> Programme:
    """The demo programme, and at Harlow what every operation needs to succeed: visits made
    today, transfers in transit both ways, an open stocktake, a household on the waiting list."""
    load_demo()
    db.session.commit()
    harlow = db.session.scalar(select(Site).where(Site.code == "harlow"))
    assert harlow is not None
    tokens = {}
    for role, email in STAFF.items():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        tokens[role] = create_token(user, label="schemathesis", actor=None)[1]
    db.session.commit()
    desk = _Desk(app, tokens)
    at_harlow = Member.site_id == harlow.id
    # A membership fee to take (its weekly shop stays on the flat fee).
    assert desk("site_manager", "PATCH", "/sites/harlow/settings", {"membership_fee_pence": 1200})
    numbers = _ids(select(Member.membership_number).where(at_harlow).order_by(Member.id))
    suspended = _ids(
        select(Member.membership_number).where(at_harlow, Member.status == "suspended")
    )
    # Most demo households have had this week's visit: the manager overrides the limit.
    visit = {"override_reason": "Hardship — manager agreed"}
    visits = [
        made["id"]
        for number in numbers[:12]
        if (
            made := desk(
                "site_manager",
                "POST",
                "/sites/harlow/visits",
                {**visit, "membership_number": number},
            )
        )
    ][:3]
    # Offline check-ins of households already in this week: recorded, marked for review.
    offline = {"offline": {"recorded_at": datetime.now(UTC).isoformat(), "device": "contract"}}
    reviews = [
        made["id"]
        for number in numbers[12:20]
        if (
            made := desk(
                "volunteer",
                "POST",
                "/sites/harlow/visits",
                {**offline, "membership_number": number},
            )
        )
        and made.get("review")
    ][:3]
    assert reviews
    # Parcels given without registering today (the demo gives Harlow the emergency parcel).
    parcels = [
        desk("volunteer", "POST", "/sites/harlow/anonymous-visits", {"adults": 1})["id"]
        for _ in range(3)
    ]
    duplicates = _offline_duplicates("harlow", 3)
    waiting = _waiting_member(desk)

    def skus_at(site: str) -> list[str]:
        return [
            level["sku"]
            for level in desk(
                "site_manager" if site == "harlow" else "basildon_manager",
                "GET",
                f"/sites/{site}/stock",
            )["items"]
            if level["usable_quantity"] > 1 and level["unit"] == "item"
        ]

    transfers = [
        sent["id"]
        for manager, site, to, sku in [
            *(("site_manager", "harlow", "basildon", sku) for sku in skus_at("harlow")[:2]),
            *(("basildon_manager", "basildon", "harlow", sku) for sku in skus_at("basildon")[:2]),
        ]
        if (
            sent := desk(
                manager,
                "POST",
                f"/sites/{site}/transfers",
                {"to_site": to, "lines": [{"sku": sku, "quantity": 1}]},
            )
        )
    ]
    take = desk("site_manager", "POST", "/sites/harlow/stocktakes", {"category": "ambient"})
    counts = [{"id": line["id"], "counted": line["expected"]} for line in take["lines"]]
    desk("site_manager", "PUT", f"/sites/harlow/stocktakes/{take['id']}/counts", {"counts": counts})
    assert len(visits) == 3
    assert len(transfers) == 4
    assert take is not None
    # Two tablets at Harlow: one every request names (X-Device), one to revoke.
    tablet, spare = (
        desk("site_manager", "POST", "/sites/harlow/devices", {"name": name})["id"]
        for name in ("Front desk", "Spare")
    )
    skus = _ids(
        select(Product.sku)
        .join(StockBatch, StockBatch.product_id == Product.id)
        .where(StockBatch.site_id == harlow.id)
        .distinct()
    )
    programme = Programme(tokens=tokens, device=tablet)
    programme.path = {
        "code": ["harlow"] * 5 + ["basildon"],
        "number": numbers[:30] + suspended + [waiting],
        "sku": skus,
        "kind": ["survey", "contact", "privacy_notice"],
        "visit_id": visits,
        "anonymous_visit_id": parcels,
        "donation_id": _ids(select(Donation.id).where(Donation.site_id == harlow.id).limit(20)),
        "transfer_id": transfers,
        "stocktake_id": [take["id"]],
        "device_id": [spare],
        "name": ["summary", "sites", "people", "food", "baseline", "outcome", "transitions"],
        "product": skus
        + _ids(select(Product.barcode).where(Product.barcode.is_not(None)).limit(10)),
    }
    # Operations that need a member in a particular state.
    programme.path["visit_id /review"] = reviews
    programme.path["number /admit"] = [waiting]
    programme.path["number /registration-review"] = duplicates
    programme.path["number /reinstate"] = suspended
    # The demo's proxy at Harlow (members.demo_access), removed through its member.
    proxies = db.session.execute(
        select(MemberProxy.id, Member.membership_number)
        .join(Member, Member.id == MemberProxy.member_id)
        .where(at_harlow)
    ).all()
    programme.path["proxy_id"] = [proxy_id for proxy_id, _ in proxies]
    programme.path["number /{proxy_id}"] = [number for _, number in proxies]
    programme.path["code /{proxy_id}"] = ["harlow"]
    programme.path["transfer_id /cancel"] = transfers[:2]  # sent from Harlow
    programme.path["transfer_id /receive"] = transfers[2:]  # coming to Harlow
    programme.query = {"site": ["harlow"] * 3 + ["basildon"], "sku": skus}
    programme.body = {
        "membership_number": numbers[:30],
        "sku": skus,
        "to_site": ["basildon", "canvey"],
        "batch_id": _ids(select(StockBatch.id).where(StockBatch.site_id == harlow.id).limit(20)),
        "donor.id": _ids(select(Donor.id).where(Donor.site_id == harlow.id)),
        "lines.id": _ids(
            select(StockTransferLine.id).where(StockTransferLine.transfer_id.in_(transfers))
        ),
        "counts.id": [line["id"] for line in take["lines"]],
    }
    # Harlow's own support services (its manager edits them), a programme service every site
    # is offered (for a referral's body), and one member's referrals (its id with its number).
    programme.path["service_id"] = _ids(
        select(SupportService.id).where(SupportService.site_id == harlow.id)
    )
    programme.body["service_id"] = _ids(
        select(SupportService.id).where(SupportService.all_sites.is_(True))
    )
    referred = db.session.scalar(
        select(Member.membership_number)
        .join(Referral, Referral.member_id == Member.id)
        .where(at_harlow)
        .limit(1)
    )
    programme.path["number /{referral_id}"] = [referred]
    programme.path["referral_id"] = _ids(
        select(Referral.id)
        .join(Member, Member.id == Referral.member_id)
        .where(Member.membership_number == referred)
    )
    # The demo's Amelia Foster is shown the Healthy Start prompt: her panel, seen, has it open.
    amelia = db.session.scalar(
        select(Member.membership_number).where(at_harlow, Member.first_name == "Amelia")
    )
    assert desk("volunteer", "GET", f"/sites/harlow/checkin/{amelia}")["prompts"]
    programme.path["number /dismiss"] = [amelia]
    programme.path["kind /dismiss"] = ["healthy_start"]
    # A found line must be of the stocktake's category (ambient).
    programme.body["sku /lines"] = _ids(
        select(Product.sku).where(Product.sku.in_(skus), Product.category == "ambient")
    )
    return programme


def _waiting_member(desk: _Desk) -> str:
    """A household on Harlow's waiting list: registered while the site is full."""
    settings = desk("site_manager", "GET", "/sites/harlow")["settings"]
    desk("site_manager", "PUT", "/sites/harlow/settings", {**settings, "member_cap": 1})
    body = {**BODY_EXAMPLES["MemberIn"], "last_name": "Waiting"}
    member = desk("volunteer", "POST", "/sites/harlow/members", body)
    desk("site_manager", "PUT", "/sites/harlow/settings", settings)
    assert member["status"] == "waiting"
    return str(member["membership_number"])


def _values(programme: Programme, path: str, name: str) -> list[Any]:
    """Things that exist for a path parameter, the operation's own choice first."""
    if path in ("/api/v1/products/{code}", "/api/v1/products/<code>"):
        name = "product"
    return programme.path.get(f"{name} /{path.rsplit('/', 1)[-1]}") or programme.path.get(name, [])


def _body_values(programme: Programme, path: str) -> dict[str, list[Any]]:
    """Things that exist for a body's fields, the operation's own choices first."""
    own = f" /{path.rsplit('/', 1)[-1]}"
    return {
        **programme.body,
        **{k.removesuffix(own): v for k, v in programme.body.items() if k.endswith(own)},
    }


def _real_body(body: Any, real: dict[str, list[Any]], rng: Any, prefix: str = "") -> Any:
    """The body with the references it holds (skus, members, ids) swapped for real ones."""
    if isinstance(body, dict):
        out = {}
        for key, value in body.items():
            name = f"{prefix}.{key}" if prefix else key
            choices = real.get(name) or (real.get(key) if key != "id" else None)
            if choices and not isinstance(value, dict | list):
                out[key] = rng.choice(choices)
            else:
                out[key] = _real_body(value, real, rng, key)
        return out
    if isinstance(body, list):
        return [_real_body(item, real, rng, prefix) for item in body]
    return body


def _document() -> dict[str, Any]:
    """The OpenAPI document, built once at collection from an app of its own (no database)."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40}
    )
    with app.app_context():
        return build_spec()


schema = schemathesis.openapi.from_dict(
    _document(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {
                "stateful": {"enabled": False},
                "coverage": {"generation": {"mode": "positive"}},
            },
        }
    ),
)
PROGRAMME: dict[str, Programme] = {}
# Statuses each operation answered in this run, to check that the run reached real code.
ANSWERED: dict[str, set[int]] = {}


@pytest.fixture(scope="module")
def programme(app: Flask) -> Iterator[Programme]:
    """The demo programme, committed once for every operation's test and removed after."""
    try:
        with time_machine.travel(NOW, tick=True), app.app_context():
            PROGRAMME["current"] = _seed(app)
        yield PROGRAMME["current"]
    finally:
        PROGRAMME.clear()
        with app.app_context():
            _truncate_all()


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Most cases name things that exist, so that they reach the code behind the 404."""
    # Explicit examples are drawn at collection, before the data exists.
    if not PROGRAMME or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    real = {}
    for name in path_parameters:
        values = _values(PROGRAMME["current"], context.operation.path, name)
        if values:
            real[name] = st.sampled_from(values)
    existing = st.fixed_dictionaries(real).map(lambda r: {**path_parameters, **r})
    return st.integers(0, 9).flatmap(lambda k: st.just(path_parameters) if k == 0 else existing)


@schema.hook
def flatmap_query(context: Any, query: Any) -> Any:
    """Most queries name sites and products that exist."""
    if not PROGRAMME or not isinstance(query, dict):
        return st.just(query)
    real_values = PROGRAMME["current"].query
    return st.tuples(st.integers(0, 3), st.randoms(use_true_random=False)).map(
        lambda k_rng: query if k_rng[0] == 0 else _real_body(query, real_values, k_rng[1])
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Most bodies refer to members, products and lines that exist."""
    if not PROGRAMME or not isinstance(body, dict):
        return st.just(body)
    real_values = _body_values(PROGRAMME["current"], context.operation.path)
    return st.tuples(st.integers(0, 3), st.randoms(use_true_random=False)).map(
        lambda k_rng: body if k_rng[0] == 0 else _real_body(body, real_values, k_rng[1])
    )


@schema.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    ANSWERED.setdefault(case.operation.label, set()).add(response.status_code)


def _name_what_exists(case: Any, programme: Programme, phase: Any) -> None:
    """Make a coverage or example case name things that exist, except the parameter it is
    about, so that it reaches the code behind the 404 (the choice is the same every run)."""
    varied = getattr(phase.data, "parameter", None) if phase is not None else None
    rng = random.Random(f"{case.operation.label} {case.body} {case.query}")
    for name in case.path_parameters or {}:
        values = _values(programme, case.operation.path, name)
        if values and name != varied:
            case.path_parameters[name] = rng.choice(values)
    if isinstance(case.query, dict) and varied not in case.query:
        case.query = _real_body(case.query, programme.query, rng)
    if isinstance(case.body, dict):
        case.body = _real_body(case.body, _body_values(programme, case.operation.path), rng)


def _best_role(app: Flask, case: Any) -> str:
    """Harlow's site manager where the operation allows one, else the lead, else a referrer
    of an agency that refers to Harlow, else the admin."""
    endpoint = case.operation.definition.raw["operationId"].rsplit(".", 1)[0]
    allowed = getattr(app.view_functions[endpoint], "_roles", ())
    return next(
        (r for r in ("site_manager", "programme_lead", "referrer") if r in allowed), "admin"
    )


@schema.parametrize()
@pytest.mark.schemathesis
@pytest.mark.slow
def test_the_api_does_what_its_document_says(case: Any, app: Flask, programme: Programme) -> None:
    phase = case.meta.phase if case.meta is not None else None
    fuzzed = phase is not None and phase.name.value == "fuzzing"
    if not fuzzed:
        _name_what_exists(case, programme, phase)
    # Fuzzed cases go in as each role; examples and the coverage phase's many boundary cases
    # as the one role that may do the most with them.
    for role in ROLES if fuzzed else (_best_role(app, case),):
        # pytest-flask keeps one app context for the test, and Flask-Login caches the user in
        # `g`: without this every role would be answered as the first.
        for name in list(g):
            g.pop(name, None)
        headers = {
            "Authorization": f"Bearer {programme.tokens[role]}",
            "X-Device": programme.device,
            # The document describes the JSON; gzip (the roster's, for browsers) is transport.
            "Accept-Encoding": "identity",
        }
        case.call_and_validate(app=app, headers=headers, checks=CHECKS)


@pytest.mark.schemathesis
def test_the_run_reached_the_code_behind_nearly_every_operation() -> None:
    """Guards the run itself: an operation that only ever answered 4xx tested little."""
    operations = {op.ok().label for op in schema.get_all_operations()}
    if set(ANSWERED) != operations:
        pytest.skip("only part of the API was run")
    unreached = sorted(
        op for op, statuses in ANSWERED.items() if not any(s < 300 for s in statuses)
    )
    assert unreached == [], "\n".join(unreached)


# --- dates ---------------------------------------------------------------------------------

HTTP_DATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} [\d:]{8} GMT")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
QUERIES = {"/api/v1/stats": "?period=2026-10"}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _urls(rule: Any, programme: Programme) -> list[str]:
    """The rule's URL for a few of the things that exist."""
    urls = [rule.rule]
    for name in rule.arguments:
        values = _values(programme, rule.rule, name)
        urls = [
            re.sub(rf"<(?:int:)?{name}>", str(value), url) for url in urls for value in values[:6]
        ]
    return [url + QUERIES.get(rule.rule, "") for url in urls[:12]]


@pytest.mark.slow
def test_no_api_answer_writes_a_date_as_an_http_date(app, client, programme):
    """Every JSON GET of the API, on the demo programme: dates leave as YYYY-MM-DD."""
    answered: dict[str, list[Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or "GET" not in (rule.methods or ()):
            continue
        if rule.rule.endswith((".pdf", ".csv")):
            continue
        for url in _urls(rule, programme):
            for role in ("site_manager", "programme_lead"):
                headers = {"Authorization": f"Bearer {programme.tokens[role]}"}
                response = client.get(url, headers=headers)
                assert response.status_code < 500, url
                assert [s for s in _strings(response.json) if HTTP_DATE.search(s)] == [], url
                if response.status_code == 200:
                    answered.setdefault(rule.rule, []).append(response.json)
    assert len(answered) >= 25
    panels = answered["/api/v1/sites/<code>/checkin/<number>"]
    assert [p["expires_on"] for p in panels if p["expires_on"]]
    movements = answered["/api/v1/sites/<code>/stock/movements"][0]["items"]
    transfers = answered["/api/v1/sites/<code>/transfers"][0]["items"]
    dated = [
        *(p[key] for p in panels for key in ("expires_on", "review_due_on", "next_visit_from")),
        *(m[key] for m in movements for key in ("best_before", "use_by")),
        *(ln[key] for t in transfers for ln in t["lines"] for key in ("best_before", "use_by")),
    ]
    assert len([day for day in dated if day]) >= 10
    assert all(ISO_DAY.match(day) for day in dated if day)
