"""The main menu: each entry shows when its endpoint exists and the user's role allows it."""

from __future__ import annotations

STAFF = ("volunteer", "site_manager")

NAV_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("visits.checkin", "Check in", STAFF),
    ("members.search", "Members", STAFF),
    ("members.register", "Register", STAFF),
    ("stock.overview", "Stock", STAFF),
    ("visits.sessions", "Sessions", STAFF),
    ("surveys.overview", "Food survey", ("site_manager",)),
    ("reporting.site_dashboard", "Reports", ("site_manager",)),
    ("reporting.programme", "Programme", ("programme_lead", "admin")),
    ("auth.admin_home", "Admin", ("admin",)),
)
