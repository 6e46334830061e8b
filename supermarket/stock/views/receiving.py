"""Receiving deliveries on the tablet (items scanned or picked, or crates weighed by
category), the donations list and the donor's delivery note."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from supermarket.auth.web import STAFF, actor, require_current_site, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page
from supermarket.sites.calendar import site_today
from supermarket.stock import pdf
from supermarket.stock.forms import DELIVERY_SHOWN, donation_from_form, form_errors_from
from supermarket.stock.models import Donation
from supermarket.stock.schemas import DonationIn
from supermarket.stock.services import products, receiving
from supermarket.stock.views import bp, pdf_response, quantity_text

BLANK_ROWS = 4
# Error fields named as the form's inputs, so each message sits by (and links to) its box.
FORM_NAMES = {
    "use_by": "date",
    "best_before": "date",
    "weight_g": "weight_kg",
    "cost_pence": "cost",
}


def _by_input(errors: dict[str, str], mode: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, message in errors.items():
        prefix, _, field = name.rpartition("-")
        if prefix and field in FORM_NAMES:
            field = "kg" if mode == "weigh" and field == "weight_g" else FORM_NAMES[field]
            name = f"{prefix}-{field}"
        out.setdefault(name, message)
    return out


@bp.route("/receive", methods=["GET", "POST"])
@roles(*STAFF)
def receive() -> ResponseReturnValue:
    site = require_current_site()
    mode = "weigh" if request.values.get("mode") == "weigh" else "items"
    errors: dict[str, str] = {}
    rows = BLANK_ROWS
    if request.method == "POST":
        data, prefixes = donation_from_form(request.form, mode)
        rows = max(BLANK_ROWS, sum(1 for k in request.form if k.endswith("-sku")))
        schema = DonationIn()
        try:
            donation = receiving.receive_donation(site, schema.load(data), actor=actor())
        except (DomainError, ValidationError) as exc:
            found = form_errors_from(exc, prefixes, shown=DELIVERY_SHOWN, schema=schema)
            errors = _by_input(found, mode)
        else:
            return commit_and_redirect(
                f"Received {len(donation.lines)} line(s), "
                f"{quantity_text(donation.total_weight_g, 'g')}.",
                url_for("stock.donation", donation_id=donation.id),
            )
    return form_page(
        "stock/receive.html",
        errors,
        site=site,
        mode=mode,
        form=request.form,
        rows=rows,
        today=site_today(site),
        donors=receiving.list_donors(site, actor=actor()),
        products=products.list_products(),
    )


@bp.get("/donations")
@roles(*STAFF)
def donations() -> ResponseReturnValue:
    site = require_current_site()
    stmt = receiving.donations_query(site, actor=actor()).order_by(
        Donation.received_on.desc(), Donation.id.desc()
    )
    page = db.paginate(stmt, per_page=30, error_out=False)
    return render_template("stock/donations.html", site=site, page=page)


@bp.get("/donations/<int:donation_id>")
@roles(*STAFF)
def donation(donation_id: int) -> ResponseReturnValue:
    site = require_current_site()
    found = receiving.get_donation(site, donation_id, actor=actor())
    return render_template("stock/donation.html", site=site, donation=found)


@bp.get("/donations/<int:donation_id>/delivery-note.pdf")
@roles(*STAFF)
def donation_pdf(donation_id: int) -> ResponseReturnValue:
    site = require_current_site()
    found = receiving.get_donation(site, donation_id, actor=actor())
    return pdf_response(pdf.delivery_note(found), f"delivery-note-{found.id}.pdf")
