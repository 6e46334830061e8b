"""What the roster carries for issue 16 beyond the weekly shop: the site's visit types, what
offline registration may leave out (a postcode on the no-fixed-abode route, the date of birth
where the site allows an age band instead) and each member's proxies.

The tablet never works out a type's limit: the member's visits of each type are not in the
roster, so the server applies the type's rules when the check-in syncs (a refusal marks the
visit for review). Proxies carry no phone number: the door needs only who may collect.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from supermarket.extensions import db
from supermarket.members.models import MemberProxy
from supermarket.members.terms import AGE_BANDS
from supermarket.sites.settings import NO_FIXED_ABODE, SiteSettings


def site_extras(settings: SiteSettings) -> dict[str, Any]:
    """The site's routes, whether the date of birth may be left out (and the age bands offered
    instead) and its visit types, as the tablet's registration form and panel need them."""
    return {
        "eligibility_routes": list(settings.eligibility_routes),
        "postcode_optional_routes": [r for r in settings.eligibility_routes if r == NO_FIXED_ABODE],
        "date_of_birth_optional": settings.date_of_birth_optional,
        "age_bands": [label for _, label in AGE_BANDS],
        "visit_types": [
            {
                "key": t.key,
                "label": t.label,
                "parcel": t.parcel,
                # None: the member's own fee (the roster's fee_pence for the member).
                "fee_pence": t.fee_pence,
                "payment_model": t.payment_model,
                "members_only": t.members_only,
                "counts_toward_weekly": t.counts_toward_weekly,
                "band_limits": dict(t.band_limits),
            }
            for t in settings.visit_types
        ],
    }


def proxies_by_member(member_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each member's proxies (id, name, relationship), in the order they were named: one
    query for the whole roster."""
    ids = list(member_ids)
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        select(MemberProxy.member_id, MemberProxy.id, MemberProxy.name, MemberProxy.relationship)
        .where(MemberProxy.member_id.in_(ids))
        .order_by(MemberProxy.member_id, MemberProxy.id)
    )
    for member_id, proxy_id, name, relationship in rows:
        found.setdefault(member_id, []).append(
            {"id": proxy_id, "name": name, "relationship": relationship}
        )
    return found
