"""Registering and managing member households at a site; every rule and site check lives here.

Public entry points for other domains (visits builds on these; members never imports visits):

- `find_member_for_checkin(site, text, actor=...)`: the member whose card number was typed or
  scanned at the desk.
- `search_members(site, q, actor=...)`: the desk search (number, name prefix, postcode).
- `get_member(site, number, actor=...)`: one member of a site, 404 for anyone else's.

The views, the API and other domains use the names below; the modules hold the use cases.
The rules of a new membership are pure functions in `members.rules`; a member's status on a
date is `Member.status_on` (Python and SQL). `importing` (the spreadsheet import) and
`privacy` (subject access, erasure, retention) are imported as modules.
"""

from __future__ import annotations

from supermarket.members.services.consent import give_consent, withdraw_consent
from supermarket.members.services.lifecycle import (
    admit_from_waiting_list,
    close_member,
    record_review,
    reinstate_member,
    renew_member,
    suspend_member,
    waiting_position,
)
from supermarket.members.services.lookup import (
    OPEN_STATUSES,
    get_member,
    places_taken,
    view_member,
)
from supermarket.members.services.maintenance import lapse_expired_members, rehash_members
from supermarket.members.services.offline_review import (
    open_registration_reviews,
    registration_reviews,
    resolve_registration_review,
)
from supermarket.members.services.registration import (
    Registration,
    register_member,
    update_member,
)
from supermarket.members.services.search import (
    SearchPage,
    card_for,
    find_member_for_checkin,
    members_for_cards,
    search_members,
)
from supermarket.members.services.search import (
    _name_groups as _name_groups,  # a test reads each group's query plan
)

__all__ = [
    "OPEN_STATUSES",
    "Registration",
    "SearchPage",
    "admit_from_waiting_list",
    "card_for",
    "close_member",
    "find_member_for_checkin",
    "get_member",
    "give_consent",
    "lapse_expired_members",
    "members_for_cards",
    "open_registration_reviews",
    "places_taken",
    "record_review",
    "register_member",
    "registration_reviews",
    "rehash_members",
    "reinstate_member",
    "renew_member",
    "resolve_registration_review",
    "search_members",
    "suspend_member",
    "update_member",
    "view_member",
    "waiting_position",
    "withdraw_consent",
]
