"""JSON endpoints for donors and donations received at a site."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes, page, staff_site
from supermarket.auth.web import STAFF, actor
from supermarket.http import json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import SITE, bp, query_args, saved
from supermarket.stock.models import Donation
from supermarket.stock.services import receiving

api = ApiRoutes(bp, tag="donations", prefix=SITE)


@api.get("/donors", STAFF, ok=s.DonorListOut)
def donors(code: str) -> ResponseReturnValue:
    """The site's donors."""
    rows = receiving.list_donors(staff_site(code), actor=actor())
    return {"items": s.DonorOut(many=True).dump(rows), "next": None}


@api.post("/donations", STAFF, body=s.DonationIn, created=s.DonationOut)
def receive(code: str) -> ResponseReturnValue:
    """Receive a delivery or purchase: item lines (sku, quantity) and weigh-in lines
    (category, weight_g). One bad line and nothing is stored."""
    site = staff_site(code)
    donation = receiving.receive_donation(site, s.DonationIn().load(json_body()), actor=actor())
    return saved(s.DonationOut(), donation, 201)


@api.get("/donations", STAFF, query=s.PageQuery, ok=s.DonationListOut)
def donations(code: str) -> ResponseReturnValue:
    """Donations received at the site, oldest first."""
    site = staff_site(code)
    args = query_args(s.PageQuery())
    stmt = receiving.donations_query(site, actor=actor())
    return page(stmt, Donation.id, s.DonationSummaryOut, args.get("cursor"))


@api.get("/donations/<int:donation_id>", STAFF, ok=s.DonationOut)
def donation(code: str, donation_id: int) -> ResponseReturnValue:
    """One donation with its lines."""
    return s.DonationOut().dump(
        receiving.get_donation(staff_site(code), donation_id, actor=actor())
    )
