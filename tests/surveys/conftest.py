"""Survey factories: consenting members with a chosen joining date, and answer sets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest

from supermarket.auth.models import User
from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.sites.models import Site
from supermarket.surveys import services
from supermarket.surveys.models import SurveyAssessment

NEVER = {"HH2": "never", "HH3": "never", "HH4": "never"}
AD_NO = {"AD1": "no", "AD2": "no", "AD3": "no", "AD4": "no"}
# The three worked examples of DOMAIN.md's appendix, and what they score.
EXAMPLE_HIGH = dict(NEVER)
EXAMPLE_MARGINAL = {"HH2": "often", "HH3": "sometimes", "HH4": "never", **AD_NO}
EXAMPLE_VERY_LOW = {
    "HH2": "often",
    "HH3": "often",
    "HH4": "sometimes",
    "AD1": "yes",
    "AD1a": 5,
    "AD2": "yes",
    "AD3": "no",
    "AD4": "no",
    "AD5": "no",
}
WORKED_EXAMPLES = [
    pytest.param(EXAMPLE_HIGH, (0, "high", 0, "high_or_marginal", False), id="all-never-high"),
    pytest.param(
        EXAMPLE_MARGINAL, (2, "marginal", 1, "high_or_marginal", False), id="two-marginal"
    ),
    pytest.param(EXAMPLE_VERY_LOW, (6, "very_low", 5, "very_low", True), id="six-very-low"),
]


@pytest.fixture
def member_at(make_member: Any) -> Callable[..., Member]:
    """A member of `site` (survey consent by default) who joined on `joined_on`."""

    def make(
        site: Site,
        *,
        joined_on: date | None = None,
        survey: bool = True,
        adults: int = 2,
        **overrides: Any,
    ) -> Member:
        member: Member = make_member(
            site,
            consents={"privacy_notice_given": True, "survey": survey, "contact": False},
            household={
                "adults": adults,
                "children_0_4": 0,
                "children_5_11": 1,
                "children_12_17": 0,
            },
            **overrides,
        )
        if joined_on is not None:
            member.joined_on = joined_on
            db.session.commit()
        return member

    return make


@pytest.fixture
def record(make_user: Callable[..., User]) -> Callable[..., SurveyAssessment]:
    """Record a survey through the service as a manager of the member's site, and commit."""

    def do(
        member: Member,
        answers: dict[str, Any] | None = None,
        *,
        kind: str = "baseline",
        mode: str = "self",
        today: date | None = None,
        actor: User | None = None,
    ) -> SurveyAssessment:
        actor = actor or make_user("site_manager", sites=[member.site])
        data = services.SurveyRequest(kind, mode, dict(NEVER if answers is None else answers))
        assessment = services.record_survey(member, data, actor=actor, today=today)
        db.session.commit()
        return assessment

    return do


class Forms(HTMLParser):
    """The forms of a page: for each, its hidden fields and the (name, value) of its buttons."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action"), "hidden": {}, "buttons": []})
        elif self.forms and tag == "input" and a.get("type") == "hidden":
            self.forms[-1]["hidden"][a["name"]] = a.get("value", "")
        elif self.forms and tag == "button" and a.get("name"):
            self.forms[-1]["buttons"].append((a["name"], a.get("value", "")))


def form_with_button(html: str, name: str, value: str) -> dict[str, Any]:
    """The form on the page holding the button name=value (what tapping it would send)."""
    for form in Forms(html).forms:
        if (name, value) in form["buttons"]:
            return form
    raise AssertionError(f"no button {name}={value} on the page")


def tap(client: Any, html: str, name: str, value: str) -> Any:
    """Tap a button of the page as the browser would: its form's hidden fields plus it."""
    form = form_with_button(html, name, value)
    return client.post(form["action"], data={**form["hidden"], name: value})
