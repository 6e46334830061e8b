"""Sending stock to another site and receiving what another site sent."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, require_current_site, roles
from supermarket.errors import DomainError, InvalidInput
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page, whole
from supermarket.stock.forms import form_errors_from, item_lines, line_errors, scaled
from supermarket.stock.models import StockTransfer
from supermarket.stock.services import levels
from supermarket.stock.services import transfers as xfers
from supermarket.stock.views import bp, quantity_text

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
        lines, prefixes = item_lines(request.form)
        data = xfers.TransferRequest.from_dict(
            {
                "to_site": request.form.get("to_site", ""),
                "lines": lines,
                "note": request.form.get("note", "").strip()[:500],
            }
        )
        try:
            transfer = xfers.send_transfer(site, data, actor=actor())
        except DomainError as exc:
            errors = line_errors(exc, lines, prefixes)
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
    sent = {line.id: line for line in xfers.get_transfer(site, transfer_id, actor=actor()).lines}
    lines = []
    errors: dict[str, str] = {}
    for key, value in request.form.items():
        if key.startswith("received-"):
            line_id = whole(key.removeprefix("received-"), commas=True)
            line = sent.get(line_id) if isinstance(line_id, int) else None
            weighed = line is not None and line.product.weight_only
            qty = scaled(value, 1000) if weighed else whole(value, commas=True)
            if line is not None and (
                not isinstance(qty, int) or not 0 <= qty <= line.quantity_sent
            ):
                most = quantity_text(line.quantity_sent, line.product.unit)
                errors[key] = f"{line.product.name}: enter how many arrived, from 0 to {most}."
            lines.append({"id": line_id, "quantity_received": qty if qty is not None else -1})
    try:
        if errors:
            raise InvalidInput("Some lines need correcting.")
        found = xfers.receive_transfer(
            site,
            transfer_id,
            xfers.TransferReceipt.from_dict(
                {"lines": lines, "note": request.form.get("note", "").strip()[:500]}
            ),
            actor=actor(),
        )
    except DomainError as exc:
        errors = errors or form_errors_from(exc)
        db.session.rollback()
        found = xfers.get_transfer(site, transfer_id, actor=actor())
        return render_template(
            "stock/transfer.html", site=site, transfer=found, errors=errors, form=request.form
        ), 422
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
