"""Sending stock to another site and receiving what another site sent."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page, whole
from supermarket.stock.forms import form_errors_from, item_lines
from supermarket.stock.models import StockTransfer
from supermarket.stock.services import levels
from supermarket.stock.services import transfers as xfers
from supermarket.stock.views import bp

BLANK_ROWS = 5


@bp.get("/transfers")
@roles(*MANAGERS)
def transfers() -> ResponseReturnValue:
    site = require_current_site()
    rows = list(
        db.session.scalars(
            xfers.transfers_query(site, actor=actor())
            .order_by(StockTransfer.sent_at.desc())
            .limit(100)
        )
    )
    return render_template("stock/transfers.html", site=site, transfers=rows)


@bp.route("/transfers/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def transfer_new() -> ResponseReturnValue:
    site = require_current_site()
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = xfers.TransferRequest.from_dict(
            {
                "to_site": request.form.get("to_site", ""),
                "lines": item_lines(request.form),
                "note": request.form.get("note", "").strip()[:500],
            }
        )
        try:
            transfer = xfers.send_transfer(site, data, actor=actor())
        except DomainError as exc:
            errors = form_errors_from(exc)
        else:
            return commit_and_redirect(
                f"Sent to {transfer.to_site.name}: it is in transit until they receive it.",
                url_for("stock.transfer", transfer_id=transfer.id),
            )
    in_stock = [lv for lv in levels.stock_levels(site, actor=actor()) if lv.usable_quantity]
    return form_page(
        "stock/transfer_new.html",
        errors,
        site=site,
        form=request.form,
        destinations=xfers.transfer_destinations(site),
        in_stock=in_stock,
        rows=BLANK_ROWS,
    )


@bp.get("/transfers/<int:transfer_id>")
@roles(*MANAGERS)
def transfer(transfer_id: int) -> ResponseReturnValue:
    site = require_current_site()
    found = xfers.get_transfer(site, transfer_id, actor=actor())
    return render_template("stock/transfer.html", site=site, transfer=found, errors={})


@bp.post("/transfers/<int:transfer_id>/receive")
@roles(*MANAGERS)
def transfer_receive(transfer_id: int) -> ResponseReturnValue:
    site = require_current_site()
    lines = []
    for key, value in request.form.items():
        if key.startswith("received-"):
            line_id, qty = (
                whole(key.removeprefix("received-"), commas=True),
                whole(value, commas=True),
            )
            lines.append({"id": line_id, "quantity_received": qty if qty is not None else -1})
    try:
        found = xfers.receive_transfer(
            site,
            transfer_id,
            xfers.TransferReceipt.from_dict(
                {"lines": lines, "note": request.form.get("note", "").strip()[:500]}
            ),
            actor=actor(),
        )
    except DomainError as exc:
        errors = form_errors_from(exc)
        found = xfers.get_transfer(site, transfer_id, actor=actor())
        return render_template("stock/transfer.html", site=site, transfer=found, errors=errors), 422
    return commit_and_redirect(
        "Transfer received into stock."
        if found.status == "received"
        else "Transfer received; what did not arrive is recorded as short.",
        url_for("stock.transfer", transfer_id=found.id),
    )


@bp.post("/transfers/<int:transfer_id>/cancel")
@roles(*MANAGERS)
def transfer_cancel(transfer_id: int) -> ResponseReturnValue:
    site = require_current_site()
    xfers.cancel_transfer(site, transfer_id, actor=actor())
    return commit_and_redirect(
        "Transfer cancelled: the stock is back on your shelves.",
        url_for("stock.transfer", transfer_id=transfer_id),
    )
