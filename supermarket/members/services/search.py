"""Finding members: the card number typed or scanned at check-in, the desk search (number,
name prefix, postcode) through indexed key ranges with keyset cursors, and cards to print."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select, tuple_

from supermarket.auth.access import ensure_works_at
from supermarket.auth.models import User
from supermarket.errors import InvalidInput, NotFound, RuleViolation
from supermarket.extensions import db
from supermarket.inputs import fits_int, text_problem
from supermarket.members.identifiers import is_valid_membership_number, normalise_membership_number
from supermarket.members.models import Member, MemberStatus
from supermarket.members.names import prefix_upper_bound, search_key
from supermarket.members.services import audited
from supermarket.members.services.lookup import get_member
from supermarket.postcodes import normalise_catchment_entry, normalise_postcode
from supermarket.rows import locked
from supermarket.sites.calendar import site_today
from supermarket.sites.models import Site


@dataclass
class SearchPage:
    """One page of search results.

    `exact` is the member when the query was a valid membership number found at the site (the
    desk then goes straight to that member); `hint` explains a number with a wrong check
    character.
    """

    items: list[Member]
    next: str | None = None
    exact: Member | None = None
    hint: str | None = None


# The check-in's lookups by number (at the site, or anywhere), plain and locked for update:
# made once, with their cache keys, as every check-in and panel runs one.
_BY_NUMBER = select(Member).where(
    Member.membership_number == bindparam("number"), Member.anonymised_at.is_(None)
)
_AT_SITE = {
    False: _BY_NUMBER.where(Member.site_id == bindparam("site_id")),
    True: locked(_BY_NUMBER.where(Member.site_id == bindparam("site_id"))),
}
_ANYWHERE = {False: _BY_NUMBER, True: locked(_BY_NUMBER)}


def find_member_for_checkin(
    site: Site, text: str, *, actor: User, for_update: bool = False
) -> Member:
    """The member whose card number was typed or scanned (with any spacing, case or hyphen).

    For the check-in desk: refuses (422) text that is not a membership number or whose check
    character is wrong, so a misread number never finds someone else. Looks at the site's own
    members; if the site accepts other sites' members, then at the whole programme (audited
    as `member.found_from_other_site`). The rule for a member of another site lives here: a
    site that takes only its own members refuses one of another site the actor also works at
    (`not_allowed_at_this_site`, which the visit rules name); anyone else gets a 404, so
    numbers cannot be probed across sites. The caller decides what the member's status
    allows. With `for_update`, the member's row is locked until the transaction ends (on
    databases that lock rows).
    """
    number = normalise_membership_number(text)
    if number is None:
        raise InvalidInput(
            "That is not a membership number.",
            code="not_a_membership_number",
            fields={"number": ["Type the 8 characters on the card."]},
        )
    if not is_valid_membership_number(number):
        raise InvalidInput(
            "That number is not right: a character is mistyped or misread.",
            code="invalid_check_character",
            fields={"number": ["Check the number on the card and type it again."]},
        )
    params = {"number": number, "site_id": site.id}
    member = db.session.scalar(_AT_SITE[for_update], params)
    if member is None and site.settings.allow_other_site_members:
        member = db.session.scalar(_ANYWHERE[for_update], {"number": number})
        if member is not None:
            audited.on_member(
                "member.found_from_other_site", member, actor, site.id, home_site_id=member.site_id
            )
    if member is None:
        _refuse_member_of_another_site(site, number, actor)
        raise NotFound("No member has that number here.", code="member_not_found")
    return member


# The check-in refusal's code; visits.models.Rule lists it among the check-in rules.
NOT_ALLOWED_AT_THIS_SITE = "not_allowed_at_this_site"


def _refuse_member_of_another_site(site: Site, number: str, actor: User) -> None:
    """Refuse (RuleViolation) a member of another of the actor's sites, which this site does
    not take; staff of this site alone are not told the number exists."""
    for other in actor.sites:
        if other.id == site.id:
            continue
        try:
            member = get_member(other, number, actor=actor)
        except NotFound:
            continue
        raise RuleViolation(
            f"{member.first_name} is a member at {other.name}. {site.name} does not take "
            "other sites' members.",
            code=NOT_ALLOWED_AT_THIS_SITE,
            details={"home_site": other.code, "overridable": False},
        )


def _encode_cursor(group: int, member: Member, order: tuple[Any, ...]) -> str:
    keys = [getattr(member, column.key) for column in order]
    raw = json.dumps([group, *keys])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, groups: int) -> tuple[int, list[Any]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, RecursionError):
        value = None
    if (
        not isinstance(value, list)
        or len(value) not in (3, 4)
        or not isinstance(value[0], int)
        or not 0 <= value[0] < groups
        or not all(isinstance(v, str) and text_problem(v) is None for v in value[1:-1])
        or not fits_int(value[-1])
    ):
        raise InvalidInput("The cursor is not valid.", fields={"cursor": ["Not valid."]})
    return value[0], value[1:]


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    """An index range for `column LIKE 'prefix%'` without LIKE (which cannot use the index)."""
    return and_(column >= prefix, column < prefix_upper_bound(prefix))


BY_LAST = (Member.last_name_key, Member.first_name_key, Member.id)
# By first name, then registration: the (site_id, first_name_key) index gives this order
# directly (SQLite keeps the row id in the index; PostgreSQL sorts only equal keys).
BY_FIRST = (Member.first_name_key, Member.id)


@dataclass(frozen=True)
class _Group:
    """One part of a search answered by a single index range, in that index's order."""

    condition: ColumnElement[bool]
    order: tuple[Any, ...]


