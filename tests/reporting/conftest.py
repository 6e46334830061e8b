"""Factories for reporting tests: rows inserted straight into the tables (`insert_member`,
`insert_visit`, `insert_movement`, `insert_assessment`), dated as the test says.

The statistics read the tables, not the services, so the tests build exactly the rows a hand
calculation needs (the other domains' own tests cover how their services write them). For a
member registered through the real service, use tests/factories.py's `make_member`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest
from sqlalchemy import insert, inspect

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.sites.models import Site
from supermarket.stock.models import Product, StockBatch, StockMovement
from supermarket.surveys.models import SurveyAssessment
from supermarket.surveys.scoring import CATEGORIES_10, INSECURE_10, RULE_VERSION
from supermarket.visits.models import Visit
from tests.conftest import LONDON

_numbers = itertools.count(1)
# Raw 10-item scores that land in each category.
RAW_FOR = {"high": 0, "marginal": 2, "low": 4, "very_low": 8}
CATEGORY_6 = {
    "high": "high_or_marginal",
    "marginal": "high_or_marginal",
    "low": "low",
    "very_low": "very_low",
}


def _number() -> str:
    return f"T{next(_numbers):07d}"


@pytest.fixture
def insert_member() -> Callable[..., Member]:
    def make(
        site: Site,
        *,
        joined_on: date = date(2026, 1, 5),
        status: str = "active",
        adults: int = 1,
        children: tuple[int, int, int] = (0, 0, 0),
        expires_on: date | None = None,
        closed_on: date | None = None,
        **personal: Any,
    ) -> Member:
        number = _number()
        member = Member(
            site_id=site.id,
            membership_number=personal.pop("membership_number", number),
            first_name=personal.pop("first_name", "Alex"),
            last_name=personal.pop("last_name", f"Member{number}"),
            first_name_key="alex",
            last_name_key=f"member{number}".lower(),
            date_of_birth=personal.pop("date_of_birth", date(1980, 1, 1)),
            age_band="45-54",
            postcode=personal.pop("postcode", "CM20 1AA"),
            postcode_district=personal.pop("postcode_district", "CM20"),
            phone=personal.pop("phone", None),
            email=personal.pop("email", None),
            notes=personal.pop("notes", ""),
            adults=adults,
            children_0_4=children[0],
            children_5_11=children[1],
            children_12_17=children[2],
            eligibility_route="self_declared",
            status=status,
            joined_on=joined_on,
            expires_on=expires_on,
            closed_on=closed_on,
            **personal,
        )
        db.session.add(member)
        db.session.flush()
        return member

    return make


@pytest.fixture
def insert_visit() -> Callable[..., Visit]:
    def make(
        member: Member,
        day: date,
        *,
        site: Site | None = None,
        paid: int = 350,
        retail: int = 2000,
        override: str = "",
        voided: bool = False,
        household: tuple[int, int, int, int] | None = None,
    ) -> Visit:
        adults, c0, c5, c12 = household or (
            member.adults,
            member.children_0_4,
            member.children_5_11,
            member.children_12_17,
        )
        site_id = site.id if site is not None else member.site_id
        iso = day.isocalendar()
        visit = Visit(
            site_id=site_id,
            member_id=member.id,
            visited_at=datetime.combine(day, time(11, 0), LONDON),
            local_date=day,
            week_key=f"{iso.year}-W{iso.week:02d}",
            adults=adults,
            children_0_4=c0,
            children_5_11=c5,
            children_12_17=c12,
            fee_pence=paid,
            payment_method="cash",
            amount_paid_pence=paid,
            retail_value_pence=retail,
            savings_pence=max(retail - paid, 0),
            override_reason=override,
            overridden_rules=["visit_limit_reached"] if override else [],
            voided_at=datetime.combine(day, time(12, 0), LONDON) if voided else None,
            void_reason="mistake" if voided else "",
        )
        db.session.add(visit)
        db.session.flush()
        return visit

    return make


@pytest.fixture
def insert_movement() -> Callable[..., StockMovement]:
    products: dict[str, Product] = {}
    batches: dict[tuple[int, str], StockBatch] = {}

    def product() -> Product:
        if "p" not in products or not inspect(products["p"]).persistent:
            found = Product(
                sku=f"RPT{next(_numbers):05d}",
                name="Weighed crate",
                name_key="weighed crate",
                category="ambient",
                unit_weight_g=1,
                weight_only=True,
            )
            db.session.add(found)
            db.session.flush()
            products["p"] = found
        return products["p"]

    def batch(site: Site, source: str) -> StockBatch:
        key = (site.id, source)
        if key not in batches or not inspect(batches[key]).persistent:
            found = StockBatch(
                site_id=site.id,
                product_id=product().id,
                date_kind="none",
                source=source,
                batch_key=StockBatch.key_for("none", None, source),
                quantity=0,
            )
            db.session.add(found)
            db.session.flush()
            batches[key] = found
        return batches[key]

    def make(
        site: Site,
        day: date,
        kind: str,
        grams: int,
        *,
        source: str = "fareshare",
        reason: str | None = None,
    ) -> StockMovement:
        """grams as a positive weight; the sign follows the kind, as in the ledger."""
        signed = grams if kind in ("received", "returned", "transferred_in") else -grams
        if kind == "adjusted":
            signed = grams
        found = batch(site, source)
        movement = StockMovement(
            site_id=site.id,
            batch_id=found.id,
            product_id=found.product_id,
            kind=kind,
            quantity=signed or 1,
            weight_g=signed,
            reason=reason,
            source=source,
            category="ambient",
            at=datetime.combine(day, time(10, 0), LONDON),
            local_date=day,
        )
        db.session.add(movement)
        db.session.flush()
        return movement

    return make


@pytest.fixture
def insert_assessment() -> Callable[..., SurveyAssessment]:
    def make(
        member: Member,
        day: date,
        category: str,
        *,
        timepoint: int = 0,
        complete: bool = True,
    ) -> SurveyAssessment:
        assert category in CATEGORIES_10
        raw = RAW_FOR[category]
        assessment = SurveyAssessment(
            site_id=member.site_id,
            member_id=member.id,
            kind="baseline" if timepoint == 0 else "follow_up",
            timepoint=timepoint,
            mode="self",
            answers={},
            raw_score_10=raw,
            category_10=category,
            raw_score_6=min(raw, 6),
            category_6=CATEGORY_6[category],
            food_insecure=category in INSECURE_10,
            hunger_vital_sign_positive=raw > 0,
            dont_know_or_refused=0 if complete else 3,
            complete=complete,
            rule_version=RULE_VERSION,
            local_date=day,
        )
        db.session.add(assessment)
        db.session.flush()
        return assessment

    return make


# --- a realistic programme, for pages, PDFs, the browser and the personal-data scan ------------

# Distinctive personal data: none of these may appear in anything a programme lead obtains.
PII = {
    "first_name": "Zebedee",
    "last_name": "Quxworthy",
    "date_of_birth": date(1971, 2, 3),
    "postcode": "CM20 9ZQ",
    "phone": "07700 900123",
    "email": "zebedee.quxworthy@example.net",
    "notes": "Prefers Tuesday collections QXNOTE",
}
PII_STRINGS = (
    "Zebedee",
    "Quxworthy",
    "1971-02-03",
    "03/02/1971",
    "CM20 9ZQ",
    "CM209ZQ",
    "07700 900123",
    "07700900123",
    "zebedee.quxworthy@example.net",
    "QXNOTE",
)


# First survey -> 3-month follow-up, in turn (the fourth of every four never comes back).
# Of every nine who answer both: two stay food insecure, three become secure, two become
# insecure and two stay secure.
CHANGES = (
    ("very_low", "low"),
    ("low", "marginal"),
    ("high", "high"),
    ("very_low", "very_low"),
    ("low", "high"),
    ("marginal", "low"),
    ("very_low", "marginal"),
    ("low", "low"),
    ("low", "very_low"),
    ("marginal", "marginal"),
    ("high", "low"),
    ("very_low", "low"),
)


def _visit_row(member: Member, day: date, paid: int, retail: int, override: str) -> dict[str, Any]:
    iso = day.isocalendar()
    return {
        "site_id": member.site_id,
        "member_id": member.id,
        "visited_at": datetime.combine(day, time(11, 0), LONDON),
        "local_date": day,
        "week_key": f"{iso.year}-W{iso.week:02d}",
        "adults": member.adults,
        "children_0_4": member.children_0_4,
        "children_5_11": member.children_5_11,
        "children_12_17": member.children_12_17,
        "fee_pence": paid,
        "payment_method": "cash",
        "amount_paid_pence": paid,
        "retail_value_pence": retail,
        "savings_pence": retail - paid,
        "override_reason": override,
        "overridden_rules": ["visit_limit_reached"] if override else [],
    }


@pytest.fixture
def seed_programme(
    make_site, insert_member, insert_visit, insert_movement, insert_assessment
) -> Callable[..., dict[str, Any]]:
    """Sites with households visiting every fortnight from January to October 2026, food in
    and out, and surveys; sized so that the larger sites' figures are publishable and the
    smallest site's are not. Every member carries the distinctive personal data above."""
    import random

    def seed(sizes: dict[str, int] | None = None, *, seed: int = 7) -> dict[str, Any]:
        rng = random.Random(seed)
        sizes = sizes or {"harlow": 90, "basildon": 140, "canvey": 6}
        names = {
            "harlow": "Harlow Community Supermarket",
            "basildon": "Basildon Community Supermarket",
            "canvey": "Canvey Island Community Supermarket",
        }
        sites = {code: make_site(code=code, name=names.get(code, code.title())) for code in sizes}
        members: list[Member] = []
        visits: list[dict[str, Any]] = []
        for code, count in sizes.items():
            site = sites[code]
            for index in range(count):
                joined = date(2026, 1 + index % 9, 1 + index % 27)
                member = insert_member(
                    site,
                    joined_on=joined,
                    adults=1 + index % 2,
                    children=(int(index % 3 == 0), index % 2, int(index % 4 == 1)),
                    membership_number=f"Q{site.id % 100:02d}{index:05d}",
                    **{k: v for k, v in PII.items()},
                )
                members.append(member)
                day = joined
                while day <= date(2026, 10, 31):
                    if rng.random() < 0.8:
                        override = "hardship" if rng.random() < 0.03 else ""
                        visits.append(
                            _visit_row(member, day, 350, 1800 + 20 * (index % 30), override)
                        )
                    day = date.fromordinal(day.toordinal() + 14)
                baseline, after = CHANGES[index % len(CHANGES)]
                insert_assessment(member, joined, baseline)
                due = date.fromordinal(joined.toordinal() + 91)
                if due <= date(2026, 10, 31) and index % 4 != 3:  # three in four come back
                    insert_assessment(member, due, after, timepoint=3)
            for month in range(1, 11):
                first = date(2026, month, 3)
                insert_movement(site, first, "received", 30_000 * count // 10, source="fareshare")
                insert_movement(site, first, "received", 8_000 * count // 10, source="retailer")
                insert_movement(site, first, "received", 2_000 * count // 10, source="purchase")
                insert_movement(site, date(2026, month, 10), "issued", 25_000 * count // 10)
                insert_movement(
                    site, date(2026, month, 10), "issued", 1_500 * count // 10, source="purchase"
                )
                insert_movement(
                    site, date(2026, month, 20), "wasted", 900 * count // 10, reason="past_use_by"
                )
        db.session.execute(insert(Visit), visits)
        db.session.commit()
        return {"sites": sites, "members": members, "visits": len(visits)}

    return seed


# --- the hand-built quarter of test_statistics.py (its docstring works every figure out) ----


@pytest.fixture
def programme(make_site, insert_member, insert_visit, insert_movement, insert_assessment):
    alpha = make_site(code="alpha", name="Alpha Community Supermarket")
    beta = make_site(code="beta", name="Beta Community Supermarket")
    m1 = insert_member(alpha, joined_on=date(2026, 1, 5), adults=2, children=(1, 1, 0))
    m2 = insert_member(alpha, joined_on=date(2026, 8, 10), adults=1, children=(0, 0, 2))
    m3 = insert_member(
        alpha, joined_on=date(2026, 3, 1), status="closed", closed_on=date(2026, 6, 30)
    )
    insert_member(alpha, joined_on=date(2026, 7, 20), status="waiting")
    m5 = insert_member(
        alpha, joined_on=date(2026, 2, 1), status="lapsed", expires_on=date(2026, 7, 15)
    )
    m6 = insert_member(beta, joined_on=date(2026, 9, 30))
    insert_member(beta, joined_on=date(2026, 10, 1))
    m8 = insert_member(beta, joined_on=date(2026, 6, 1))

    insert_visit(m1, date(2026, 7, 4), household=(2, 1, 1, 0), paid=350, retail=2000)
    insert_visit(m1, date(2026, 8, 1), household=(2, 1, 1, 1), paid=350, retail=2500)
    insert_visit(m1, date(2026, 9, 12), household=(2, 1, 1, 1), voided=True)
    insert_visit(m2, date(2026, 8, 15), paid=0, retail=1500, override="hardship")
    insert_visit(m1, date(2026, 9, 20), site=beta, household=(2, 1, 1, 1), paid=400, retail=3000)
    insert_visit(m6, date(2026, 9, 30), paid=400, retail=1800)
    insert_visit(m5, date(2026, 6, 30))
    insert_visit(m1, date(2026, 10, 1))

    insert_movement(alpha, date(2026, 7, 2), "received", 38_000, source="fareshare")
    insert_movement(alpha, date(2026, 7, 2), "received", 5_000, source="purchase")
    insert_movement(alpha, date(2026, 8, 5), "received", 12_000, source="retailer")
    insert_movement(alpha, date(2026, 7, 4), "issued", 3_000, source="fareshare")
    insert_movement(alpha, date(2026, 8, 1), "issued", 1_000, source="purchase")
    insert_movement(alpha, date(2026, 9, 12), "returned", 500, source="fareshare")
    insert_movement(alpha, date(2026, 8, 10), "wasted", 2_000, reason="past_use_by")
    insert_movement(alpha, date(2026, 9, 1), "wasted", 700, source="retailer", reason="damaged")
    insert_movement(alpha, date(2026, 9, 5), "transferred_out", 4_000)
    insert_movement(alpha, date(2026, 6, 30), "received", 9_999)
    insert_movement(beta, date(2026, 9, 6), "transferred_in", 4_000)
    insert_movement(beta, date(2026, 9, 20), "issued", 2_000)
    insert_movement(beta, date(2026, 9, 25), "received", 6_000, source="community")

    insert_assessment(m1, date(2026, 7, 10), "very_low")
    insert_assessment(m2, date(2026, 8, 20), "low")
    insert_assessment(m6, date(2026, 9, 30), "low", complete=False)
    insert_assessment(m5, date(2026, 4, 15), "low")
    insert_assessment(m5, date(2026, 7, 14), "marginal", timepoint=3)
    insert_assessment(m3, date(2026, 5, 20), "very_low")
    insert_assessment(m8, date(2026, 6, 2), "high")
    insert_assessment(m8, date(2026, 9, 3), "low", timepoint=3)
    return alpha, beta
