"""Visit input validation and output shapes, for the staff of the site where the visit was."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from supermarket.inputs import Int, Str, limit_field
from supermarket.members.identifiers import display_number
from supermarket.members.models import DIETARY_LABELS, MemberStatus
from supermarket.members.schemas import HouseholdOut, Text
from supermarket.members.schemas.output import MembershipFeeOut
from supermarket.serialise import Computed, ObjectOut, PageOut
from supermarket.sites.schemas import BandOut
from supermarket.sites.settings import PAYMENT_MODELS, WEEKLY_SHOP
from supermarket.support.schemas import PromptOut
from supermarket.visits.anonymous import MAX_COUNT
from supermarket.visits.models import DESK_METHODS, PaymentMethod, ReviewStatus, Rule
from supermarket.visits.services import CheckIn, Panel, Problem
from supermarket.visits.services.anonymous import AnonymousRequest
from supermarket.visits.services.requests import (
    MAX_AMOUNT_PENCE,
    MAX_BAND_ITEMS,
    CheckInRequest,
    Line,
    Offline,
    Payment,
)
from supermarket.visits.services.stock_link import MAX_LINES
from supermarket.visits.services.visit_types import TypeOffer

BAND_NAME = validate.Regexp(r"^[a-z][a-z0-9_]{0,19}$", error="Use the band's name, e.g. red.")


# --- input ----------------------------------------------------------------------------------


class PaymentIn(Schema):
    method = Str(
        load_default=PaymentMethod.CASH.value,
        validate=validate.OneOf([m.value for m in DESK_METHODS]),
        metadata={
            "description": "cash, card or waived (waived needs a reason). Visit types paid by "
            "membership, pay-as-you-feel or points record their own method (membership, "
            "pay_as_you_feel, points; free when nothing is due)."
        },
    )
    amount_pence = Int(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_AMOUNT_PENCE),
        metadata={
            "description": "What was paid; the fee when left out. Another amount needs a "
            "reason. Pay as you feel: any amount, nothing when left out, no reason. Membership "
            "fee due: the membership fee, taken with the check-in. Points: none."
        },
    )
    reason = Text(max_length=200, load_default="")

    @post_load
    def _payment(self, data: dict[str, Any], **_: Any) -> Payment:
        return Payment(**data)


class LineIn(Schema):
    sku = Str(required=True, validate=validate.Length(min=1, max=40))
    quantity = Int(required=True, strict=True, validate=validate.Range(min=1, max=100))

    @post_load
    def _line(self, data: dict[str, Any], **_: Any) -> Line:
        return Line(**data)


class OfflineIn(Schema):
    """When and on which enrolled tablet an offline check-in was recorded."""

    recorded_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "When the tablet recorded it (ISO 8601 with its offset)"},
    )
    device = Str(load_default="", validate=validate.Length(max=100))

    @post_load
    def _offline(self, data: dict[str, Any], **_: Any) -> Offline:
        return Offline(**data)


class CheckInIn(Schema):
    """A check-in: the member, and either band counts or scanned products (or both)."""

    membership_number = Str(required=True, validate=validate.Length(min=1, max=32))
    basket = fields.Dict(
        keys=Str(validate=BAND_NAME),
        values=Int(strict=True, validate=validate.Range(min=0, max=MAX_BAND_ITEMS)),
        load_default=dict,
        metadata={"description": 'Items per allowance band, e.g. {"red": 2, "blue": 8}'},
    )
    lines = fields.List(
        fields.Nested(LineIn),
        load_default=list,
        validate=validate.Length(max=MAX_LINES),
        metadata={"description": "Products scanned one by one; issued from stock"},
    )
    payment = fields.Nested(PaymentIn, load_default=None, allow_none=True)
    override_reason = Text(
        max_length=200,
        load_default="",
        allow_none=True,
        metadata={"description": "Needed to go past a rule that may be overridden"},
    )
    offline = fields.Nested(
        OfflineIn,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Sent by a tablet syncing a check-in it recorded offline: the rules "
            "apply as of recorded_at, and a rule that would refuse marks the visit for review "
            "instead"
        },
    )

    visit_type = Str(
        load_default=WEEKLY_SHOP,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="Use one of the site's types."),
        metadata={
            "description": "The site's visit type (its settings' visit_types), e.g. "
            "emergency_parcel; the weekly shop when left out"
        },
    )
    proxy = Int(
        strict=True,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The id of the member's proxy who collects for them (the panel's "
            "proxies); the visit is the member's, under the same limits"
        },
    )

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> CheckInRequest:
        return CheckInRequest(
            membership_number=data["membership_number"],
            basket=data["basket"],
            lines=tuple(data["lines"]),
            payment=data["payment"],
            override_reason=data["override_reason"] or "",
            offline=data["offline"],
            visit_type=data["visit_type"],
            proxy_id=data["proxy"],
        )


class DayQuery(Schema):
    date = fields.Date(load_default=None, metadata={"description": "YYYY-MM-DD; today if left out"})
    cursor = Str(load_default=None)
    limit = limit_field()


class PageQuery(Schema):
    cursor = Str(load_default=None)
    limit = limit_field()


class VoidIn(Schema):
    reason = Text(max_length=200, required=True, validate=validate.Length(min=1))


class ReviewIn(Schema):
    """A site manager's decision on a visit marked for review."""

    action = Str(
        required=True,
        validate=validate.OneOf(["accept", "note", "void"]),
        metadata={"description": "accept, note (keeps it open) or void (the note is the reason)"},
    )
    note = Text(max_length=500, load_default="")


