"""Transfers between sites: out at the sender, in transit, then received (or short) at the
receiver, with what did not arrive recorded on each line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, update

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound, RuleViolation
from supermarket.extensions import db
from supermarket.sites.calendar import now_or, site_today
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site
from supermarket.stock.models import (
    MovementKind,
    StockTransfer,
    StockTransferLine,
    TransferStatus,
)
from supermarket.stock.services.catalogue import product_by_sku
from supermarket.stock.services.ledger import batch_for, fefo, move, take, usable


@dataclass(frozen=True)
class TransferLine:
    """A product to send. The quantity is as given (None: left blank): send_transfer refuses
    one that is not a whole number of 1 or more."""

    sku: str
    quantity: int | None


@dataclass(frozen=True)
class TransferRequest:
    """Stock to send to another site, by its code (TransferIn's post_load builds it)."""

    to_site: str
    lines: tuple[TransferLine, ...] = ()
    note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransferRequest:
        """From a plain dictionary shaped like TransferIn's input, not validated (the form, the
        demo, tests): send_transfer's own checks give the form's messages."""
        return cls(
            to_site=str(data.get("to_site", "")),
            lines=tuple(
                TransferLine(str(raw.get("sku", "")), raw.get("quantity"))
                for raw in data.get("lines") or []
            ),
            note=str(data.get("note") or ""),
        )


@dataclass(frozen=True)
class ReceivedLine:
    """A line that arrived short: its id and the quantity that arrived, as given."""

    id: int | None
    quantity_received: int | None


@dataclass(frozen=True)
class TransferReceipt:
    """What arrived: the lines that arrived short (the others in full), and a note."""

    lines: tuple[ReceivedLine, ...] = ()
    note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransferReceipt:
        """From a plain dictionary shaped like TransferReceiveIn's input."""
        return cls(
            lines=tuple(
                ReceivedLine(raw.get("id"), raw.get("quantity_received"))
                for raw in data.get("lines") or []
            ),
            note=str(data.get("note") or ""),
        )


def send_transfer(
    site: Site,
    request: TransferRequest,
    *,
    actor: User,
    at: datetime | None = None,
) -> StockTransfer:
    """Send stock to another site, earliest-expiring first and never past its use-by date."""
    ensure_works_at(actor, site, managers_only=True)
    at = now_or(at)
    to_site = _destination(site, request)
    today = site_today(site, at)
    # All lines or none, even for a caller that carries on after a shortfall.
    with db.session.begin_nested():
        transfer = StockTransfer(
            site_id=site.id,
            to_site_id=to_site.id,
            from_site=site,
            to_site=to_site,
            note=request.note[:500],
            sent_by_id=actor.id,
            sent_at=at,
        )
        db.session.add(transfer)
        db.session.flush()
        for raw in request.lines:
            product = product_by_sku(raw.sku)
            stmt = fefo(site, product).where(usable(today))
            assert raw.quantity is not None
            for movement in take(
                site,
                product,
                raw.quantity,
                stmt=stmt,
                kind=MovementKind.TRANSFERRED_OUT,
                actor=actor,
                at=at,
                transfer_id=transfer.id,
                note=f"to {to_site.name}",
            ):
                transfer.lines.append(
                    StockTransferLine(
                        product_id=product.id,
                        product=product,
                        from_batch_id=movement.batch_id,
                        quantity_sent=-movement.quantity,
                    )
                )
        db.session.flush()
    return transfer


def _destination(site: Site, request: TransferRequest) -> Site:
    """The site the stock goes to, once the request is checked: an open site other than this
    one, and at least one line, each a known product and a quantity of 1 or more."""
    to_code = normalise_site_code(request.to_site)
    to_site = db.session.scalar(select(Site).where(Site.code == to_code))
    problems: dict[str, Any] = {}
    if to_site is None or not to_site.active:
        problems["to_site"] = "Choose an open site."
    elif to_site.id == site.id:
        problems["to_site"] = "Choose a different site."
    if not request.lines:
        problems["lines"] = "Add at least one line."
    line_problems: dict[int, dict[str, str]] = {}
    for index, raw in enumerate(request.lines):
        qty = raw.quantity
        if not isinstance(qty, int) or qty <= 0:
            line_problems[index] = {"quantity": "Give a quantity of 1 or more."}
        try:
            product_by_sku(raw.sku)
        except InvalidInput:
            line_problems.setdefault(index, {})["sku"] = "No product has this code."
    if line_problems:
        problems["lines"] = line_problems
    if problems:
        raise InvalidInput("Some fields need correcting.", fields=problems)
    assert to_site is not None
    return to_site


def _claim(transfer: StockTransfer, status: TransferStatus) -> None:
    """Move a transfer out of transit exactly once, even when two people act at once."""
    claimed = db.session.execute(
        update(StockTransfer)
        .where(StockTransfer.id == transfer.id, StockTransfer.status == TransferStatus.IN_TRANSIT)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise RuleViolation(
            "This transfer has already been dealt with.", code="transfer_not_in_transit"
        )
    db.session.expire(transfer, ["status"])


def _in_transit(
    site: Site, transfer_id: int, *, actor: User, coming: bool, refusal: str
) -> StockTransfer:
    """A transfer in transit for the site's managers: coming to the site, or else sent from
    it. Any other is not found; one already dealt with is refused with `refusal`."""
    ensure_works_at(actor, site, managers_only=True)
    transfer = _transfer(site, transfer_id)
    if coming and transfer.to_site_id != site.id:
        raise NotFound("No such transfer on its way here.", code="transfer_not_found")
    if not coming and transfer.site_id != site.id:
        raise NotFound("No such transfer sent from here.", code="transfer_not_found")
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise RuleViolation(refusal, code="transfer_not_in_transit")
    return transfer


def receive_transfer(
    site: Site,
    transfer_id: int,
    receipt: TransferReceipt,
    *,
    actor: User,
    at: datetime | None = None,
) -> StockTransfer:
    """Take a transfer into stock at the receiving site. Lines not listed arrive in full;
    a line may arrive short, never over, and the difference stays on the line."""
    transfer = _in_transit(
        site,
        transfer_id,
        actor=actor,
        coming=True,
        refusal="This transfer has already been dealt with.",
    )
    at = now_or(at)
    given = {r.id: r.quantity_received for r in receipt.lines}
    by_id = {line.id: line for line in transfer.lines}
    problems: dict[str, str] = {}
    for line_id, qty in given.items():
        line = by_id.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            problems[str(line_id)] = "Not a line of this transfer."
        elif not isinstance(qty, int) or not 0 <= qty <= line.quantity_sent:
            problems[str(line_id)] = f"Give 0 to {line.quantity_sent}."
    if problems:
        raise InvalidInput("Some lines need correcting.", fields={"lines": problems})
    _claim(transfer, TransferStatus.RECEIVED)
    short = False
    for line in transfer.lines:
        qty = given.get(line.id, line.quantity_sent)
        assert isinstance(qty, int)
        line.quantity_received = qty
        short = short or qty < line.quantity_sent
        if qty == 0:
            continue
        sent = line.from_batch
        batch = batch_for(site, line.product, sent.date_kind, sent.expires_on, sent.source)
        line.to_batch_id = batch.id
        move(
            batch,
            qty,
            kind=MovementKind.TRANSFERRED_IN,
            actor=actor,
            at=at,
            site=site,
            transfer_id=transfer.id,
            note=f"from {transfer.from_site.name}",
        )
    transfer.status = TransferStatus.SHORT_RECEIVED if short else TransferStatus.RECEIVED
    transfer.receive_note = receipt.note[:500]
    transfer.received_by_id = actor.id
    transfer.received_at = at
    db.session.flush()
    return transfer


def cancel_transfer(
    site: Site, transfer_id: int, *, actor: User, at: datetime | None = None
) -> StockTransfer:
    """Call back a transfer still in transit: the stock returns to the sender's batches."""
    transfer = _in_transit(
        site,
        transfer_id,
        actor=actor,
        coming=False,
        refusal="Only a transfer still in transit can be cancelled.",
    )
    at = now_or(at)
    _claim(transfer, TransferStatus.CANCELLED)
    for line in transfer.lines:
        move(
            line.from_batch,
            line.quantity_sent,
            kind=MovementKind.TRANSFERRED_IN,
            actor=actor,
            at=at,
            site=site,
            transfer_id=transfer.id,
            reason="cancelled",
            note="transfer cancelled",
        )
    transfer.status = TransferStatus.CANCELLED
    db.session.flush()
    return transfer


def transfers_query(site: Site, *, actor: User) -> Select[StockTransfer]:
    """Transfers sent from or coming to the site."""
    ensure_works_at(actor, site)
    return select(StockTransfer).where(
        or_(StockTransfer.site_id == site.id, StockTransfer.to_site_id == site.id)
    )


def get_transfer(site: Site, transfer_id: int, *, actor: User) -> StockTransfer:
    """A transfer the site sent or is receiving; any other is not found."""
    ensure_works_at(actor, site)
    return _transfer(site, transfer_id)


def _transfer(site: Site, transfer_id: int) -> StockTransfer:
    transfer = db.session.get(StockTransfer, transfer_id)
    if transfer is None or site.id not in (transfer.site_id, transfer.to_site_id):
        raise NotFound("No such transfer.", code="transfer_not_found")
    return transfer


def transfer_destinations(site: Site) -> list[Site]:
    return list(
        db.session.scalars(
            select(Site).where(Site.active.is_(True), Site.id != site.id).order_by(Site.name)
        )
    )
