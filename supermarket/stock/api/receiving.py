"""JSON endpoints for donors and donations received at a site."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from supermarket.auth.web import STAFF, actor, roles
from supermarket.http import api_doc, json_body
from supermarket.stock import schemas as s
from supermarket.stock.api.base import bp, page, query_args, saved, staff_site
from supermarket.stock.models import (
    Donation,
)
from supermarket.stock.services import receiving


@bp.get("/sites/<code>/donors")
@roles(*STAFF)
@api_doc("The site's donors.", responses={200: s.DonorListOut}, tag="donations")
def donors(code: str) -> ResponseReturnValue:
    rows = receiving.list_donors(staff_site(code), actor=actor())
    return {"items": s.DonorOut(many=True).dump(rows), "next": None}


@bp.post("/sites/<code>/donations")
@roles(*STAFF)
@api_doc(
    "Receive a delivery or purchase: item lines (sku, quantity) and weigh-in lines "
    "(category, weight_g). One bad line and nothing is stored.",
    body=s.DonationIn,
    responses={201: s.DonationOut},
    tag="donations",
)
def receive(code: str) -> ResponseReturnValue:
    site = staff_site(code)
    donation = receiving.receive_donation(site, s.DonationIn().load(json_body()), actor=actor())
    return saved(s.DonationOut(), donation, 201)


@bp.get("/sites/<code>/donations")
@roles(*STAFF)
@api_doc(
    "Donations received at the site, oldest first.",
    query=s.PageQuery,
    responses={200: s.DonationListOut},
    tag="donations",
)
def donations(code: str) -> ResponseReturnValue:
    site = staff_site(code)
    args = query_args(s.PageQuery())
    stmt = receiving.donations_query(site, actor=actor())
    return page(stmt, Donation.id, s.DonationSummaryOut, args.get("cursor"))


@bp.get("/sites/<code>/donations/<int:donation_id>")
@roles(*STAFF)
@api_doc("One donation with its lines.", responses={200: s.DonationOut}, tag="donations")
def donation(code: str, donation_id: int) -> ResponseReturnValue:
    return s.DonationOut().dump(
        receiving.get_donation(staff_site(code), donation_id, actor=actor())
    )