# --- output ---------------------------------------------------------------------------------


class VisitLineOut(Schema):
    sku = fields.String()
    name = fields.String()
    band = fields.String()
    quantity = fields.Integer()
    reference_price_pence = fields.Integer()


class OfflineOut(Schema):
    recorded_at = fields.DateTime()
    device = fields.String(allow_none=True)


class ReviewOut(Schema):
    status = fields.String(metadata={"enum": [r.value for r in ReviewStatus]})
    reason_code = fields.String(metadata={"description": "The code of the rule that would refuse"})
    reason = fields.String()
    note = fields.String()


class VisitOut(ObjectOut):
    """A visit as its site's staff see it."""

    id = fields.Integer()
    site = fields.String(attribute="site.code")
    membership_number = fields.String(attribute="member.membership_number")
    display_number = Computed(lambda v: display_number(v.member.membership_number), fields.String())
    first_name = fields.String(attribute="member.first_name")
    local_date = fields.Date()
    visited_at = fields.DateTime()
    week = fields.String(attribute="week_key")
    visit_type = fields.String(metadata={"description": "The site's visit type, e.g. weekly_shop"})
    household = fields.Nested(
        HouseholdOut, metadata={"description": "The household when it shopped"}
    )
    tier = fields.String()
    basket = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Items per band, typed and scanned"},
    )
    items = fields.Integer()
    lines = fields.List(fields.Nested(VisitLineOut))
    fee_pence = fields.Integer()
    payment_method = fields.String()
    amount_paid_pence = fields.Integer()
    payment_reason = fields.String()
    retail_value_pence = fields.Integer()
    savings_pence = fields.Integer()
    payment_model = fields.String(metadata={"enum": list(PAYMENT_MODELS)})
    points_spent = fields.Integer(metadata={"description": "Points the basket cost (points)"})
    overridden_rules = fields.List(fields.String())
    override_reason = fields.String()
    session_id = fields.Integer(allow_none=True)
    proxy = fields.Integer(
        attribute="proxy_id",
        allow_none=True,
        metadata={"description": "The member's proxy who collected; null: the member"},
    )
    voided = fields.Boolean(attribute="is_voided")
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String()
    offline = fields.Nested(
        OfflineOut,
        allow_none=True,
        metadata={"description": "When and on which tablet it was recorded offline"},
    )
    review = fields.Nested(
        ReviewOut,
        allow_none=True,
        metadata={"description": "An offline check-in a rule would have refused"},
    )


class ReviewedVisitOut(VisitOut):
    """A visit marked for review, with who reviewed it and when."""

    reviewed_by = fields.String(attribute="reviewed_by.name", allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)


class ReviewListOut(Schema):
    items = fields.List(fields.Nested(ReviewedVisitOut))
    open = fields.Integer(metadata={"description": "How many wait for review"})


class CheckInExtraOut(ObjectOut):
    visits_left_this_week = fields.Integer(attribute="visits_left")
    next_visit_from = fields.Date(allow_none=True)
    replayed = Computed(
        lambda r: not r.created,
        fields.Boolean(),
        metadata={"description": "True when this answers a retry of an earlier Idempotency-Key"},
    )


class CheckInOut(VisitOut, CheckInExtraOut):
    """The visit created (201) or the first visit made with the same Idempotency-Key (200)."""


_VISIT_OUT = VisitOut()
_EXTRA_OUT = CheckInExtraOut()


def checkin_body(result: CheckIn) -> dict[str, Any]:
    """The check-in answer: the visit and the member's visits left (schemas built once)."""
    # A created visit is dumped from the row check-in inserted, read as a Visit would be.
    visit = result.row if result.row is not None else result.visit
    body: dict[str, Any] = _VISIT_OUT.dump(visit)
    body.update(_EXTRA_OUT.dump(result))
    return body


class VisitListOut(PageOut):
    items = fields.List(fields.Nested(VisitOut))


class OverBandOut(Schema):
    items = fields.Integer()
    limit = fields.Integer()


