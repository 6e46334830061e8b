"""Donations and purchases in: each line becomes stock in a batch and a "received" movement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.models import utcnow
from supermarket.sites.calendar import now_or, site_today
from supermarket.sites.models import Site
from supermarket.stock.models import (
    Category,
    Donation,
    DonationLine,
    Donor,
    DonorKind,
    MovementKind,
    Product,
)
from supermarket.stock.services.ledger import dated_batch, move
from supermarket.stock.services.products import crate_product

MAX_QUANTITY = 100_000
MAX_WEIGHT_G = 10_000_000  # 10 tonnes on one line is a typing mistake
# Dates further out than this are typing mistakes (tins carry best-before dates 2-3 years on).
LATEST_DATE = timedelta(days=5 * 366)
OLDEST_RECEIPT = timedelta(days=366)


@dataclass(frozen=True)
class DonorChoice:
    """The donor: an existing one by id, or a name and kind to find or add."""

    id: int | None = None
    name: str = ""
    kind: str = ""


@dataclass(frozen=True)
class DeliveryLine:
    """An item line (sku and quantity) or a weigh-in line (category and weight_g), with the
    values as given: receive_donation checks them, with the form's messages."""

    sku: str = ""
    category: str = ""
    quantity: int | None = None
    weight_g: int | None = None
    best_before: date | None = None
    use_by: date | None = None
    cost_pence: int | None = None


@dataclass(frozen=True)
class DonationRequest:
    """A delivery to take in, as DonationIn's post_load builds it (None for received_on: today
    at the site)."""

    donor: DonorChoice
    lines: tuple[DeliveryLine, ...] = ()
    received_on: date | None = None
    note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DonationRequest:
        """From a plain dictionary shaped like DonationIn's input, not validated (the demo data,
        tests): receive_donation's own checks still apply."""
        donor = data.get("donor") or {}
        return cls(
            donor=DonorChoice(
                donor.get("id"), str(donor.get("name") or ""), str(donor.get("kind") or "")
            ),
            lines=tuple(
                DeliveryLine(
                    sku=str(raw.get("sku") or ""),
                    category=str(raw.get("category") or ""),
                    quantity=raw.get("quantity"),
                    weight_g=raw.get("weight_g"),
                    best_before=raw.get("best_before"),
                    use_by=raw.get("use_by"),
                    cost_pence=raw.get("cost_pence"),
                )
                for raw in data.get("lines") or []
            ),
            received_on=data.get("received_on"),
            note=str(data.get("note") or ""),
        )


@dataclass
class _Line:
    product: Product
    quantity: int
    weight_g: int
    best_before: date | None
    use_by: date | None
    cost_pence: int | None


def find_or_create_donor(site: Site, name: str, kind: str) -> Donor:
    """The site's donor with this name and kind; two tablets adding it at once get one row."""
    name = " ".join(name.split())
    stmt = select(Donor).where(
        Donor.site_id == site.id, Donor.name_key == name.lower(), Donor.kind == kind
    )
    donor = db.session.scalar(stmt)
    if donor is None:
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(Donor)
            .values(
                site_id=site.id, name=name, name_key=name.lower(), kind=kind, created_at=utcnow()
            )
            .on_conflict_do_nothing(index_elements=["site_id", "name_key", "kind"])
        )
        donor = db.session.scalars(stmt).one()
    return donor


def _donor(site: Site, choice: DonorChoice) -> Donor | tuple[str, str] | dict[str, str]:
    """The donor chosen by id, or (name, kind) for one to find or create, or the problems."""
    if choice.id is not None:
        donor = db.session.get(Donor, choice.id)
        if donor is None or donor.site_id != site.id:
            return {"id": "No such donor at this site."}
        return donor
    problems = {}
    name = " ".join(choice.name.split())
    if not 1 <= len(name) <= 120:
        problems["name"] = "Enter the donor's name."
    if choice.kind not in DonorKind.__members__.values():
        problems["kind"] = "Choose the kind of donor."
    if problems:
        return problems
    return name, choice.kind


