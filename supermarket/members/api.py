"""JSON endpoints for members: staff of the member's site only (404 for other sites)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, request, send_file
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from supermarket.auth.access import site_for_staff
from supermarket.auth.web import MANAGERS, STAFF, actor, roles
from supermarket.extensions import db
from supermarket.http import api_doc, json_body, page_limit
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


@bp.get("")
@roles(*STAFF)
@api_doc(
    "Search a site's members: exact membership number, name prefix (any case or accent) "
    "or postcode/district.",
    query=SearchQuery,
    responses={200: MemberListOut},
    tag=TAG,
)
def search(code: str) -> ResponseReturnValue:
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


@bp.post("")
@roles(*STAFF)
@api_doc(
    "Register a household (201); 409 possible_duplicate names the existing member.",
    body=MemberIn,
    responses={201: RegistrationOut},
    tag=TAG,
)
def register(code: str) -> ResponseReturnValue:
    site = _site(code)
    data = MemberIn().load(json_body())
    result = services.register_member(site, data, actor=actor())
    db.session.commit()
    body = MemberOut().dump(result.member)
    body["warnings"] = result.warnings
    return body, 201


@bp.get("/<number>")
@roles(*STAFF)
@api_doc("One member (viewing is audited).", responses={200: MemberOut}, tag=TAG)
def detail(code: str, number: str) -> ResponseReturnValue:
    member = services.view_member(_site(code), number, actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


@bp.patch("/<number>")
@roles(*STAFF)
@api_doc(
    "Change a member's details (volunteers: phone, email and postcode only).",
    body=MemberUpdateIn,
    responses={200: MemberOut},
    tag=TAG,
)
def update(code: str, number: str) -> ResponseReturnValue:
    member = _member(code, number)
    changes = MemberUpdateIn().load(json_body())
    services.update_member(member, changes, actor=actor())
    db.session.commit()
    return MemberOut().dump(member)


@bp.post("/<number>/suspend")
@roles(*MANAGERS)
@api_doc("Suspend a membership, with a reason.", body=ReasonIn, responses={200: MemberOut}, tag=TAG)
def suspend(code: str, number: str) -> ResponseReturnValue:
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


@bp.post("/<number>/reinstate")
@roles(*MANAGERS)
@api_doc(
    "Lift a suspension.", body=EmptyIn, body_required=False, responses={200: MemberOut}, tag=TAG
)
def reinstate(code: str, number: str) -> ResponseReturnValue:
    return _simple_action(code, number, services.reinstate_member)


@bp.post("/<number>/renew")
@roles(*MANAGERS)
@api_doc(
    "Extend the membership by the site's term and start a new review interval.",
    body=EmptyIn,
    body_required=False,
    responses={200: MemberOut},
    tag=TAG,
)
def renew(code: str, number: str) -> ResponseReturnValue:
    return _simple_action(code, number, services.renew_member)


@bp.post("/<number>/review")
@roles(*MANAGERS)
@api_doc(
    "Record that the membership was reviewed today.",
    body=EmptyIn,
    body_required=False,
    responses={200: MemberOut},
    tag=TAG,
)
def review(code: str, number: str) -> ResponseReturnValue:
    return _simple_action(code, number, services.record_review)


@bp.post("/<number>/admit")
@roles(*MANAGERS)
@api_doc(
    "Give a household on the waiting list its place.",
    body=EmptyIn,
    body_required=False,
    responses={200: MemberOut},
    tag=TAG,
)
def admit(code: str, number: str) -> ResponseReturnValue:
    return _simple_action(code, number, services.admit_from_waiting_list)


@bp.post("/<number>/close")
@roles(*MANAGERS)
@api_doc(
    "Close a membership.",
    body=OptionalReasonIn,
    body_required=False,
    responses={200: MemberOut},
    tag=TAG,
)
def close(code: str, number: str) -> ResponseReturnValue:
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


@bp.post("/<number>/consents/<kind>")
@roles(*STAFF)
@api_doc(
    "Record a consent the member gives (survey, contact).",
    body=ConsentChangeIn,
    body_required=False,
    responses={200: MemberOut},
    tag=TAG,
)
def give_consent(code: str, number: str, kind: str) -> ResponseReturnValue:
    return _consent_change(code, number, kind, services.give_consent)


@bp.post("/<number>/consents/<kind>/withdraw")
@roles(*STAFF)
@api_doc(
    "Withdraw a consent (survey, contact) in one action.",
    body=ConsentChangeIn,
    body_required=False,
    responses={200: MemberOut},
    tag=TAG,
)
def withdraw_consent(code: str, number: str, kind: str) -> ResponseReturnValue:
    return _consent_change(code, number, kind, services.withdraw_consent)


@bp.get("/<number>/card.pdf")
@roles(*STAFF)
@api_doc(
    "The membership card, credit-card size; its codes hold only the number.",
    responses={200: "application/pdf"},
    tag=TAG,
)
def card(code: str, number: str) -> ResponseReturnValue:
    site = _site(code)
    member = services.card_for(site, number, actor=actor())
    db.session.commit()
    return _pdf(pdf.card_pdf(member, site), f"card-{member.membership_number}.pdf")


@bp.get("/cards.pdf")
@roles(*STAFF)
@api_doc(
    "An A4 sheet of cards (8 a page): ?number=...&number=... or ?registered_on=YYYY-MM-DD.",
    query=CardsQuery,
    responses={200: "application/pdf"},
    tag=TAG,
)
def cards(code: str) -> ResponseReturnValue:
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


@bp.get("/<number>/export")
@roles(*MANAGERS)
@api_doc(
    "Subject access: everything held about the member, from every table (audited).",
    responses={200: MemberExportOut},
    tag=TAG,
)
def export(code: str, number: str) -> ResponseReturnValue:
    data = privacy.export_member(_site(code), number, actor=actor())
    db.session.commit()
    return data


@bp.get("/<number>/export.pdf")
@roles(*MANAGERS)
@api_doc("Subject access as a PDF (audited).", responses={200: "application/pdf"}, tag=TAG)
def export_pdf(code: str, number: str) -> ResponseReturnValue:
    data = privacy.export_member(_site(code), number, actor=actor())
    db.session.commit()
    return _pdf(pdf.export_pdf(data), f"member-data-{number}.pdf")


@bp.post("/<number>/anonymise")
@roles(*MANAGERS)
@api_doc(
    "Erase the member: personal fields cleared for good, statistics kept (audited).",
    body=EmptyIn,
    body_required=False,
    responses={200: AnonymisedOut},
    tag=TAG,
)
def anonymise(code: str, number: str) -> ResponseReturnValue:
    if _optional_body():
        raise ValidationError({"_schema": ["This action takes no fields."]})
    member = privacy.anonymise_member(_site(code), number, actor=actor())
    db.session.commit()
    return AnonymisedOut().dump(member)
