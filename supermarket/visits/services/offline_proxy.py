"""The proxy an offline check-in names (issue 16): the tablet's roster may be a few minutes
old, so a proxy the member has since removed must not lose a visit whose food has gone. Online
such a check-in is refused beside the `proxy` field; offline it is recorded without the proxy
and marked for the site manager's review."""

from __future__ import annotations

from supermarket.errors import InvalidInput, RuleViolation
from supermarket.members.models import Member
from supermarket.members.services.access import proxy_for_checkin

PROXY_NOT_FOUND = "proxy_not_found"


def checkin_proxy(
    member: Member, proxy_id: int, *, offline: bool
) -> tuple[int | None, RuleViolation | None]:
    """The proxy's id, or (offline, for one the member no longer names) None and the reason
    the visit is marked for review."""
    try:
        return proxy_for_checkin(member, proxy_id).id, None
    except InvalidInput:
        if not offline:
            raise
    return None, RuleViolation(
        "Recorded offline as collected by a proxy the member no longer names: check who collected.",
        code=PROXY_NOT_FOUND,
    )
