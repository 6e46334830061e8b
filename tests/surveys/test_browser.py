"""A new member answers the food survey on the tablet herself, in the real browser."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.extensions import db
from supermarket.surveys.models import SurveyAssessment
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.concurrency]

REASSURANCE = "Your answers do not affect your membership or what you can take."


def test_a_member_answers_the_survey_on_the_tablet_and_sees_no_score(
    browser_page, make_site, make_user, member_at
):
    site = make_site(code="harlow", name="Harlow Community Supermarket")
    sue = make_user("volunteer", sites=[site], name="Sue Barker")
    member = member_at(site, first_name="Grace", last_name="Adeyemi", adults=1, actor=sue)
    page = browser_page
    browser_login(page, sue)

    page.goto(f"/surveys/take/{member.membership_number}?next=/")
    assert page.get_by_role("heading", name="A few short questions about food at home").is_visible()
    assert page.get_by_text(REASSURANCE).is_visible()
    assert page.get_by_role("navigation").count() == 0  # nothing to wander into
    screenshot(page, "surveys-1-start")
    page.get_by_role("button", name="I’ll answer on the tablet myself").click()

    page.get_by_text("Question 1 of up to 10").wait_for()
    assert page.get_by_text("I worried whether my food would run out").is_visible()
    assert page.get_by_text(REASSURANCE).is_visible()
    screenshot(page, "surveys-2-first-question")

    for label in ("Often true", "Often true", "Sometimes true", "Yes"):
        page.get_by_role("button", name=label, exact=True).click()
        page.wait_for_load_state("load")
    page.get_by_text("how many days did this happen?").wait_for()
    assert page.get_by_text("You answered “Yes” to:").is_visible()
    screenshot(page, "surveys-3-how-many-days")
    page.get_by_role("button", name="5 days", exact=True).click()
    page.wait_for_load_state("load")
    for label in ("Yes", "No", "No", "No"):  # AD2, AD3, AD4, AD5
        assert page.get_by_text(REASSURANCE).is_visible()
        page.get_by_role("button", name=label, exact=True).click()
        page.wait_for_load_state("load")

    page.get_by_role("heading", name="Thank you").wait_for()
    assert page.get_by_text("Please hand the tablet back to the volunteer.").is_visible()
    body = page.locator("body").inner_text().lower()
    for word in ("score", "very low", "insecure", "marginal"):
        assert word not in body
    screenshot(page, "surveys-4-thank-you")

    db.session.rollback()  # end this thread's read snapshot: the server has committed since
    row = db.session.scalar(select(SurveyAssessment).where(SurveyAssessment.member_id == member.id))
    assert row is not None
    assert (row.raw_score_10, row.category_10, row.raw_score_6, row.category_6) == (
        6,
        "very_low",
        5,
        "very_low",
    )
    assert row.mode == "self"
    assert row.recorded_by_id == sue.id

    page.get_by_role("link", name="Volunteer: continue").click()
    page.wait_for_load_state("load")
    assert "/surveys/" not in page.url
