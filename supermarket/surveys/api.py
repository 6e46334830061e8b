"""JSON endpoints for the food survey: staff of the member's site only (404 for other sites)."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes, staff_site
from supermarket.auth.web import STAFF, actor
from supermarket.extensions import db
from supermarket.http import json_body
from supermarket.members.models import Member
from supermarket.members.services import get_member
from supermarket.sites.calendar import site_today
from supermarket.surveys import services
from supermarket.surveys.schemas import SCORE_FIELDS, SurveyDueAnswer, SurveyIn, SurveyOut

bp = Blueprint("surveys_api", __name__, url_prefix="/api/v1/sites/<code>/members/<number>/surveys")
TAG = "surveys"
api = ApiRoutes(bp, tag=TAG)


def _member(code: str, number: str) -> Member:
    return get_member(staff_site(code), number, actor=actor())


@api.post("", STAFF, body=SurveyIn, created=SurveyOut)
def record(code: str, number: str) -> ResponseReturnValue:
    """Record a food survey the member answered (201). Site managers get the scores back;
    volunteers get the record without them. 409 no_survey_consent, baseline_exists,
    no_follow_up_due, follow_up_exists; 422 invalid_answers names each item at fault. An
    Idempotency-Key header makes a retry return the first survey; the key sent again with
    another survey (other answers, mode or kind) is refused, 409 key_reused."""
    member = _member(code, number)
    data = SurveyIn().load(json_body())
    assessment = services.record_survey(
        member, data, actor=actor(), key=request.headers.get("Idempotency-Key")
    )
    db.session.commit()
    shown = SurveyOut() if services.can_see_scores(actor()) else SurveyOut(exclude=SCORE_FIELDS)
    return shown.dump(assessment), 201


@api.get("/due", STAFF, ok=SurveyDueAnswer)
def due(code: str, number: str) -> ResponseReturnValue:
    """The food survey due for the member today, or null (no consent, nothing due)."""
    member = _member(code, number)
    return SurveyDueAnswer().dump({"due": services.survey_due(member, site_today(member.site))})
