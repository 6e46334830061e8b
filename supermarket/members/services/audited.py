"""The members domain's audit events: an action on one member, or on a site's members."""

from __future__ import annotations

from typing import Any

from supermarket.auth import audit
from supermarket.auth.models import User
from supermarket.members.models import Member
from supermarket.sites.models import Site


def on_member(
    action: str, member: Member, actor: User | None, site_id: int, **details: Any
) -> None:
    """Audit `action` on one member, done by the staff of site `site_id`, with `details`."""
    audit.record_on(action, "member", member.id, actor, site_id, **details)


def on_site(action: str, site: Site, actor: User | None, **details: Any) -> None:
    """Audit `action` on the members of a whole site (an import, a run, a batch of cards)."""
    audit.record_on(action, "site", site.code, actor, site.id, **details)
