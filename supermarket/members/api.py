"""JSON endpoints for members: staff of the member's site only (404 for other sites)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, request, send_file
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from supermarket.api_routes import ApiRoutes
from supermarket.auth.access import site_for_staff
from supermarket.auth.web import MANAGERS, STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body, page_limit
from supermarket.members import pdf, services
from supermarket.members.models import Member, MemberConsent
from supermarket.members.schemas import (
    AnonymisedOut,
    CardsQuery,
    ConsentChangeIn,
    EmptyIn,
    MemberExportOut,
    MemberIn,
    MemberListOut,
    MemberOut,
    MemberSummaryOut,
    MemberUpdateIn,
    OptionalReasonIn,
    ReasonIn,
    RegistrationOut,
    SearchQuery,
)
from supermarket.members.services import privacy
from supermarket.sites.models import Site

bp = Blueprint("members_api", __name__, url_prefix="/api/v1/sites/<code>/members")
TAG = "members"
api = ApiRoutes(bp, tag=TAG)


def _site(code: str, *, managers_only: bool = False) -> Site:
    return site_for_staff(code, actor(), managers_only=managers_only)


def _member(code: str, number: str, *, managers_only: bool = False) -> Member:
    site = _site(code)
    return services.get_member(site, number, actor=actor(), managers_only=managers_only)


def _optional_body() -> dict[str, Any]:
    """Action endpoints take an optional JSON object."""
    if not request.get_data() and not request.is_json:
        return {}
    return json_body()


def _pdf(data: bytes, name: str) -> ResponseReturnValue:
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@api.route("GET", "", STAFF, query=SearchQuery, responses={200: MemberListOut})
def search(code: str) -> ResponseReturnValue:
    """Search a site's members: exact membership number, name prefix (any case or accent) or
    postcode/district."""
    args = SearchQuery().load({k: v for k, v in request.args.items() if k != "limit"})
    found = services.search_members(
        _site(code),
        args["q"],
        actor=actor(),
        status=args["status"],
        limit=page_limit(),
        cursor=args["cursor"],
    )
    return {
        "items": MemberSummaryOut(many=True).dump(found.items),
        "next": found.next,
        "hint": found.hint,
    }


@api.route("POST", "", STAFF, body=MemberIn, responses={201: RegistrationOut})
def register(code: str) -> ResponseReturnValue:
    """Register a household (201); 409 possible_duplicate names the existing member."""
    site = _site(code)
    data = MemberIn().load(json_body())
    result = services.register_member(site, data, actor=actor())
    db.session.commit()
    body = MemberOut().dump(result.member)
    body["warnings"] = result.warnings
    return body, 201


@api.route("GET", "/<number>", STAFF, responses={200: MemberOut})
def detail(code: str, number: str) -> ResponseReturnValue:
    """One member (viewing is audited)."""
    member = services.view_member(_site(code), number, actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


@api.route("PATCH", "/<number>", STAFF, body=MemberUpdateIn, responses={200: MemberOut})
def update(code: str, number: str) -> ResponseReturnValue:
    """Change a member's details (volunteers: phone, email and postcode only)."""
    member = _member(code, number)
    changes = MemberUpdateIn().load(json_body())
    services.update_member(member, changes, actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


@api.route("POST", "/<number>/suspend", MANAGERS, body=ReasonIn, responses={200: MemberOut})
def suspend(code: str, number: str) -> ResponseReturnValue:
    """Suspend a membership, with a reason."""
    member = _member(code, number, managers_only=True)
    data = ReasonIn().load(json_body())
    services.suspend_member(member, data["reason"], actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


def _simple_action(code: str, number: str, action: Any) -> ResponseReturnValue:
    member = _member(code, number, managers_only=True)
    if _optional_body():
        raise ValidationError({"_schema": ["This action takes no fields."]})
    action(member, actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


@api.route(
    "POST",
    "/<number>/reinstate",
    MANAGERS,
    body=EmptyIn,
    body_required=False,
    responses={200: MemberOut},
)
def reinstate(code: str, number: str) -> ResponseReturnValue:
    """Lift a suspension."""
    return _simple_action(code, number, services.reinstate_member)


@api.route(
    "POST",
    "/<number>/renew",
    MANAGERS,
    body=EmptyIn,
    body_required=False,
    responses={200: MemberOut},
)
def renew(code: str, number: str) -> ResponseReturnValue:
    """Extend the membership by the site's term and start a new review interval."""
    return _simple_action(code, number, services.renew_member)


@api.route(
    "POST",
    "/<number>/review",
    MANAGERS,
    body=EmptyIn,
    body_required=False,
    responses={200: MemberOut},
)
def review(code: str, number: str) -> ResponseReturnValue:
    """Record that the membership was reviewed today."""
    return _simple_action(code, number, services.record_review)


@api.route(
    "POST",
    "/<number>/admit",
    MANAGERS,
    body=EmptyIn,
    body_required=False,
    responses={200: MemberOut},
)
def admit(code: str, number: str) -> ResponseReturnValue:
    """Give a household on the waiting list its place."""
    return _simple_action(code, number, services.admit_from_waiting_list)


@api.route(
    "POST",
    "/<number>/close",
    MANAGERS,
    body=OptionalReasonIn,
    body_required=False,
    responses={200: MemberOut},
)
def close(code: str, number: str) -> ResponseReturnValue:
    """Close a membership."""
    member = _member(code, number, managers_only=True)
    data = OptionalReasonIn().load(_optional_body())
    services.close_member(member, data["reason"], actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


def _consent_change(
    code: str, number: str, kind: str, change: Callable[..., MemberConsent]
) -> ResponseReturnValue:
    member = _member(code, number)
    data = ConsentChangeIn().load(_optional_body())
    change(member, kind, data["method"], actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


@api.route(
    "POST",
    "/<number>/consents/<kind>",
    STAFF,
    body=ConsentChangeIn,
    body_required=False,
    responses={200: MemberOut},
)
def give_consent(code: str, number: str, kind: str) -> ResponseReturnValue:
    """Record a consent the member gives (survey, contact)."""
    return _consent_change(code, number, kind, services.give_consent)


@api.route(
    "POST",
    "/<number>/consents/<kind>/withdraw",
    STAFF,
    body=ConsentChangeIn,
    body_required=False,
    responses={200: MemberOut},
)
def withdraw_consent(code: str, number: str, kind: str) -> ResponseReturnValue:
    """Withdraw a consent (survey, contact) in one action."""
    return _consent_change(code, number, kind, services.withdraw_consent)


@api.route("GET", "/<number>/card.pdf", STAFF, responses={200: "application/pdf"})
def card(code: str, number: str) -> ResponseReturnValue:
    """The membership card, credit-card size; its codes hold only the number."""
    site = _site(code)
    member = services.card_for(site, number, actor=actor())
    db.session.commit()
    return _pdf(pdf.card_pdf(member, site), f"card-{member.membership_number}.pdf")


@api.route("GET", "/cards.pdf", STAFF, query=CardsQuery, responses={200: "application/pdf"})
def cards(code: str) -> ResponseReturnValue:
    """An A4 sheet of cards (8 a page): ?number=...&number=... or ?registered_on=YYYY-MM-DD."""
    site = _site(code)
    day = request.args.get("registered_on")
    try:
        registered_on = date.fromisoformat(day) if day else None
    except ValueError:
        raise ValidationError({"registered_on": ["Use YYYY-MM-DD."]}) from None
    members = services.members_for_cards(
        site, actor=actor(), numbers=request.args.getlist("number"), registered_on=registered_on
    )
    db.session.commit()
    return _pdf(pdf.card_sheet_pdf(members, site), "cards.pdf")


@api.route("GET", "/<number>/export", MANAGERS, responses={200: MemberExportOut})
def export(code: str, number: str) -> ResponseReturnValue:
    """Subject access: everything held about the member, from every table (audited)."""
    data = privacy.export_member(_site(code), number, actor=actor())
    db.session.commit()
    return data


@api.route("GET", "/<number>/export.pdf", MANAGERS, responses={200: "application/pdf"})
def export_pdf(code: str, number: str) -> ResponseReturnValue:
    """Subject access as a PDF (audited)."""
    data = privacy.export_member(_site(code), number, actor=actor())
    db.session.commit()
    return _pdf(pdf.export_pdf(data), f"member-data-{number}.pdf")


@api.route(
    "POST",
    "/<number>/anonymise",
    MANAGERS,
    body=EmptyIn,
    body_required=False,
    responses={200: AnonymisedOut},
)
def anonymise(code: str, number: str) -> ResponseReturnValue:
    """Erase the member: personal fields cleared for good, statistics kept (audited)."""
    if _optional_body():
        raise ValidationError({"_schema": ["This action takes no fields."]})
    member = privacy.anonymise_member(_site(code), number, actor=actor())
    db.session.commit()
    return AnonymisedOut().dump(member)
