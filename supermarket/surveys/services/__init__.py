"""The food-insecurity survey: when it is due, recording and scoring it, and its figures.

Public entry points for other domains (visits and reporting build on these; surveys never
imports them):

- `survey_due(member, today)`: the survey the check-in panel should offer, or None.
- `list_due(site, today, actor=...)`: a site's members with a survey due now.
- `record_survey(member, SurveyRequest(...), actor=...)`: store and score one survey (the
  tablet and the API).
- `asks_support_question(member, kind, today)`: whether a follow-up asks the optional
  question about the support the member was put in touch with (support registers the check
  in `SUPPORT_CHECKS`); its answer never affects the score or membership.
- `site_overview(site, today, actor=...)`: counts and the due list for the site manager's page.
- `survey_figures(site_ids, start=..., end=..., today=...)`: unrounded outcome figures for
  reporting, which applies disclosure control before anything leaves a site.

Timing (DOMAIN.md): the baseline is offered at registration and stays due until taken; the
follow-ups are due 3 and 6 months after the baseline's date (the joining date while there is
no baseline), each within 21 days either side. Only members with a live survey consent.
"""

from supermarket.surveys.services.due import (
    FOLLOW_UP_MONTHS,
    WINDOW_DAYS,
    DueMember,
    SiteOverview,
    SurveyDue,
    SurveyStart,
    has_survey_consent,
    list_due,
    site_overview,
    start_survey,
    survey_due,
)
from supermarket.surveys.services.figures import SurveyFigures, survey_figures
from supermarket.surveys.services.recording import (
    KEY_PATTERN,
    SUPPORT_CHECKS,
    SurveyRequest,
    answer_errors,
    asks_support_question,
    can_see_scores,
    record_survey,
)

__all__ = [
    "FOLLOW_UP_MONTHS",
    "KEY_PATTERN",
    "SUPPORT_CHECKS",
    "WINDOW_DAYS",
    "DueMember",
    "SiteOverview",
    "SurveyDue",
    "SurveyFigures",
    "SurveyRequest",
    "SurveyStart",
    "answer_errors",
    "asks_support_question",
    "can_see_scores",
    "has_survey_consent",
    "list_due",
    "record_survey",
    "site_overview",
    "start_survey",
    "survey_due",
    "survey_figures",
]
