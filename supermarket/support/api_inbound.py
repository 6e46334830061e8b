"""JSON endpoints for the register of referral agencies (`/api/v1/referral-agencies`:
administrators keep it, site managers read those referring to their sites) and the
households the agencies refer (`/api/v1/sites/<code>/inbound-referrals`: a referrer refers to
one of their agency's sites and reads their agency's own; the site's staff read, accept and
decline; 404 for anyone else)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from supermarket.api_routes import ADMINS, EDITORS, ApiRoutes, staff_site
from supermarket.auth.models import Role
from supermarket.auth.web import STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body
from supermarket.members.schemas import MemberIn
from supermarket.support.agency_models import InboundReferral
from supermarket.support.agency_schemas import (
    AcceptedOut,
    AcceptIn,
    AgenciesQuery,
    AgencyChangesIn,
    AgencyIn,
    AgencyListOut,
    AgencyOut,
    DeclineIn,
    InboundIn,
    InboundListOut,
    InboundOut,
    ReferrerInboundOut,
)
from supermarket.support.services import agencies, inbound

bp = Blueprint("support_agencies_api", __name__, url_prefix="/api/v1")
api = ApiRoutes(bp, tag="support")
INBOUND = "/sites/<code>/inbound-referrals"
REFERRER = (Role.REFERRER,)
STAFF_OR_REFERRER = (*STAFF, Role.REFERRER)


def referrer_rows(found: list[InboundReferral]) -> list[dict[str, Any]]:
    """A referrer's view of their agency's referrals, with whether each was taken up."""
    up = inbound.taken_up(found)
    rows: list[dict[str, Any]] = ReferrerInboundOut(many=True).dump(found)
    for row in rows:
        row["taken_up"] = row["id"] in up
    return rows


@api.get("/referral-agencies", EDITORS, query=AgenciesQuery, ok=AgencyListOut)
def list_agencies() -> ResponseReturnValue:
    """The register of referral agencies: administrators see it all, site managers the
    agencies that refer to their sites."""
    args = AgenciesQuery().load(request.args.to_dict())
    found = agencies.list_agencies(actor(), include_inactive=args["include_inactive"])
    return {"items": AgencyOut(many=True).dump(found), "next": None}


@api.post("/referral-agencies", ADMINS, body=AgencyIn, created=AgencyOut)
def create_agency() -> ResponseReturnValue:
    """Add an agency to the register: name, kind, contact and the sites it refers to (codes);
    409 for a name already there. Audited."""
    data = AgencyIn().load(json_body())
    agency = agencies.create_agency(data, actor=actor())
    db.session.commit()
    return AgencyOut().dump(agency), 201


@api.patch("/referral-agencies/<int:agency_id>", ADMINS, body=AgencyChangesIn, ok=AgencyOut)
def update_agency(agency_id: int) -> ResponseReturnValue:
    """Change an agency: any of its fields (its sites replaced by those sent). Audited."""
    data = AgencyChangesIn().load(json_body())
    agency = agencies.update_agency(agency_id, data, actor=actor())
    db.session.commit()
    return AgencyOut().dump(agency)


@api.post(
    INBOUND,
    REFERRER,
    body=InboundIn,
    created=ReferrerInboundOut,
    responses={404: "site_not_found: not a site the referrer's agency refers to"},
)
def refer_household(code: str) -> ResponseReturnValue:
    """Refer a household to a site your agency refers to: their details (given with their
    consent: consent_given must be true), the reason and the urgency. Audited."""
    user = actor()
    site = inbound.referrer_site(code, user)
    data = inbound.NewInbound.from_dict(InboundIn().load(json_body()))
    referral = inbound.refer(site, data, actor=user)
    db.session.commit()
    return referrer_rows([referral])[0], 201


@api.get(INBOUND, STAFF_OR_REFERRER, ok=InboundListOut)
def inbound_referrals(code: str) -> ResponseReturnValue:
    """The site's inbound referrals (its staff): pending first, urgent first; a referrer
    reads only their own agency's referrals to the site, with whether each was taken up."""
    user = actor()
    _, found = inbound.visible_list(user, code)
    if user.role == Role.REFERRER:
        return {"items": referrer_rows(found), "next": None}
    return {"items": InboundOut(many=True).dump(found), "next": None}


@api.post(
    INBOUND + "/<int:referral_id>/accept",
    STAFF,
    body=AcceptIn,
    ok=AcceptedOut,
    responses={
        409: "possible_duplicate (details.membership_number: the member who may be this "
        "household) or referral_decided",
        422: "validation_error: the registration's fields that need correcting",
    },
)
def accept_referral(code: str, referral_id: int) -> ResponseReturnValue:
    """Accept a referral: register the household with the referral's details pre-filled
    (send `registration` with what the desk adds, at least the privacy notice's consent and
    the date of birth if the agency did not give it; the duplicate checks of registration
    run) or match it to a member of the site (`membership_number`). Audited."""
    user = actor()
    site = staff_site(code)
    body = AcceptIn().load(json_body())
    number = body.get("membership_number")
    registration = None
    if not number:
        referral = inbound.get_for_site(site, referral_id, actor=user)
        merged = inbound.merged_registration(referral, body.get("registration") or {})
        registration = MemberIn().load(merged)
    done = inbound.accept(
        site, referral_id, actor=user, registration=registration, membership_number=number
    )
    db.session.commit()
    return {
        "referral": InboundOut().dump(done.referral),
        "membership_number": done.member.membership_number,
        "registered": done.registered,
        "warnings": done.warnings,
    }


@api.post(INBOUND + "/<int:referral_id>/decline", STAFF, body=DeclineIn, ok=InboundOut)
def decline_referral(code: str, referral_id: int) -> ResponseReturnValue:
    """Decline a referral with a reason (required) that the agency reads. Audited."""
    site = staff_site(code)
    data = DeclineIn().load(json_body())
    referral = inbound.decline(site, referral_id, data["reason"], actor=actor())
    db.session.commit()
    return InboundOut().dump(referral)