class ProblemOut(Schema):
    """A rule in the way of a check-in; some carry what the desk needs to explain it."""

    code = fields.String(metadata={"enum": [r.value for r in Rule]})
    message = fields.String()
    overridable = fields.Boolean()
    expires_on = fields.String(
        allow_none=True, metadata={"format": "date", "description": "membership_expired"}
    )
    next_visit_from = fields.String(
        metadata={"format": "date", "description": "visit_limit_reached"}
    )
    bands = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(OverBandOut),
        metadata={"description": "allowance_exceeded: the bands over their limit"},
    )
    home_site = fields.String(metadata={"description": "not_allowed_at_this_site"})
    visit_type = fields.String(
        metadata={"description": "visit_limit_reached: the visit type whose rule it is"}
    )


class NoticeOut(Schema):
    kind = fields.String(metadata={"description": "survey (links to the survey), or due"})
    text = fields.String()


class PanelPointsOut(Schema):
    balance = fields.Integer(metadata={"description": "Points held before today's visit"})
    carried_over = fields.Integer(metadata={"description": "Of them, kept (up to the cap)"})
    expiring = fields.Integer(metadata={"description": "Of them, over the cap: they expire"})
    credit = fields.Integer(metadata={"description": "Points this visit gives"})
    available = fields.Integer(metadata={"description": "What today's basket may cost"})
    carry_over_cap = fields.Integer()


class PanelMembershipFeeOut(Schema):
    fee_pence = fields.Integer()
    period = fields.String(metadata={"enum": ["annual", "termly"]})
    covered_until = fields.Date(allow_none=True)
    covers_today = fields.Boolean()


class PanelPaymentOut(Schema):
    model = fields.String(metadata={"enum": list(PAYMENT_MODELS)})
    points = fields.Nested(PanelPointsOut, allow_none=True)
    membership_fee = fields.Nested(PanelMembershipFeeOut, allow_none=True)


def _bands(panel: Panel) -> list[dict[str, Any]]:
    allowance = panel.allowance
    return [
        {"name": band, "limit": limit, "average_value_pence": allowance.average_values[band]}
        for band, limit in allowance.limits.items()
    ]


def _problem(problem: Problem) -> dict[str, Any]:
    return problem.as_dict()


class VisitTypeOfferOut(Schema):
    """One of the site's visit types and what it allows the household today."""

    key = fields.String()
    label = fields.String()
    frequency = fields.String()
    allowed = fields.Boolean(metadata={"description": "No rule is in the way today"})
    visits_left = fields.Integer(allow_none=True, metadata={"description": "null: no limit"})
    next_visit_from = fields.Date(allow_none=True, metadata={"description": "When none is left"})
    fee_pence = fields.Integer()
    parcel = fields.String(allow_none=True, metadata={"description": "A fixed parcel: no basket"})
    bands = fields.List(
        fields.Nested(BandOut), allow_none=True, metadata={"description": "null for a parcel"}
    )
    members_only = fields.Boolean()
    counts_toward_weekly = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemOut))


def _offer(offer: TypeOffer) -> dict[str, Any]:
    vt, allowance = offer.visit_type, offer.allowance
    bands = [
        {"name": band, "limit": limit, "average_value_pence": allowance.average_values[band]}
        for band, limit in allowance.limits.items()
    ]
    return {
        "key": vt.key,
        "label": vt.label,
        "frequency": vt.frequency,
        "allowed": offer.allowed,
        "visits_left": offer.state.left,
        "next_visit_from": offer.state.next_from,
        "fee_pence": allowance.fee_pence,
        "parcel": vt.parcel or None,
        "bands": None if vt.parcel else bands,
        "members_only": vt.members_only,
        "counts_toward_weekly": vt.counts_toward_weekly,
        "problems": [p.as_dict() for p in offer.problems],
    }


class PanelProxyOut(Schema):
    """Someone who may collect for the member (no phone at the door)."""

    id = fields.Integer()
    name = fields.String()
    relationship = fields.String()


