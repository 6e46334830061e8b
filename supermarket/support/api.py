"""JSON endpoints for the support services directory (`/api/v1/services`) and a member's
signposts and referrals (`/api/v1/sites/<code>/members/<number>/referrals`, staff of the
member's site only: 404 for anyone else's), with the site manager's follow-up list, and the
dismissal of a prompt shown at check-in (`.../members/<number>/prompts/<kind>/dismiss`)."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from supermarket.api_routes import EDITORS, ApiRoutes, staff_site
from supermarket.auth.access import site_for_reporting, site_for_staff
from supermarket.auth.models import Role
from supermarket.auth.web import ALL_ROLES, MANAGERS, STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body
from supermarket.sites.models import Site
from supermarket.support import services
from supermarket.support.models import FOLLOW_UP_DAYS
from supermarket.support.schemas import (
    DismissIn,
    OutcomeIn,
    PromptEventOut,
    ReferralFollowUpOut,
    ReferralIn,
    ReferralListOut,
    ReferralOut,
    ServiceChangesIn,
    ServiceIn,
    ServiceListOut,
    ServiceOut,
    ServicesQuery,
)

bp = Blueprint("support_api", __name__, url_prefix="/api/v1")
api = ApiRoutes(bp, tag="support")
MEMBER = "/sites/<code>/members/<number>/referrals"


def _site(code: str) -> Site:
    """A site to filter the directory by: one the actor works at (staff), any (others)."""
    user = actor()
    if Role(user.role).works_at_sites:
        return site_for_staff(code, user)
    return site_for_reporting(code, user)


@api.get(
    "/services",
    ALL_ROLES,
    query=ServicesQuery,
    ok=ServiceListOut,
    responses={404: "site_not_found: `site` is not a site the caller may choose"},
)
def list_services() -> ResponseReturnValue:
    """The support services directory: staff see the services that serve their sites,
    programme leads and administrators every entry; `site` keeps those serving one site."""
    args = ServicesQuery().load(request.args.to_dict())
    site = _site(args["site"]) if args.get("site") else None
    found = services.list_services(actor(), site=site, include_inactive=args["include_inactive"])
    return {"items": ServiceOut(many=True).dump(found), "next": None}


@api.post("/services", EDITORS, body=ServiceIn, created=ServiceOut)
def create_service() -> ResponseReturnValue:
    """Add an entry: an administrator's is the programme's, a site manager's their site's
    (403 for volunteers); 422 naming the field for a bad category or site."""
    data = ServiceIn().load(json_body())
    service = services.create_service(data, actor=actor())
    db.session.commit()
    return ServiceOut().dump(service), 201


@api.patch("/services/<int:service_id>", EDITORS, body=ServiceChangesIn, ok=ServiceOut)
def update_service(service_id: int) -> ResponseReturnValue:
    """Change an entry: administrators the programme's, a site's managers the site's (403
    for an entry the caller may only see)."""
    data = ServiceChangesIn().load(json_body())
    service = services.update_service(service_id, data, actor=actor())
    db.session.commit()
    return ServiceOut().dump(service)


@api.get(MEMBER, STAFF, ok=ReferralListOut)
def member_referrals(code: str, number: str) -> ResponseReturnValue:
    """A member's signposts and referrals, the latest first."""
    found = services.list_referrals(staff_site(code), number, actor=actor())
    return {"items": ReferralOut(many=True).dump(found), "next": None}


@api.post(MEMBER, STAFF, body=ReferralIn, created=ReferralOut)
def record_referral(code: str, number: str) -> ResponseReturnValue:
    """Record a signpost (information given) or a referral (passed on with the member's
    consent: consent_given must be true) to one of the site's services. Audited."""
    site = staff_site(code)
    data = services.NewReferral.from_dict(ReferralIn().load(json_body()))
    referral = services.record_referral(site, number, data, actor=actor())
    db.session.commit()
    return ReferralOut().dump(referral), 201


@api.patch(MEMBER + "/<int:referral_id>", STAFF, body=OutcomeIn, ok=ReferralOut)
def update_outcome(code: str, number: str, referral_id: int) -> ResponseReturnValue:
    """Record what happened: the status (made, contacted, engaged, resolved, declined,
    no_response) and the day it happened (today if left out). Audited."""
    site = staff_site(code)
    change = services.OutcomeUpdate.from_dict(OutcomeIn().load(json_body()))
    referral = services.update_outcome(site, number, referral_id, change, actor=actor())
    db.session.commit()
    return ReferralOut().dump(referral)


@api.get("/sites/<code>/referrals/follow-up", MANAGERS, ok=ReferralFollowUpOut)
def follow_up(code: str) -> ResponseReturnValue:
    """The site's referrals with no news for `follow_up_days` days or more, still made,
    contacted or engaged: the longest waiting first (site managers)."""
    found = services.follow_up_list(staff_site(code, managers_only=True), actor=actor())
    return {
        "items": ReferralOut(many=True).dump(found),
        "next": None,
        "follow_up_days": FOLLOW_UP_DAYS,
    }


@api.post(
    "/sites/<code>/members/<number>/prompts/<kind>/dismiss",
    STAFF,
    body=DismissIn,
    ok=PromptEventOut,
    responses={404: "prompt_not_found: no such kind, or none showing for the member"},
)
def dismiss_prompt(code: str, number: str, kind: str) -> ResponseReturnValue:
    """Dismiss a prompt shown at check-in (kind healthy_start or advice) with a reason:
    already_has, not_eligible, member_declined, not_now (it comes back after 28 days) or
    other (with any other reason it stays away for a year); an optional note. Audited."""
    site = staff_site(code)
    data = DismissIn().load(json_body())
    row = services.dismiss_prompt(site, number, kind, data["reason"], data["note"], actor=actor())
    db.session.commit()
    return PromptEventOut().dump(row)
