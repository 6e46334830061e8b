"""JSON endpoints for donors and donations received at a site."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from supermarket.api_routes import page
from supermarket.auth.web import STAFF, actor
from supermarket.sites.models import Site
from supermarket.stock import schemas as s
from supermarket.stock.api.base import SITE, StockRoutes, bp
from supermarket.stock.models import Donation
from supermarket.stock.services import receiving
from supermarket.stock.services.receiving import DonationRequest

api = StockRoutes(bp, tag="donations", prefix=SITE)


@api.site_read("/donors", STAFF, ok=s.DonorListOut)
def donors(site: Site, _: None) -> ResponseReturnValue:
    """The site's donors."""
    rows = receiving.list_donors(site, actor=actor())
    return {"items": s.DonorOut(many=True).dump(rows), "next": None}


@api.site_change("POST", "/donations", STAFF, body=s.DonationIn, created=s.DonationOut)
def receive(site: Site, data: DonationRequest) -> Donation:
    """Receive a delivery or purchase: item lines (sku, quantity) and weigh-in lines
    (category, weight_g). One bad line and nothing is stored."""
    return receiving.receive_donation(site, data, actor=actor())


@api.site_read("/donations", STAFF, query=s.PageQuery, ok=s.DonationListOut)
def donations(site: Site, args: dict[str, Any]) -> ResponseReturnValue:
    """Donations received at the site, oldest first."""
    stmt = receiving.donations_query(site, actor=actor())
    return page(stmt, Donation.id, s.DonationSummaryOut, args.get("cursor"))


@api.site_read("/donations/<int:donation_id>", STAFF, ok=s.DonationOut)
def donation(site: Site, _: None, donation_id: int) -> ResponseReturnValue:
    """One donation with its lines."""
    return s.DonationOut().dump(receiving.get_donation(site, donation_id, actor=actor()))
