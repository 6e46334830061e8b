"""Visits services: the rules, the allowance engine, check-in, voiding and the cash-up.

The views and the API use these names; the modules below hold the rules.
"""

from __future__ import annotations

from supermarket.sites.calendar import site_today
from supermarket.visits.services.allowance import (
    Allowance,
    allowance_for,
    count_basket,
    settle_payment,
)
from supermarket.visits.services.cashup import (
    SessionSheet,
    Takings,
    close_session,
    current_session,
    get_session,
    list_sessions,
    open_session,
    session_sheet,
    stale_session,
    takings,
)
from supermarket.visits.services.checkin import CheckIn, check_in, find_member
from supermarket.visits.services.history import day_visits, member_visits
from supermarket.visits.services.panel import OVERRIDE_REASONS, Panel, checkin_panel, support_for
from supermarket.visits.services.review import open_reviews, resolve_review, review_list
from supermarket.visits.services.rules import LimitState, Problem, limit_state
from supermarket.visits.services.void import get_visit, void_visit

__all__ = [
    "OVERRIDE_REASONS",
    "Allowance",
    "CheckIn",
    "LimitState",
    "Panel",
    "Problem",
    "SessionSheet",
    "Takings",
    "allowance_for",
    "check_in",
    "checkin_panel",
    "close_session",
    "count_basket",
    "current_session",
    "day_visits",
    "find_member",
    "get_session",
    "get_visit",
    "limit_state",
    "list_sessions",
    "member_visits",
    "open_reviews",
    "open_session",
    "resolve_review",
    "review_list",
    "session_sheet",
    "settle_payment",
    "site_today",
    "stale_session",
    "support_for",
    "takings",
    "void_visit",
]
