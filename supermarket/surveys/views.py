"""The tablet survey (one question a screen, never a score) and the site manager's survey page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth.redirects import safe_next
from supermarket.auth.web import MANAGERS, STAFF, actor, require_current_site, roles
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.services import get_member
from supermarket.sites.calendar import site_today
from supermarket.surveys import services, tablet

bp = Blueprint("surveys", __name__, url_prefix="/surveys")


def _member(number: str) -> Member:
    return get_member(require_current_site(), number, actor=actor())


def _start_page(member: Member, key: str, back: str | None) -> ResponseReturnValue:
    start = services.start_survey(member, actor=actor())
    return render_template("surveys/start.html", start=start, key=key, back=back)


@bp.get("")
@roles(*MANAGERS)
def overview() -> ResponseReturnValue:
    site = require_current_site()
    found = services.site_overview(site, site_today(site), actor=actor())
    return render_template("surveys/overview.html", site=site, overview=found)


@bp.get("/take/<number>")
@roles(*STAFF)
def take(number: str) -> ResponseReturnValue:
    back = safe_next(request.args.get("next"))
    return _start_page(_member(number), tablet.new_key(), back)


@bp.post("/take/<number>")
@roles(*STAFF)
def answer(number: str) -> ResponseReturnValue:
    member = _member(number)
    progress = tablet.read_progress(request.form)
    back = safe_next(request.form.get("next"))
    if progress.action == "stop":
        return render_template("surveys/stopped.html", back=back)
    if progress.action == tablet.RESTART:
        return _start_page(member, progress.key, back)
    item = progress.next_item
    today = site_today(member.site)
    if (
        item is None
        and not progress.support_done
        and services.asks_support_question(member, progress.kind, today)
    ):
        return render_template(
            "surveys/support_question.html",
            member=member,
            progress=progress,
            question=tablet.support_question(),
            back=back,
        )
    if item is None:
        data = services.SurveyRequest(
            progress.kind, progress.mode, progress.answers, progress.support_answer
        )
        services.record_survey(member, data, actor=actor(), key=progress.key)
        db.session.commit()
        return redirect(url_for("surveys.thanks", number=member.membership_number, next=back), 303)
    question = tablet.question(item, member.adults)
    return render_template(
        "surveys/question.html",
        member=member,
        progress=progress,
        question=question,
        day_choices=tablet.DAY_CHOICES,
        back=back,
    )


@bp.get("/take/<number>/thanks")
@roles(*STAFF)
def thanks(number: str) -> ResponseReturnValue:
    _member(number)
    return render_template("surveys/thanks.html", back=safe_next(request.args.get("next")))