def _check_line(
    raw: DeliveryLine, *, kind: str, received_on: date, today: date
) -> _Line | dict[str, str]:
    problems: dict[str, str] = {}
    product: Product | None = None
    quantity = raw.quantity
    weight = raw.weight_g
    if raw.sku:
        product = db.session.scalar(select(Product).where(Product.sku == raw.sku.strip().upper()))
        if product is None or not product.active or product.weight_only:
            problems["sku"] = "No product has this code."
        if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            problems["quantity"] = "Give a quantity of 1 or more."
    elif raw.category:
        if raw.category not in Category.__members__.values():
            problems["category"] = "Choose a category."
        else:
            product = crate_product(raw.category)
        if quantity is not None:
            problems["quantity"] = "A weigh-in line has a weight, not a quantity."
        if weight is None:
            problems["weight_g"] = "Give the weight of the crates."
    else:
        problems["sku"] = "Choose a product (or a category for a weigh-in)."
    if weight is not None and (not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT_G):
        problems["weight_g"] = "Give a weight of 1 g to 10 tonnes."
    best_before, use_by = raw.best_before, raw.use_by
    if best_before is not None and use_by is not None:
        problems["use_by"] = "Give a use-by or a best-before date, not both."
    if use_by is not None:
        if use_by < today:
            problems["use_by"] = "This use-by date has passed: the food cannot be taken in."
        elif use_by > received_on + LATEST_DATE:
            problems["use_by"] = "Check this date: it is years away."
    if best_before is not None and not (
        received_on - LATEST_DATE <= best_before <= received_on + LATEST_DATE
    ):
        problems["best_before"] = "Check this date: it is years away."
    cost = raw.cost_pence
    if cost is not None:
        if kind != DonorKind.PURCHASE:
            problems["cost_pence"] = "Only purchases have a cost."
        elif not isinstance(cost, int) or not 0 <= cost <= 10_000_000:
            problems["cost_pence"] = "Give the cost in pence, 0 or more."
    if problems or product is None:
        return problems
    if product.weight_only:
        quantity = weight
    assert isinstance(quantity, int)
    return _Line(
        product,
        quantity,
        weight if weight is not None else quantity * (product.unit_weight_g),
        best_before,
        use_by,
        cost,
    )


def receive_donation(
    site: Site, data: DonationRequest, *, actor: User, at: datetime | None = None
) -> Donation:
    """Take a delivery into stock. Every line is checked first; one bad line and nothing is
    stored (422 with the fields at fault, e.g. lines.2.use_by)."""
    ensure_works_at(actor, site)
    at = now_or(at)
    today = site_today(site, at)
    problems: dict[str, Any] = {}
    received_on = data.received_on or today
    if received_on > today:
        problems["received_on"] = "A delivery cannot arrive in the future."
    elif received_on < today - OLDEST_RECEIPT:
        problems["received_on"] = "That is more than a year ago."
    donor = _donor(site, data.donor)
    if isinstance(donor, dict):
        problems["donor"] = donor
        kind = data.donor.kind
    else:
        kind = donor.kind if isinstance(donor, Donor) else donor[1]
    raw_lines = data.lines
    if not raw_lines:
        problems["lines"] = "Add at least one line."
    lines: list[_Line] = []
    line_problems: dict[int, dict[str, str]] = {}
    for index, raw in enumerate(raw_lines):
        checked = _check_line(raw, kind=kind, received_on=received_on, today=today)
        if isinstance(checked, dict):
            line_problems[index] = checked
        else:
            lines.append(checked)
    if line_problems:
        problems["lines"] = line_problems
    if problems:
        raise InvalidInput("Some lines need correcting; nothing was stored.", fields=problems)
    if isinstance(donor, tuple):
        donor = find_or_create_donor(site, *donor)
    assert isinstance(donor, Donor)
    donation = Donation(
        site_id=site.id,
        donor=donor,
        received_on=received_on,
        note=data.note[:500],
        actor_id=actor.id,
        total_quantity=sum(ln.quantity for ln in lines if not ln.product.weight_only),
        total_weight_g=sum(ln.weight_g for ln in lines),
        total_cost_pence=sum(ln.cost_pence or 0 for ln in lines),
    )
    db.session.add(donation)
    db.session.flush()
    for line in lines:
        _take_in(site, donation, line, actor=actor, at=at)
    db.session.flush()
    return donation


def _take_in(site: Site, donation: Donation, line: _Line, *, actor: User, at: datetime) -> None:
    """One checked line into stock: its batch (by product, date and source), the donation's
    line and the movement that receives it."""
    batch = dated_batch(
        site, line.product, donation.donor.kind, use_by=line.use_by, best_before=line.best_before
    )
    db.session.add(
        DonationLine(
            donation=donation,
            product_id=line.product.id,
            product=line.product,
            batch_id=batch.id,
            quantity=line.quantity,
            weight_g=line.weight_g,
            best_before=line.best_before,
            use_by=line.use_by,
            cost_pence=line.cost_pence,
        )
    )
    move(
        batch,
        line.quantity,
        kind=MovementKind.RECEIVED,
        actor=actor,
        at=at,
        site=site,
        weight_g=line.weight_g,
        day=donation.received_on,
        donation_id=donation.id,
    )


def list_donors(site: Site, *, actor: User) -> list[Donor]:
    ensure_works_at(actor, site)
    return list(
        db.session.scalars(select(Donor).where(Donor.site_id == site.id).order_by(Donor.name_key))
    )


def donations_query(site: Site, *, actor: User) -> Select[Donation]:
    ensure_works_at(actor, site)
    return select(Donation).where(Donation.site_id == site.id)


def get_donation(site: Site, donation_id: int, *, actor: User) -> Donation:
    """A donation at the site; another site's is not found."""
    ensure_works_at(actor, site)
    donation = db.session.get(Donation, donation_id)
    if donation is None or donation.site_id != site.id:
        raise NotFound("No such donation.", code="donation_not_found")
    return donation
