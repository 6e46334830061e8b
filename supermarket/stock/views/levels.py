"""Stock levels, one product's batches, alerts and writing stock off."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, STAFF, actor, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page, whole
from supermarket.sites.models import Site
from supermarket.stock.forms import form_errors_from, scaled
from supermarket.stock.models import Category, WasteReason
from supermarket.stock.services import ledger, levels
from supermarket.stock.views import bp, quantity_text


@bp.get("")
@roles(*STAFF)
def overview() -> ResponseReturnValue:
    site = require_current_site()
    category = request.args.get("category", "")
    category = category if category in Category.__members__.values() else ""
    q = request.args.get("q", "").strip()[:60]
    rows = levels.stock_levels(site, actor=actor(), category=category or None, q=q)
    alerts = levels.alerts(site, actor=actor())
    return render_template(
        "stock/overview.html", site=site, rows=rows, alerts=alerts, category=category, q=q
    )


@bp.get("/items/<sku>")
@roles(*STAFF)
def item(sku: str) -> ResponseReturnValue:
    site = require_current_site()
    found = levels.stock_item(site, sku, actor=actor())
    return render_template("stock/item.html", site=site, item=found, errors={})


def _item_page(site: Site, sku: str, errors: dict[str, str]) -> ResponseReturnValue:
    """The item page again with a form's errors, and what was typed in it."""
    found = levels.stock_item(site, sku, actor=actor())
    return render_template(
        "stock/item.html", site=site, item=found, errors=errors, form=request.form
    ), 422


@bp.post("/items/<sku>/minimum")
@roles(*MANAGERS)
def set_minimum(sku: str) -> ResponseReturnValue:
    site = require_current_site()
    raw = whole(request.form.get("min_level"), commas=True)
    if isinstance(raw, str) or (raw is not None and not 0 <= raw <= 1_000_000):
        return _item_page(site, sku, {"min_level": MINIMUM_MESSAGE})
    try:
        levels.set_site_minimum(site, sku, raw, actor=actor())
    except DomainError as exc:
        return _item_page(site, sku, form_errors_from(exc))
    return commit_and_redirect("Minimum level saved.", url_for("stock.item", sku=sku.upper()))


@bp.post("/items/<sku>/give-out")
@roles(*STAFF)
def give_out(sku: str) -> ResponseReturnValue:
    site = require_current_site()
    weighed = sku.upper().startswith("CRATE-")  # crates are given out in kilograms
    raw = request.form.get("given")
    amount = scaled(raw, 1000) if weighed else whole(raw, commas=True)
    if not isinstance(amount, int) or amount <= 0:
        return _item_page(site, sku, {"given": amount_message(weighed, "given out")})
    try:
        moved = ledger.give_out(site, sku, amount, actor=actor())
    except DomainError as exc:
        db.session.rollback()
        return _item_page(site, sku, {"given": exc.message})
    return commit_and_redirect(
        f"Recorded {quantity_text(amount, moved[0].product.unit)} given out.",
        url_for("stock.item", sku=sku.upper()),
    )


MINIMUM_MESSAGE = "Enter a minimum from 0 to 1,000,000, or leave it empty."


def amount_message(weighed: bool, done: str) -> str:
    """What to type in a quantity box: items as a whole number, weighed crates in kg."""
    if weighed:
        return f"Enter the kilograms {done}, for example 2.5."
    return f"Enter how many were {done}: a whole number of 1 or more."


def _refusal(exc: DomainError, weighed: bool, name: str = "this") -> str:
    """A refused take in one message: "Not enough Beans in stock: only 6, so enter 6 or
    fewer."."""
    available = exc.details.get("available") if exc.code == "insufficient_stock" else None
    if not isinstance(available, int):
        return exc.message
    if available == 0:
        return f"Not enough {name} in stock: there is none left."
    have = quantity_text(available, "g" if weighed else "item")
    fewer = "less" if weighed else "fewer"
    return f"Not enough {name} in stock: only {have}, so enter {have} or {fewer}."


@bp.get("/alerts")
@roles(*STAFF)
def alerts() -> ResponseReturnValue:
    site = require_current_site()
    return render_template(
        "stock/alerts.html", site=site, alerts=levels.alerts(site, actor=actor())
    )


@bp.post("/alerts/waste-expired")
@roles(*MANAGERS)
def waste_expired() -> ResponseReturnValue:
    site = require_current_site()
    reason = request.form.get("reason", WasteReason.PAST_USE_BY)
    moved = ledger.waste_expired(
        site, actor=actor(), reason=reason, note=request.form.get("note", "")[:300]
    )
    return commit_and_redirect(
        f"Wasted {len(moved)} batch(es) past their use-by date."
        if moved
        else "Nothing was past its use-by date.",
        url_for("stock.alerts"),
    )


@bp.route("/waste", methods=["GET", "POST"])
@roles(*MANAGERS)
def waste() -> ResponseReturnValue:
    site = require_current_site()
    form = request.form if request.method == "POST" else request.args
    errors: dict[str, str] = {}
    in_stock = [lv for lv in levels.stock_levels(site, actor=actor()) if lv.quantity > 0]
    if request.method == "POST":
        sku = form.get("sku", "").strip().upper()
        chosen = next((lv.product for lv in in_stock if lv.product.sku == sku), None)
        weighed = chosen is not None and chosen.weight_only
        raw = form.get("quantity")
        quantity = scaled(raw, 1000) if weighed else whole(raw, commas=True)
        batch_id = whole(form.get("batch_id"), commas=True)
        # Every problem with what was typed at once, before the ledger is asked.
        if chosen is None:
            errors["sku"] = "Choose a product that is in stock."
        if not isinstance(quantity, int) or quantity <= 0:
            errors["quantity"] = amount_message(weighed, "written off")
        if form.get("reason", "") not in WasteReason.__members__.values():
            errors["reason"] = "Choose a reason."
        if not errors and isinstance(quantity, int):
            try:
                moved = ledger.waste(
                    site,
                    sku,
                    quantity,
                    form.get("reason", ""),
                    actor=actor(),
                    note=form.get("note", "")[:300],
                    batch_id=batch_id if isinstance(batch_id, int) else None,
                )
            except DomainError as exc:
                errors = form_errors_from(exc)
                if exc.code == "insufficient_stock":
                    name = chosen.name if chosen else "this"
                    errors = {"quantity": _refusal(exc, weighed, name)}
            else:
                db.session.commit()
                product = moved[0].product
                flash(
                    f"Wasted {quantity_text(-sum(m.quantity for m in moved), product.unit)} "
                    f"{product.name}.",
                    "info",
                )
                return redirect(url_for("stock.item", sku=product.sku), 303)
    return form_page("stock/waste.html", errors, site=site, form=form, in_stock=in_stock)
