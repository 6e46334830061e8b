"""JSON endpoints for members: staff of the member's site only (404 for other sites)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, request, send_file
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError

from supermarket.api_routes import PDF, ApiRoutes, staff_site
from supermarket.auth.models import Role
from supermarket.auth.web import MANAGERS, STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body, page_limit
from supermarket.members import pdf, services
from supermarket.members.inputs import MemberChanges
from supermarket.members.models import Member
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
    RegistrationReviewIn,
    RegistrationReviewListOut,
    RenewIn,
    SearchQuery,
)
from supermarket.members.schemas.monitoring import dump_monitoring
from supermarket.members.services import monitoring, privacy

bp = Blueprint("members_api", __name__, url_prefix="/api/v1/sites/<code>/members")
TAG = "members"
api = ApiRoutes(bp, tag=TAG)


def _member(code: str, number: str, *, managers_only: bool = False) -> Member:
    site = staff_site(code)
    return services.get_member(site, number, actor=actor(), managers_only=managers_only)


def _member_out(member: Member) -> dict[str, Any]:
    """MemberOut, with the equality monitoring answers for site managers only."""
    body: dict[str, Any] = MemberOut().dump(member)
    answers = monitoring.answers_for(member, actor())
    if answers is not None:
        body["monitoring"] = dump_monitoring(answers)
    return body


def _optional_body() -> dict[str, Any]:
    """Action endpoints take an optional JSON object."""
    if not request.get_data() and not request.is_json:
        return {}
    return json_body()


def _pdf(data: bytes, name: str) -> ResponseReturnValue:
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@api.get("", STAFF, query=SearchQuery, ok=MemberListOut)
def search(code: str) -> ResponseReturnValue:
    """Search a site's members: exact membership number, name prefix (any case or accent) or
    postcode/district."""
    args = SearchQuery().load({k: v for k, v in request.args.items() if k != "limit"})
    found = services.search_members(
        staff_site(code),
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


@api.post("", STAFF, body=MemberIn, created=RegistrationOut, ok=RegistrationOut)
def register(code: str) -> ResponseReturnValue:
    """Register a household (201); 409 possible_duplicate names the existing member. Where
    the site charges a joining fee, joining_fee says how it was settled (422 naming it when
    missing or wrong); the member and the fee are written together. A tablet that registered
    the household offline sends `offline` and an Idempotency-Key header: 422
    offline_registration_not_allowed where the site does not allow it; a possible duplicate
    is then registered all the same (201), marked for the site manager's review and named in
    warnings (code possible_duplicate); a retry of the key answers 200 with the first
    registration, and the key reused for another registration is 409 idempotency_key_reused."""
    site = staff_site(code)
    data = MemberIn().load(json_body())
    result = services.register_member(
        site, data, actor=actor(), key=request.headers.get("Idempotency-Key")
    )
    body = _member_out(result.member)
    db.session.commit()
    body["warnings"] = result.warnings
    headers = {} if result.created else {"Idempotent-Replayed": "true"}
    return body, 201 if result.created else 200, headers


@api.get("/registration-reviews", MANAGERS, ok=RegistrationReviewListOut)
def registration_reviews(code: str) -> ResponseReturnValue:
    """Households registered offline that may duplicate a member, marked for review (site
    managers): open ones first, then the latest resolved."""
    site = staff_site(code, managers_only=True)
    records = list(db.session.scalars(services.registration_reviews(site, actor=actor())))
    return RegistrationReviewListOut().dump(
        {"items": records, "open": services.open_registration_reviews(site)}
    )


@api.get("/<number>", STAFF, ok=MemberOut)
def detail(code: str, number: str) -> ResponseReturnValue:
    """One member (viewing is audited)."""
    member = services.view_member(staff_site(code), number, actor=actor())
    db.session.commit()
    return _member_out(member)


def _action_body(schema: type[Schema], *, required: bool) -> Any:
    """The body of an action on a member: required, or an optional JSON object (EmptyIn: none
    at all, or {})."""
    if required:
        return schema().load(json_body())
    data = _optional_body()
    if schema is EmptyIn:
        if data:
            raise ValidationError({"_schema": ["This action takes no fields."]})
        return {}
    return schema().load(data)


Change = Callable[..., object]


def _member_change(
    method: str, rule: str, allowed: Sequence[Role], body: type[Schema], *, required: bool = False
) -> Callable[[Change], Change]:
    """An endpoint that changes one member: the member (managers-only where only managers may
    call it), the body through `body`, then the decorated step(member, data, **path args),
    commit, and the member as MemberOut. The step's docstring is the endpoint's summary."""

    def decorate(step: Change) -> Change:
        @wraps(step)
        def view(code: str, number: str, **path: str) -> ResponseReturnValue:
            member = _member(code, number, managers_only=tuple(allowed) == MANAGERS)
            step(member, _action_body(body, required=required), **path)
            db.session.commit()
            return _member_out(member)

        doc = api.route(method, rule, allowed, body=body, body_required=required, ok=MemberOut)
        return doc(view)

    return decorate


@_member_change("PATCH", "/<number>", STAFF, MemberUpdateIn, required=True)
def update(member: Member, changes: MemberChanges) -> None:
    """Change a member's details (volunteers: phone, email and postcode only)."""
    services.update_member(member, changes, actor=actor())