def _name_groups(text: str) -> list[_Group]:
    """Name matches, best first: surname prefix; first name + surname in either order
    ("tasha oka", "okafor t"); then first-name prefix. Each group reads one index range in
    order and stops at the page size, so a search costs the same at 200 or 200,000 members."""
    key = search_key(text.replace(",", " "))
    if not key:
        return []
    tokens = key.split(" ")
    groups = [_Group(_prefix(Member.last_name_key, key), BY_LAST)]
    for cut in range(1, len(tokens)):
        head, tail = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        groups.append(
            _Group(
                and_(_prefix(Member.last_name_key, tail), _prefix(Member.first_name_key, head)),
                BY_LAST,
            )
        )
        groups.append(
            _Group(
                and_(_prefix(Member.last_name_key, head), _prefix(Member.first_name_key, tail)),
                BY_LAST,
            )
        )
    groups.append(_Group(_prefix(Member.first_name_key, key), BY_FIRST))
    return groups


def _postcode_condition(text: str) -> ColumnElement[bool] | None:
    full = normalise_postcode(text)
    if full is not None:
        return Member.postcode == full
    entry = normalise_catchment_entry(text.strip())
    if entry is None:
        return None
    if " " in entry:  # a sector, "CM20 1"
        return _prefix(Member.postcode, entry)
    return Member.postcode_district == entry


def _matches(
    base: Select[Member],
    groups: list[_Group],
    start: int,
    after: list[Any] | None,
    wanted: int,
) -> list[tuple[int, Member]]:
    """Up to `wanted` members, group by group from `start` (after the cursor's keys), each
    with its group's index."""
    rows: list[tuple[int, Member]] = []
    earlier = [g.condition for g in groups[:start]]
    for index in range(start, len(groups)):
        group = groups[index]
        stmt = base.where(group.condition)
        if earlier:  # a member matching two groups is listed once, in the first
            stmt = stmt.where(~or_(*earlier))
        if index == start and after is not None:
            stmt = stmt.where(tuple_(*group.order) > tuple_(*after))
        left = wanted - len(rows)
        rows += [(index, m) for m in db.session.scalars(stmt.order_by(*group.order).limit(left))]
        if len(rows) >= wanted:
            break
        earlier.append(group.condition)
    return rows


NUMBER_HINT = (
    "That looks like a membership number, but a character is wrong. Check the card and type "
    "it again."
)


def search_members(
    site: Site,
    q: str = "",
    *,
    actor: User,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> SearchPage:
    """Find a site's members by exact membership number, name prefix or postcode.

    Names match by prefix of the surname, of the first name, or of both ("tash oka"), case-
    and accent-insensitively ("zoe" finds Zoë), through indexed key ranges, never `%term%`:
    surname matches first (by surname, first name), then first-name matches. A postcode
    matches exactly; a district ("CM20") or sector ("CM20 1") matches all in it. A valid
    membership number found at the site is returned as `exact`; one with a wrong check
    character sets `hint`. `cursor` continues from the previous page. Anonymised members
    never appear.
    """
    ensure_works_at(actor, site, hidden_as="member")
    limit = max(1, min(limit, 200))
    q = q.strip()[:100]
    base = select(Member).where(Member.site_id == site.id, Member.anonymised_at.is_(None))
    if status:
        base = base.where(Member.status_on(site_today(site)) == status)
    hint = None
    number = normalise_membership_number(q) if q else None
    if number is not None and cursor is None:
        if is_valid_membership_number(number):
            found = db.session.scalar(base.where(Member.membership_number == number))
            if found is not None:
                return SearchPage(items=[found], exact=found)
        else:
            hint = NUMBER_HINT
    if not q:
        groups = [_Group(Member.id.is_not(None), BY_LAST)]
    else:
        postcode = _postcode_condition(q)
        groups = [_Group(postcode, BY_LAST)] if postcode is not None else _name_groups(q)
    if not groups:
        return SearchPage(items=[], hint=hint)
    start, after = _decode_cursor(cursor, len(groups)) if cursor else (0, None)
    if after is not None and len(after) != len(groups[start].order):
        raise InvalidInput("The cursor is not valid.", fields={"cursor": ["Not valid."]})
    rows = _matches(base, groups, start, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last_group, last_member = rows[-1]
        next_cursor = _encode_cursor(last_group, last_member, groups[last_group].order)
    return SearchPage(items=[m for _, m in rows], next=next_cursor, hint=hint)


def members_for_cards(
    site: Site, *, actor: User, numbers: Iterable[str] = (), registered_on: date | None = None
) -> list[Member]:
    """Members of the site to print cards for: by number, or all registered on a day."""
    ensure_works_at(actor, site, hidden_as="member")
    stmt = select(Member).where(
        Member.site_id == site.id,
        Member.anonymised_at.is_(None),
        Member.status != MemberStatus.CLOSED.value,
    )
    canonical = [n for n in (normalise_membership_number(x) for x in numbers) if n]
    if canonical:
        stmt = stmt.where(Member.membership_number.in_(canonical[:200]))
    elif registered_on is not None:
        stmt = stmt.where(Member.joined_on == registered_on)
    else:
        return []
    members = list(db.session.scalars(stmt.order_by(Member.last_name_key, Member.id).limit(200)))
    if members:
        audited.on_site("member.cards_printed", site, actor, count=len(members))
    return members


def card_for(site: Site, number: str, *, actor: User) -> Member:
    """A member whose card is being printed (audited)."""
    member = get_member(site, number, actor=actor)
    audited.on_member("member.card_printed", member, actor, site.id)
    return member
