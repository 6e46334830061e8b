"""Stock levels, one product's batches, alerts and writing stock off."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.web import MANAGERS, STAFF, actor, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page, whole
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


@bp.post("/items/<sku>/minimum")
@roles(*MANAGERS)
def set_minimum(sku: str) -> ResponseReturnValue:
    site = require_current_site()
    raw = whole(request.form.get("min_level"), commas=True)
    try:
        levels.set_site_minimum(
            site, sku, raw if isinstance(raw, int) or raw is None else -1, actor=actor()
        )
    except DomainError as exc:
        errors = form_errors_from(exc)
        found = levels.stock_item(site, sku, actor=actor())
        return render_template("stock/item.html", site=site, item=found, errors=errors), 422
    return commit_and_redirect("Minimum level saved.", url_for("stock.item", sku=sku.upper()))


@bp.post("/items/<sku>/give-out")
@roles(*STAFF)
def give_out(sku: str) -> ResponseReturnValue:
    site = require_current_site()
    weighed = sku.upper().startswith("CRATE-")  # crates are given out in kilograms
    raw = request.form.get("given")
    amount = scaled(raw, 1000) if weighed else whole(raw, commas=True)
    amount = amount if isinstance(amount, int) else 0
    try:
        moved = ledger.give_out(site, sku, amount, actor=actor())
    except DomainError as exc:
        db.session.rollback()
        found = levels.stock_item(site, sku, actor=actor())
        return render_template(
            "stock/item.html", site=site, item=found, errors={"given": exc.message}
        ), 422
    return commit_and_redirect(
        f"Recorded {quantity_text(amount, moved[0].product.unit)} given out.",
        url_for("stock.item", sku=sku.upper()),
    )


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
    if request.method == "POST":
        sku = form.get("sku", "").strip()
        quantity = whole(form.get("quantity"), commas=True)
        batch_id = whole(form.get("batch_id"), commas=True)
        try:
            moved = ledger.waste(
                site,
                sku,
                quantity if isinstance(quantity, int) else 0,
                form.get("reason", ""),
                actor=actor(),
                note=form.get("note", "")[:300],
                batch_id=batch_id if isinstance(batch_id, int) else None,
            )
        except DomainError as exc:
            errors = form_errors_from(exc)
        else:
            db.session.commit()
            product = moved[0].product
            flash(
                f"Wasted {quantity_text(-sum(m.quantity for m in moved), product.unit)} "
                f"{product.name}.",
                "info",
            )
            return redirect(url_for("stock.item", sku=product.sku), 303)
    return form_page(
        "stock/waste.html",
        errors,
        site=site,
        form=form,
        in_stock=[lv for lv in levels.stock_levels(site, actor=actor()) if lv.quantity > 0],
    )