@_member_change("POST", "/<number>/suspend", MANAGERS, ReasonIn, required=True)
def suspend(member: Member, data: dict[str, Any]) -> None:
    """Suspend a membership, with a reason."""
    services.suspend_member(member, data["reason"], actor=actor())


@_member_change("POST", "/<number>/reinstate", MANAGERS, EmptyIn)
def reinstate(member: Member, _: dict[str, Any]) -> None:
    """Lift a suspension."""
    services.reinstate_member(member, actor=actor())


@_member_change("POST", "/<number>/renew", MANAGERS, RenewIn)
def renew(member: Member, data: dict[str, Any]) -> None:
    """Extend the membership by the site's term and start a new review interval; where the
    site takes its joining fee again at renewal, joining_fee says how it was settled."""
    services.renew_member(member, actor=actor(), fee=data["joining_fee"])


@_member_change("POST", "/<number>/review", MANAGERS, EmptyIn)
def review(member: Member, _: dict[str, Any]) -> None:
    """Record that the membership was reviewed today."""
    services.record_review(member, actor=actor())


@_member_change(
    "POST", "/<number>/registration-review", MANAGERS, RegistrationReviewIn, required=True
)
def resolve_registration_review(member: Member, data: dict[str, Any]) -> None:
    """Decide on a household registered offline that may be a duplicate: keep it as a
    separate household, close it as a duplicate with a note (never merged), or add a note."""
    services.resolve_registration_review(
        member.site, member.membership_number, data["action"], data["note"], actor=actor()
    )


@_member_change("POST", "/<number>/admit", MANAGERS, EmptyIn)
def admit(member: Member, _: dict[str, Any]) -> None:
    """Give a household on the waiting list its place."""
    services.admit_from_waiting_list(member, actor=actor())


@_member_change("POST", "/<number>/close", MANAGERS, OptionalReasonIn)
def close(member: Member, data: dict[str, Any]) -> None:
    """Close a membership."""
    services.close_member(member, data["reason"], actor=actor())


@_member_change("POST", "/<number>/consents/<kind>", STAFF, ConsentChangeIn)
def give_consent(member: Member, data: dict[str, Any], kind: str) -> None:
    """Record a consent the member gives (survey, contact)."""
    services.give_consent(member, kind, data["method"], actor=actor())


@_member_change("POST", "/<number>/consents/<kind>/withdraw", STAFF, ConsentChangeIn)
def withdraw_consent(member: Member, data: dict[str, Any], kind: str) -> None:
    """Withdraw a consent (survey, contact) in one action."""
    services.withdraw_consent(member, kind, data["method"], actor=actor())


@api.get("/<number>/card.pdf", STAFF, responses=PDF)
def card(code: str, number: str) -> ResponseReturnValue:
    """The membership card, credit-card size; its codes hold only the number."""
    site = staff_site(code)
    member = services.card_for(site, number, actor=actor())
    db.session.commit()
    return _pdf(pdf.card_pdf(member, site), f"card-{member.membership_number}.pdf")


@api.get("/cards.pdf", STAFF, query=CardsQuery, responses=PDF)
def cards(code: str) -> ResponseReturnValue:
    """An A4 sheet of cards (8 a page): ?number=...&number=... or ?registered_on=YYYY-MM-DD."""
    site = staff_site(code)
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


@api.get("/<number>/export", MANAGERS, ok=MemberExportOut)
def export(code: str, number: str) -> ResponseReturnValue:
    """Subject access: everything held about the member, from every table (audited)."""
    data = privacy.export_member(staff_site(code), number, actor=actor())
    db.session.commit()
    return data


@api.get("/<number>/export.pdf", MANAGERS, responses=PDF)
def export_pdf(code: str, number: str) -> ResponseReturnValue:
    """Subject access as a PDF (audited)."""
    data = privacy.export_member(staff_site(code), number, actor=actor())
    db.session.commit()
    return _pdf(pdf.export_pdf(data), f"member-data-{number}.pdf")


@api.post("/<number>/anonymise", MANAGERS, body=EmptyIn, body_required=False, ok=AnonymisedOut)
def anonymise(code: str, number: str) -> ResponseReturnValue:
    """Erase the member: personal fields cleared for good, statistics kept (audited)."""
    _action_body(EmptyIn, required=False)
    member = privacy.anonymise_member(staff_site(code), number, actor=actor())
    db.session.commit()
    return AnonymisedOut().dump(member)


from supermarket.members import api_access  # noqa: E402, F401  (its routes are on bp)