class PanelOut(Schema):
    """The check-in desk's view of a member: who, what they may take, what is in the way."""

    membership_number = fields.String(attribute="member.membership_number")
    display_number = Computed(lambda p: display_number(p.member.membership_number), fields.String())
    first_name = fields.String(attribute="member.first_name")
    household = Computed(
        lambda p: {**p.member.household, "people": p.member.household_size},
        fields.Nested(HouseholdOut),
    )
    status = Computed(
        lambda p: p.member.status_on(p.today).value,
        fields.String(metadata={"enum": [s.value for s in MemberStatus]}),
    )
    status_label = Computed(
        lambda p: MemberStatus(p.member.status_on(p.today)).label, fields.String()
    )
    home_site = Computed(
        lambda p: p.home_site.code if p.home_site else None,
        fields.String(allow_none=True),
        metadata={"description": "The member's own site, when it is another one"},
    )
    expires_on = fields.Date(attribute="member.expires_on", allow_none=True)
    review_due_on = fields.Date(attribute="member.review_due_on", allow_none=True)
    dietary = Computed(
        lambda p: [DIETARY_LABELS.get(d, d) for d in p.member.dietary],
        fields.List(fields.String()),
    )
    dietary_notes = fields.String(attribute="member.dietary_notes")
    visits_per_week = fields.Integer(attribute="limit.limit")
    visits_left_this_week = fields.Integer(attribute="limit.left")
    next_visit_from = fields.Date(
        attribute="limit.next_visit_from",
        allow_none=True,
        metadata={"description": "When the visits this week are used up"},
    )
    tier = fields.String(attribute="allowance.tier")
    fee_pence = fields.Integer(attribute="allowance.fee_pence")
    bands = Computed(_bands, fields.List(fields.Nested(BandOut)))
    problems = Computed(
        lambda p: [_problem(x) for x in p.problems], fields.List(fields.Nested(ProblemOut))
    )
    notices = fields.List(fields.Nested(NoticeOut))
    visit_types = Computed(
        lambda p: [_offer(o) for o in p.offers],
        fields.List(fields.Nested(VisitTypeOfferOut)),
        metadata={"description": "Each of the site's visit types and what it allows today"},
    )
    payment = fields.Nested(
        PanelPaymentOut,
        metadata={"description": "How today's visit is paid: the model, points, membership fee"},
    )
    can_override = fields.Boolean()
    override_reasons = fields.List(fields.String())
    door_note = Computed(
        lambda p: p.access.note if p.access else "",
        fields.String(),
        metadata={
            "description": "The note for the door this user may see (a sensitive one "
            "only at the member's own site)"
        },
    )
    door_note_sensitive = Computed(
        lambda p: bool(p.access and p.access.sensitive), fields.Boolean()
    )
    proxies = Computed(
        lambda p: p.access.proxies if p.access else [],
        fields.List(fields.Nested(PanelProxyOut)),
        metadata={"description": "Who may collect for the member: send one's id as `proxy`"},
    )
    prompts = fields.List(
        fields.Nested(PromptOut),
        metadata={
            "description": "For the volunteer: Healthy Start or advice services worth "
            "mentioning, each with the site's services that act on it (the site's own "
            "members only)"
        },
    )


class MembershipFeeTakenOut(MembershipFeeOut):
    """A membership fee taken at the desk, and the last day it covers."""

    covers_until = fields.Date()


# --- anonymous visits: the household's counts, never anything personal -----------------------
def _count(default: int, words: str) -> Int:
    return Int(
        load_default=default,
        strict=True,
        validate=validate.Range(min=0, max=MAX_COUNT),
        metadata={"description": words},
    )


class AnonymousVisitIn(Schema):
    """A parcel given without registering: the household's counts only."""

    visit_type = Str(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={
            "description": "A visit type of the site's that non-members may have; may be left "
            "out when the site has only one"
        },
    )
    adults = _count(1, "Adults (18 and over)")
    children_0_4 = _count(0, "Children aged 0 to 4")
    children_5_11 = _count(0, "Children aged 5 to 11")
    children_12_17 = _count(0, "Children aged 12 to 17")
    payment = fields.Nested(
        PaymentIn,
        load_default=None,
        metadata={"description": "Left out: the type's fee (usually nothing), in cash"},
    )
    retail_value_pence = Int(
        load_default=0,
        strict=True,
        validate=validate.Range(min=0, max=MAX_AMOUNT_PENCE),
        metadata={"description": "What the parcel would cost in the shops, if known"},
    )

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> AnonymousRequest:
        return AnonymousRequest(**data)


class AnonymousRangeQuery(Schema):
    from_ = fields.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "YYYY-MM-DD; today if left out"},
    )
    to = fields.Date(load_default=None, metadata={"description": "YYYY-MM-DD; `from` if left out"})
    cursor = Str(load_default=None)
    limit = limit_field()


class AnonymousVisitOut(Schema):
    """An anonymous visit as its site's staff see it: counts, type and payment."""

    id = fields.Integer()
    site = fields.String(attribute="site.code")
    local_date = fields.Date()
    visited_at = fields.DateTime()
    visit_type = fields.String()
    household = fields.Nested(HouseholdOut)
    fee_pence = fields.Integer()
    payment_method = fields.String()
    amount_paid_pence = fields.Integer()
    payment_reason = fields.String()
    retail_value_pence = fields.Integer()
    voided = fields.Boolean(attribute="is_voided")
    void_reason = fields.String()


class AnonymousVisitListOut(PageOut):
    items = fields.List(fields.Nested(AnonymousVisitOut))
