"""Stocktakes: start a count, print the sheet, enter counts, approve the differences."""

from __future__ import annotations

from datetime import date

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, actor, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, whole
from supermarket.stock import pdf
from supermarket.stock.forms import form_errors_from, scaled
from supermarket.stock.models import Stocktake
from supermarket.stock.services import products
from supermarket.stock.services import stocktake as takes
from supermarket.stock.views import bp, pdf_response


@bp.get("/stocktakes")
@roles(*MANAGERS)
def stocktakes() -> ResponseReturnValue:
    site = require_current_site()
    rows = list(
        db.session.scalars(
            takes.stocktakes_query(site, actor=actor())
            .order_by(Stocktake.started_at.desc())
            .limit(50)
        )
    )
    return render_template("stock/stocktakes.html", site=site, stocktakes=rows)


@bp.post("/stocktakes")
@roles(*MANAGERS)
def stocktake_start() -> ResponseReturnValue:
    site = require_current_site()
    category = request.form.get("category") or None
    found = takes.start_stocktake(
        site, category=category, actor=actor(), note=request.form.get("note", "").strip()[:500]
    )
    return commit_and_redirect(
        f"Stocktake started: {len(found.lines)} line(s) to count.",
        url_for("stock.stocktake", stocktake_id=found.id),
    )


def _render(found: Stocktake, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    return render_template(
        "stock/stocktake.html",
        site=found.site,
        stocktake=found,
        lines=takes.sheet_lines(found),
        errors=errors,
        form=request.form,
        products=products.list_products(category=found.category),
    ), status


def _count(raw: str | None, unit: str) -> int | str | None:
    """Items as whole numbers; weighed crates in kilograms, kept as grams."""
    return scaled(raw, 1000) if unit == "g" else whole(raw, commas=True)


@bp.route("/stocktakes/<int:stocktake_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def stocktake(stocktake_id: int) -> ResponseReturnValue:
    site = require_current_site()
    found = takes.get_stocktake(site, stocktake_id, actor=actor())
    if request.method == "GET":
        return _render(found, {})
    counts: dict[int, int | None] = {}
    errors: dict[str, str] = {}
    for line in found.lines:
        name = f"count-{line.id}"
        if name in request.form:
            product = line.batch.product
            value = _count(request.form.get(name), product.unit)
            if isinstance(value, str) or (value is not None and value < 0):
                errors[name] = (
                    f"Give a number for {product.name}: the kilograms counted, e.g. 2.5 "
                    "(0 for none)."
                    if product.weight_only
                    else f"Give a number for {product.name}: how many were counted (0 for none)."
                )
            else:
                counts[line.id] = value
    try:
        if errors:
            raise DomainError("Some counts need correcting.")
        takes.record_counts(site, stocktake_id, counts, actor=actor())
    except DomainError as exc:
        errors = errors or form_errors_from(exc)
        db.session.rollback()
        return _render(takes.get_stocktake(site, stocktake_id, actor=actor()), errors, 422)
    return commit_and_redirect(
        "Counts saved.", url_for("stock.stocktake", stocktake_id=stocktake_id)
    )


@bp.post("/stocktakes/<int:stocktake_id>/found")
@roles(*MANAGERS)
def stocktake_found(stocktake_id: int) -> ResponseReturnValue:
    site = require_current_site()
    form = request.form
    date_field = "use_by" if form.get("date_kind") == "use_by" else "best_before"
    sku = form.get("sku", "").strip()
    weighed = sku.upper().startswith("CRATE-")
    counted = _count(form.get("counted"), "g" if weighed else "item")
    errors: dict[str, str] = {}
    dated: dict[str, date] = {}
    # Every problem with what was typed at once, before the stocktake is asked.
    if not sku:
        errors["sku"] = "Choose a product."
    try:
        raw_date = form.get("date", "").strip()
        dated = {date_field: date.fromisoformat(raw_date)} if raw_date else {}
    except ValueError:
        errors["date"] = "Enter the date on the pack as a real date, or leave it empty."
    if not isinstance(counted, int) or counted < 1:
        errors["counted"] = (
            "Enter the kilograms found, e.g. 2.5."
            if weighed
            else "Enter how many were found: a whole number of 1 or more."
        )
    if not errors and isinstance(counted, int):
        try:
            takes.add_found_line(
                site, stocktake_id, sku=sku, counted=counted, actor=actor(), **dated
            )
        except DomainError as exc:
            errors = form_errors_from(exc)
            if "use_by" in errors:
                errors["date"] = errors.pop("use_by")
        else:
            return commit_and_redirect(
                "Line added.", url_for("stock.stocktake", stocktake_id=stocktake_id)
            )
    db.session.rollback()
    return _render(takes.get_stocktake(site, stocktake_id, actor=actor()), errors, 422)


@bp.get("/stocktakes/<int:stocktake_id>/count-sheet.pdf")
@roles(*MANAGERS)
def stocktake_sheet(stocktake_id: int) -> ResponseReturnValue:
    site = require_current_site()
    found = takes.get_stocktake(site, stocktake_id, actor=actor())
    return pdf_response(
        pdf.count_sheet(found, takes.sheet_lines(found)), f"count-sheet-{found.id}.pdf"
    )


@bp.post("/stocktakes/<int:stocktake_id>/approve")
@roles(*MANAGERS)
def stocktake_approve(stocktake_id: int) -> ResponseReturnValue:
    site = require_current_site()
    takes.approve_stocktake(site, stocktake_id, actor=actor())
    return commit_and_redirect(
        "Stocktake approved: the differences are now adjustments in the ledger.",
        url_for("stock.stocktake", stocktake_id=stocktake_id),
    )


@bp.post("/stocktakes/<int:stocktake_id>/cancel")
@roles(*MANAGERS)
def stocktake_cancel(stocktake_id: int) -> ResponseReturnValue:
    site = require_current_site()
    takes.cancel_stocktake(site, stocktake_id, actor=actor())
    return commit_and_redirect("Stocktake cancelled; nothing changed.", url_for("stock.stocktakes"))
