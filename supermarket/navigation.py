"""The main menu and each role's home page: an entry shows when its endpoint exists and the
user's role allows it. The menu names each part of the app a role uses; the home page names
the role's jobs, with a line on each, as big links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for

STAFF = ("volunteer", "site_manager")
MANAGER = ("site_manager",)
LEAD = ("programme_lead", "admin")
ADMIN = ("admin",)
REFERRER = ("referrer",)  # an agency's staff: their own page only


@dataclass(frozen=True)
class Link:
    endpoint: str
    label: str
    roles: tuple[str, ...]
    what: str = ""  # the job in a line, shown under the link on the home page
    per_site: bool = False  # the page is the working site's own (its code is in the URL)

    def shown_to(self, role: str, site: Any, endpoints: Any) -> bool:
        return role in self.roles and self.endpoint in endpoints and (site or not self.per_site)

    def href(self, site: Any) -> str:
        return url_for(self.endpoint, code=site.code) if self.per_site else url_for(self.endpoint)


NAV_ITEMS: tuple[Link, ...] = (
    Link("visits.checkin", "Check in", STAFF),
    Link("members.search", "Members", STAFF),
    Link("stock.overview", "Stock", STAFF),
    Link("visits.sessions", "Sessions", STAFF),
    Link("surveys.overview", "Survey", MANAGER),
    Link("reporting.site_dashboard", "Reports", MANAGER),
    Link("sites.settings", "Settings", MANAGER, per_site=True),
    Link("sites.site_list", "Sites", ADMIN),
    Link("auth.user_list", "Staff", ADMIN),
    Link("auth.audit_log", "Audit log", ADMIN),
    Link("reporting.programme", "Programme", LEAD),
    Link("stock.products_list", "Products", LEAD),
    Link("support_agencies.referrer_home", "Referrals", REFERRER),
)

HOME_JOBS: tuple[Link, ...] = (
    Link("visits.checkin", "Check in", STAFF, "Find a member by card or name and record the visit"),
    Link("members.register", "Register a household", STAFF, "Sign up a new member at the desk"),
    Link("members.search", "Members", STAFF, "Look up, update or renew a household"),
    Link("visits.day", "Today's visits", STAFF, "Who came today; void a visit made in error"),
    Link("visits.sessions", "Sessions and cash-up", STAFF, "Open the session, count the cash"),
    Link("stock.receive", "Receive a delivery", STAFF, "Weigh in or scan what arrived"),
    Link("stock.overview", "Stock", STAFF, "Levels, use-by alerts and deliveries"),
    Link(
        "visits.review",
        "Offline check-ins",
        MANAGER,
        "Review those a rule would have refused, and possible duplicates registered offline",
    ),
    Link("stock.stocktakes", "Stocktake", MANAGER, "Count the shelves and approve differences"),
    Link("stock.report", "Stock report", MANAGER, "In, out and wasted over a period"),
    Link(
        "members.import_members",
        "Import members",
        MANAGER,
        "Bring households in from a spreadsheet",
    ),
    Link("surveys.overview", "Food survey", MANAGER, "Who is due a survey, and the answers so far"),
    Link(
        "reporting.site_dashboard",
        "Site reports",
        MANAGER,
        "Your site's visits, members and outcomes",
    ),
    Link(
        "sites.settings",
        "Site settings",
        MANAGER,
        "Fees, visit limits, allowances, eligibility",
        per_site=True,
    ),
    Link("offline.devices", "Tablets", MANAGER, "Enrol a tablet for checking in offline"),
    Link(
        "support.service_list",
        "Support services",
        STAFF + LEAD,
        "Where members can get advice and help beyond food",
    ),
    Link("support.follow_up", "Referrals to follow up", MANAGER, "Referrals with no news lately"),
    Link(
        "support_agencies.inbound_list",
        "Incoming referrals",
        STAFF,
        "Households agencies have referred: register them, or decline with a reason",
    ),
    Link(
        "support_agencies.agency_list",
        "Referral agencies",
        MANAGER + ADMIN,
        "The agencies that refer households to the sites",
    ),
    Link(
        "support_agencies.referrer_home",
        "Refer a household",
        REFERRER,
        "Send a referral to a site and see what became of your agency's referrals",
    ),
    Link("sites.site_list", "Sites", ADMIN, "Add a site, change its details and settings"),
    Link("auth.user_list", "Staff accounts", ADMIN, "Add accounts, change roles and sites"),
    Link("auth.audit_log", "Audit log", ADMIN, "Who signed in, viewed or changed what"),
    Link(
        "reporting.programme", "Programme dashboard", LEAD, "Figures across every site, PDF and CSV"
    ),
    Link("stock.products_list", "Products", LEAD, "The catalogue every site shares"),
)
